// Package webui serves syncd's server-rendered web pages: one handler per
// file, typed page data, html/template from package web, security headers
// on every response, and authorization checked on every object it shows
// or changes.
package webui
