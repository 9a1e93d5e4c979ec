package scimclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/syncd-dev/syncd/internal/source"
)

var _ source.Confirmer = (*Source)(nil)

// Exists looks each record up on its own: GET /Users/{id} (or /Groups)
// answering 200 means present; 404 means absent, checked with a filter on
// the id where the server filters (so a misrouted URL answering 404 for
// everything cannot pass for a deletion). Anything else is an error.
func (s *Source) Exists(ctx context.Context, refs []source.Ref) ([]bool, error) {
	filters, err := s.filterSupported(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(refs))
	for i, r := range refs {
		path := "/Users"
		if r.Kind == source.KindGroup {
			path = "/Groups"
		}
		_, status, err := s.get(ctx, path+"/"+url.PathEscape(r.ExternalID), nil)
		switch {
		case status == http.StatusOK:
			out[i] = true
			continue
		case status != http.StatusNotFound:
			return nil, fmt.Errorf("scimclient: %s: confirm %s %s: %w", s.cfg.Name, r.Kind, r.ExternalID, err)
		case !filters:
			continue
		}
		q := url.Values{"filter": {fmt.Sprintf("id eq %q", r.ExternalID)}, "count": {"1"}}
		resp, status, err := s.get(ctx, path, q)
		if status == http.StatusBadRequest {
			continue // the server does not filter on id (RFC 7644 3.4.2.2 lets it refuse): the 404 stands
		}
		if err != nil {
			return nil, fmt.Errorf("scimclient: %s: confirm %s %s: %w", s.cfg.Name, r.Kind, r.ExternalID, err)
		}
		p, err := decodePage(resp.body)
		if err != nil {
			return nil, fmt.Errorf("scimclient: %s: confirm %s %s: %w: %w", s.cfg.Name, r.Kind, r.ExternalID, source.ErrProtocol, err)
		}
		out[i] = p.TotalResults > 0 || len(p.Resources) > 0
	}
	return out, nil
}

// EmptyHint is what to check when the service listed no users.
func (s *Source) EmptyHint() string {
	return fmt.Sprintf("check the url %s and that the token may list /Users", s.cfg.BaseURL)
}
