package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/store"
)

// errorBody is every error response.
type errorBody struct {
	Error  string           `json:"error"`
	Fields []nhi.FieldError `json:"fields,omitempty"`
	// RequestID finds the log line with the internal detail.
	RequestID string `json:"request_id,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string, fields []nhi.FieldError) {
	writeJSON(w, status, errorBody{Error: msg, Fields: fields, RequestID: w.Header().Get(requestlog.Header)})
}

// fail maps a service error onto a response.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var ve *nhi.ValidationError
	var fe *nhi.FieldError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", ve.Fields)
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", []nhi.FieldError{*fe})
	case errors.Is(err, errForbidden), errors.Is(err, nhi.ErrForbidden):
		writeError(w, http.StatusForbidden, publicMessage(err, "not allowed"), nil)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found", nil)
	case errors.Is(err, nhi.ErrClosed), errors.Is(err, nhi.ErrNoWriteBack):
		writeError(w, http.StatusConflict, err.Error(), nil)
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflicting change; retry", nil)
	case errors.Is(err, store.ErrUnavailable):
		s.logger().Error("api: database unavailable", "err", err)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the database is unavailable; retry later", nil)
	default:
		s.logger().Error("api", "err", err, "request_id", w.Header().Get(requestlog.Header))
		writeError(w, http.StatusInternalServerError, "internal error; quote the request id when reporting it", nil)
	}
}

var errForbidden = errors.New("forbidden")

// maxBody bounds request bodies.
const maxBody = 1 << 20

// decode reads a JSON object into v, rejecting unknown fields, trailing
// data and wrong types with an error naming the field.
func decode(w http.ResponseWriter, r *http.Request, v any) *nhi.FieldError {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.Decode(&struct{}{}) != io.EOF {
			return &nhi.FieldError{Field: "(body)", Msg: "trailing data after the JSON object"}
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &nhi.FieldError{Field: te.Field, Msg: fmt.Sprintf("must be a %s, got %s", te.Type, te.Value)}
	case errors.As(err, &se):
		return &nhi.FieldError{Field: "(body)", Msg: fmt.Sprintf("not valid JSON at byte %d", se.Offset)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &nhi.FieldError{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Msg: "unknown field"}
	case errors.Is(err, io.EOF):
		return &nhi.FieldError{Field: "(body)", Msg: "empty; send a JSON object"}
	}
	return &nhi.FieldError{Field: "(body)", Msg: err.Error()}
}

// dateField parses an optional date field; a problem is added to errs.
// set reports whether the field was given at all ("" clears).
func dateField(errs *[]nhi.FieldError, field string, v *string) (t *time.Time, set bool) {
	if v == nil {
		return nil, false
	}
	t, fe := nhi.ParseDate(field, *v)
	if fe != nil {
		*errs = append(*errs, *fe)
	}
	return t, true
}
