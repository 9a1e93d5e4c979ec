package authz

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrWebhookNotAllowed: a webhook destination outside the allow-list.
var ErrWebhookNotAllowed = errors.New("authz: webhook destination not in security.webhookAllowList")

// ValidateWebhookURL reports whether raw is an allowed webhook destination:
// an absolute http(s) URL without credentials whose scheme and host (with
// port) equal an allow-list entry's and whose path lies under the entry's
// path (at a "/" boundary). URLs are parsed, never prefix-matched as
// strings, so "https://hooks.example.com.evil/" or "https://hooks.example.com@evil/"
// do not pass for "https://hooks.example.com/". An empty allow-list allows
// nothing.
func ValidateWebhookURL(allow []string, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		strings.ContainsAny(raw, "\\\t\r\n ") {
		return fmt.Errorf("%w (%s): %q is not an absolute http(s) URL without credentials", ErrWebhookNotAllowed, strings.Join(allow, ", "), raw)
	}
	for _, a := range allow {
		au, err := url.Parse(a)
		if err != nil || au.Host == "" {
			continue
		}
		if !strings.EqualFold(au.Scheme, u.Scheme) || !strings.EqualFold(au.Host, u.Host) {
			continue
		}
		prefix := au.Path
		if prefix == "" || prefix == "/" || u.Path == prefix {
			return nil
		}
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		if strings.HasPrefix(u.Path, prefix) && !strings.Contains(u.Path, "/../") {
			return nil
		}
	}
	if len(allow) == 0 {
		return fmt.Errorf("%w: the allow-list is empty, so no webhook destination is allowed", ErrWebhookNotAllowed)
	}
	return fmt.Errorf("%w (%s): %q", ErrWebhookNotAllowed, strings.Join(allow, ", "), raw)
}
