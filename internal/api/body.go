package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/nhi"
)

// maxStringLen bounds any string in a request body, so the database never
// sees a value it would refuse where the other database takes it.
const maxStringLen = 64 << 10

// jsonBody checks the body of a state-changing request before its
// handler decodes it: a Content-Type other than JSON is 415 (none at all
// is taken as JSON), a body over maxBody is 413, and a body that is not
// valid UTF-8, repeats a key in one object, or holds a NUL character, an
// over-long string or a date before year 1 is 400 naming the field. The
// checks are syncd's, so SQLite and PostgreSQL answer the same.
func (s *Server) jsonBody(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch || r.Body == nil {
			h(w, r)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
				writeError(w, http.StatusUnsupportedMediaType, "send the body as application/json", nil)
				return
			}
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", maxBody), nil)
				return
			}
			writeError(w, http.StatusBadRequest, "could not read the body", nil)
			return
		}
		if fe := checkJSON(raw); fe != nil {
			writeError(w, http.StatusBadRequest, "invalid input; nothing was stored", []nhi.FieldError{*fe})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		h(w, r)
	}
}

// checkJSON walks raw token by token. An empty body passes (handlers
// report it); malformed JSON is left to the handler's decoder, which
// names the offset.
func checkJSON(raw []byte) *nhi.FieldError {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if !utf8.Valid(raw) {
		return &nhi.FieldError{Field: "(body)", Msg: "not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	fe, err := walkJSON(dec, "")
	if err != nil {
		return nil // syntax: the handler's decoder reports it
	}
	return fe
}

// walkJSON reads one value; path names it for errors.
func walkJSON(dec *json.Decoder, path string) (*nhi.FieldError, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				field := key
				if field == "" {
					field = `""`
				}
				if path != "" {
					field = path + "." + key
				}
				if seen[key] {
					return &nhi.FieldError{Field: field, Msg: "appears twice in one object"}, nil
				}
				seen[key] = true
				if fe := checkText(field, key); fe != nil {
					return fe, nil
				}
				if fe, err := walkJSON(dec, field); fe != nil || err != nil {
					return fe, err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if fe, err := walkJSON(dec, path+"["+strconv.Itoa(i)+"]"); fe != nil || err != nil {
					return fe, err
				}
			}
		}
		_, err := dec.Token() // the closing delimiter
		return nil, err
	case string:
		if path == "" {
			path = "(body)"
		}
		return checkText(path, t), nil
	}
	return nil, nil
}

func checkText(field, s string) *nhi.FieldError {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return &nhi.FieldError{Field: field, Msg: "contains a NUL character"}
	case len(s) > maxStringLen:
		return &nhi.FieldError{Field: field, Msg: fmt.Sprintf("is longer than %d bytes", maxStringLen)}
	case len(s) >= 10 && s[4] == '-' && s[7] == '-' && strings.HasPrefix(s, "0000"):
		// Go parses year 0; PostgreSQL has no year 0 and refuses it.
		return &nhi.FieldError{Field: field, Msg: "date out of range (before year 1)"}
	}
	return nil
}
