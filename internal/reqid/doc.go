// Package reqid gives every HTTP request a random id, set on the response
// as X-Request-Id and kept in the context, so an error page or body can
// show it and the log line with the internal detail can be found by it.
package reqid
