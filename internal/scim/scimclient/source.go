package scimclient

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/source"
)

// Source pulls one upstream SCIM service.
type Source struct {
	cfg    Config
	Now    func() time.Time
	Logger *slog.Logger
}

var _ source.Source = (*Source)(nil)

// New checks cfg and returns a source.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("scimclient: source has no name")
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("scimclient: source %q: %v", cfg.Name, errs)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg.withDefaults(), Now: time.Now, Logger: logger}, nil
}

// Name is the configured source name.
func (s *Source) Name() string { return s.cfg.Name }

// Close releases idle connections.
func (s *Source) Close() error {
	s.cfg.HTTPClient.CloseIdleConnections()
	return nil
}

func (s *Source) now() time.Time { return s.Now() }

// filterSupported asks /ServiceProviderConfig whether the server filters
// (RFC 7643 section 5). A server without the endpoint is assumed not to.
func (s *Source) filterSupported(ctx context.Context) (bool, error) {
	resp, status, err := s.get(ctx, "/ServiceProviderConfig", nil)
	if status == 404 {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("scimclient: %s: %w", s.cfg.Name, err)
	}
	var spc struct {
		Filter struct {
			Supported bool `json:"supported"`
		} `json:"filter"`
	}
	if json.Unmarshal(resp.body, &spc) != nil {
		return false, nil
	}
	return spc.Filter.Supported, nil
}

// Pull pages through /Users (and /Groups). Incremental when a watermark
// is given and the server filters: filter=meta.lastModified gt "<mark>".
func (s *Source) Pull(ctx context.Context, req source.Request, sink source.Sink) (source.Result, error) {
	filters, err := s.filterSupported(ctx)
	if err != nil {
		return source.Result{}, err
	}
	var prev time.Time
	if req.Watermark != "" {
		prev, _ = time.Parse(time.RFC3339Nano, req.Watermark)
	}
	full := req.Full || prev.IsZero() || !filters
	filter := ""
	if !full {
		filter = fmt.Sprintf("meta.lastModified gt %q", prev.Format(time.RFC3339Nano))
	}

	var newest, serverStart time.Time
	complete := true
	var notes []string
	err = s.pages(ctx, "/Users", filter, &serverStart, &notes, sink, func(raw json.RawMessage) error {
		r, mod, err := mapUser(raw, s.cfg.MaxValueLength)
		if err != nil {
			id := r.ExternalID
			if id == "" {
				id = resourceID(raw)
			}
			sink.Reject(id, err.Error())
			return nil
		}
		if mod.After(newest) {
			newest = mod
		}
		return sink.Person(ctx, r)
	}, &complete)
	if err != nil {
		return source.Result{}, err
	}
	// A /Users read that was no snapshot may have missed changed users
	// whose lastModified is older than the newest seen: it does not move
	// the mark, so the next run reads them again.
	usersInconsistent := len(notes) > 0 || !complete
	res := source.Result{Full: full && complete}
	if full && !complete {
		notes = append(notes, "a page of /Users was malformed, so the read was not complete and no deletion was looked for")
	}
	if s.cfg.Groups {
		groupsComplete := true
		var ignored time.Time
		err = s.pages(ctx, "/Groups", "", &ignored, &notes, sink, func(raw json.RawMessage) error {
			g, err := mapGroup(raw)
			if err != nil {
				sink.Reject(resourceID(raw), err.Error())
				return nil
			}
			return sink.Group(ctx, g)
		}, &groupsComplete)
		if err != nil {
			return source.Result{}, err
		}
		res.Groups = groupsComplete
		if !groupsComplete {
			notes = append(notes, "a page of /Groups was malformed, so no group deletion was looked for")
		}
	}
	res.Inconsistent = strings.Join(notes, "; ")
	// The mark is the newest change seen, but never after the server's
	// clock when the read began (less a second for Date's resolution), so
	// a record changed while the pages were read is read again next time.
	mark := newest
	if !serverStart.IsZero() && mark.After(serverStart.Add(-time.Second)) {
		mark = serverStart.Add(-time.Second)
	}
	switch {
	case usersInconsistent:
		res.Watermark = req.Watermark
	case !mark.IsZero():
		res.Watermark = mark.Format(time.RFC3339Nano)
	case !prev.IsZero():
		res.Watermark = req.Watermark
	}
	return res, nil
}

// pages walks a resource type with startIndex/count (1-based, RFC 7644
// section 3.4.2.4), moving on by the number of resources received, never
// by itemsPerPage, and stopping at an empty page or past totalResults as
// the latest page states it. A malformed page is rejected, skipped by
// count, and makes the read incomplete (no deletions are inferred from
// it); three malformed pages in a row fail the run.
//
// Offset paging over a collection that changes meanwhile is not a
// snapshot: a deletion shifts every later resource one place back (one is
// never seen), an insertion one place on (one is seen twice). What gives
// that away (totalResults moving between pages, an id seen twice, fewer
// distinct ids than announced) is added to notes; the runner then trusts
// no absence the source does not confirm (Exists).
func (s *Source) pages(ctx context.Context, path, filter string, serverStart *time.Time, notes *[]string, sink source.Sink, fn func(json.RawMessage) error, complete *bool) error {
	start, total, bad, first := 1, -1, 0, -1
	ids := map[string]bool{}
	dups := 0
	totalMoved, done := false, false
	for n := 0; n < 1_000_000 && !done; n++ {
		q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(s.cfg.PageSize)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		resp, _, err := s.get(ctx, path, q)
		if err != nil {
			return fmt.Errorf("scimclient: %s: %w", s.cfg.Name, err)
		}
		if serverStart.IsZero() {
			*serverStart = resp.date
		}
		p, err := decodePage(resp.body)
		if err != nil {
			sink.Reject(fmt.Sprintf("%s?startIndex=%d", path, start), err.Error())
			*complete = false
			if bad++; bad >= 3 {
				return fmt.Errorf("scimclient: %s: %s: %w: three malformed pages in a row", s.cfg.Name, path, source.ErrProtocol)
			}
			start += s.cfg.PageSize
			done = total >= 0 && start > total
			continue
		}
		if first < 0 {
			first = p.TotalResults
		} else if p.TotalResults != total {
			totalMoved = true
		}
		bad, total = 0, p.TotalResults
		for _, raw := range p.Resources {
			if id := resourceID(raw); id != "" {
				if ids[id] {
					dups++
				}
				ids[id] = true
			}
			if err := fn(raw); err != nil {
				return err
			}
		}
		start += len(p.Resources)
		done = len(p.Resources) == 0 || start > p.TotalResults
	}
	if !done {
		return fmt.Errorf("scimclient: %s: %s: too many pages", s.cfg.Name, path)
	}
	switch {
	case totalMoved:
		*notes = append(*notes, fmt.Sprintf("%s: totalResults changed from %d to %d while the pages were read", path, first, total))
	case dups > 0:
		*notes = append(*notes, fmt.Sprintf("%s: %d resources came twice", path, dups))
	case *complete && len(ids) < total:
		*notes = append(*notes, fmt.Sprintf("%s: %d distinct resources read, %d announced", path, len(ids), total))
	}
	return nil
}
