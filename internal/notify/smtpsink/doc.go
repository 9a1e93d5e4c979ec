// Package smtpsink is an SMTP server on loopback that keeps the messages
// it receives in memory: the test server of internal/notify's SMTP tests
// and the mail sink of `syncd demo`. It is the only importer of
// github.com/emersion/go-smtp.
package smtpsink
