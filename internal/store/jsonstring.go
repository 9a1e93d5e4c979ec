package store

import "encoding/json"

// AppendJSONString appends s quoted exactly as encoding/json marshals a
// string: printable ASCII other than the quote, the backslash and the
// characters encoding/json escapes for HTML is copied as it is; any other
// string is handed to encoding/json itself (so invalid UTF-8 becomes
// U+FFFD, as json.Marshal makes it). Stored documents, link attributes,
// manager references and audit details are JSON that later compares or
// hashes byte for byte; the writers that skip reflection on their hot
// paths quote strings through this one function so their bytes stay
// encoding/json's (TestAppendJSONStringIsJSONMarshal).
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
