package nhi

import (
	"errors"
	"strings"
)

// ErrClosed: the task or finding is no longer open for that action.
var ErrClosed = errors.New("no longer open")

// ErrForbidden: the caller may not act on that task.
var ErrForbidden = errors.New("not allowed")

// FieldError is one problem with one input field.
type FieldError struct {
	Field string `json:"field"`
	Msg   string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// ValidationError lists every problem of one input record; nothing of the
// record was written.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid: " + strings.Join(parts, "; ")
}
