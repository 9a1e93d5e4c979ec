// Package requestlog gives every HTTP request an id (taken from a sane
// incoming X-Request-Id, or made up) that is returned as the X-Request-Id
// response header and carried by every log line written with the
// request's context, and writes one access log line per request.
package requestlog
