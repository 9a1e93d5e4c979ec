package smtpsink

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

type mimeDecoder = mime.WordDecoder

// Text is the message's text/plain part, decoded (quoted-printable
// included); the whole body when the message is not multipart.
func (m Message) Text() string { return m.Part("text/plain") }

// Part is the first part of media type typ, decoded; "" when there is
// none. A single-part message is its own part.
func (m Message) Part(typ string) string {
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		if err == nil && mt != typ {
			return ""
		}
		return string(m.Body)
	}
	r := multipart.NewReader(bytes.NewReader(m.Body), params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			return ""
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), typ) {
			b, _ := io.ReadAll(p)
			return string(b)
		}
	}
}
