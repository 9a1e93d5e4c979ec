package scimclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// ErrNoUser is returned by GroupWriter.UserID when the downstream service
// has no user with the asked userName.
var ErrNoUser = errors.New("no such user")

const patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// GroupWriter changes group membership in one downstream SCIM service
// (an application syncd provisions access into). It shares the pull
// client's conventions: bearer token, 429 and 5xx retried honouring
// Retry-After. AddMember and RemoveMember are idempotent.
type GroupWriter struct {
	cfg    Config
	Now    func() time.Time
	Logger *slog.Logger
}

// NewGroupWriter checks cfg and returns a writer; cfg.Name names the
// downstream application in errors and logs.
func NewGroupWriter(cfg Config, logger *slog.Logger) (*GroupWriter, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("scimclient: downstream app has no name")
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("scimclient: downstream app %q: %v", cfg.Name, errs)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &GroupWriter{cfg: cfg.withDefaults(), Now: time.Now, Logger: logger}, nil
}

// Name is the configured application name.
func (w *GroupWriter) Name() string { return w.cfg.Name }

// Close releases idle connections.
func (w *GroupWriter) Close() error {
	w.cfg.HTTPClient.CloseIdleConnections()
	return nil
}

func (w *GroupWriter) send(ctx context.Context, method, path string, q url.Values, body any) ([]byte, int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, 0, err
		}
	}
	raw, resp, attempts, err := send(ctx, w.cfg, w.Logger, w.Now, method, path, q, payload)
	if err != nil {
		return nil, 0, fmt.Errorf("scimclient: %s: %s %s: %w", w.cfg.Name, method, path, err)
	}
	switch {
	case resp.StatusCode/100 == 2:
		return raw, resp.StatusCode, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return raw, resp.StatusCode, fmt.Errorf("scimclient: %s: %s %s: HTTP %d (check the token)", w.cfg.Name, method, path, resp.StatusCode)
	case retryable(resp.StatusCode):
		return raw, resp.StatusCode, fmt.Errorf("scimclient: %s: %s %s: HTTP %d after %d attempts", w.cfg.Name, method, path, resp.StatusCode, attempts)
	}
	return raw, resp.StatusCode, fmt.Errorf("scimclient: %s: %s %s: HTTP %d: %.200s", w.cfg.Name, method, path, resp.StatusCode, raw)
}

// UserID finds the id of the user whose userName is userName
// (RFC 7644 section 3.4.2.2); ErrNoUser when there is none.
func (w *GroupWriter) UserID(ctx context.Context, userName string) (string, error) {
	// A SCIM filter's string value is a JSON string (RFC 7644 section
	// 3.4.2.2), so JSON quoting escapes quotes and backslashes.
	lit, _ := json.Marshal(userName)
	q := url.Values{"filter": {"userName eq " + string(lit)}, "attributes": {"id,userName"}}
	raw, _, err := w.send(ctx, http.MethodGet, "/Users", q, nil)
	if err != nil {
		return "", err
	}
	var list struct {
		TotalResults int `json:"totalResults"`
		Resources    []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("scimclient: %s: GET /Users: %w", w.cfg.Name, err)
	}
	switch {
	case len(list.Resources) == 0:
		return "", fmt.Errorf("scimclient: %s: userName %q: %w", w.cfg.Name, userName, ErrNoUser)
	case len(list.Resources) > 1:
		return "", fmt.Errorf("scimclient: %s: userName %q matches %d users", w.cfg.Name, userName, len(list.Resources))
	case list.Resources[0].ID == "":
		return "", fmt.Errorf("scimclient: %s: userName %q: user without an id", w.cfg.Name, userName)
	}
	return list.Resources[0].ID, nil
}

// AddMember makes userID a member of groupID (RFC 7644 section 3.5.2.1).
// A member already present is success: servers add idempotently or
// answer 409.
func (w *GroupWriter) AddMember(ctx context.Context, groupID, userID string) error {
	path := "/Groups/" + url.PathEscape(groupID)
	_, status, err := w.send(ctx, http.MethodPatch, path, nil, map[string]any{
		"schemas":    []string{patchSchema},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]string{"value": userID}}}},
	})
	switch {
	case status == http.StatusConflict:
		return nil
	case status == http.StatusNotFound:
		return w.notFound(ctx, groupID, err)
	}
	return err
}

// RemoveMember takes userID out of groupID (RFC 7644 section 3.5.2.2).
// A member already absent is success: the filter then matches nothing,
// which servers answer with 2xx, 400 noTarget, or 404 on the member.
func (w *GroupWriter) RemoveMember(ctx context.Context, groupID, userID string) error {
	path := "/Groups/" + url.PathEscape(groupID)
	lit, _ := json.Marshal(userID)
	raw, status, err := w.send(ctx, http.MethodPatch, path, nil, map[string]any{
		"schemas":    []string{patchSchema},
		"Operations": []any{map[string]any{"op": "remove", "path": "members[value eq " + string(lit) + "]"}},
	})
	switch {
	case status == http.StatusBadRequest:
		var e struct {
			ScimType string `json:"scimType"`
		}
		if json.Unmarshal(raw, &e) == nil && e.ScimType == "noTarget" {
			return nil
		}
	case status == http.StatusNotFound:
		return w.notFound(ctx, groupID, nil)
	}
	return err
}

// notFound tells a missing group (an error naming it) from a missing
// member: it returns memberErr when the group exists.
func (w *GroupWriter) notFound(ctx context.Context, groupID string, memberErr error) error {
	_, status, err := w.send(ctx, http.MethodGet, "/Groups/"+url.PathEscape(groupID), url.Values{"attributes": {"id"}}, nil)
	if status == http.StatusNotFound {
		return fmt.Errorf("scimclient: %s: group %q does not exist", w.cfg.Name, groupID)
	}
	if err != nil {
		return err
	}
	return memberErr
}
