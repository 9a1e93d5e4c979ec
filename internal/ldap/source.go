package ldap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/source"
)

// Source pulls one LDAP directory. It connects for each Pull (reconnecting
// after any failure is then automatic) and keeps no connection between.
type Source struct {
	cfg    Config
	m      Mapping
	Now    func() time.Time
	Logger *slog.Logger

	// dialConn opens a further connection for partitioned reads; nil
	// when replaying recorded responses.
	dialConn func(ctx context.Context) (closeSearcher, error)
}

// closeSearcher is a connection a partitioned read owns.
type closeSearcher interface {
	searchConn
	Close() error
}

var _ source.Source = (*Source)(nil)

// New checks cfg and returns a source.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if cfg.Name == "" {
		return nil, errNoName
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("ldap: source %q: %v", cfg.Name, errs)
	}
	m, _ := cfg.mapping()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg.withDefaults(), m: m, Now: time.Now, Logger: logger}
	s.dialConn = func(ctx context.Context) (closeSearcher, error) { return s.dial(ctx) }
	return s, nil
}

// Name is the configured source name.
func (s *Source) Name() string { return s.cfg.Name }

// Close is a no-op: connections live for one Pull.
func (s *Source) Close() error { return nil }

// Pull reads people, then groups and service accounts, handing them to
// sink. See source.Source.
func (s *Source) Pull(ctx context.Context, req source.Request, sink source.Sink) (source.Result, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return source.Result{}, err
	}
	defer conn.Close()
	return s.pull(ctx, conn, req, sink)
}

func (s *Source) pull(ctx context.Context, conn searchConn, req source.Request, sink source.Sink) (source.Result, error) {
	prev, _ := decodeWatermark(req.Watermark)
	mark, err := s.serverMark(ctx, conn)
	if err != nil {
		return source.Result{}, err
	}
	full := req.Full || prev.empty()
	if !full && prev.DC != mark.DC {
		s.Logger.Info("directory server changed since the last run; reading everything", "source", s.cfg.Name,
			"was", prev.DC, "now", mark.DC)
		full = true
	}
	res := source.Result{Full: full}

	// Service accounts first: they are excluded from people by DN.
	services := map[string]bool{}
	if s.cfg.ServiceAccounts != nil {
		if err := s.serviceAccounts(ctx, conn, sink, services); err != nil {
			return res, err
		}
		res.ServiceAccounts = true
	}

	filter := s.cfg.peopleFilter()
	if !full {
		filter = "(&" + filter + prev.filter(s.m.Watermark) + ")"
	}
	now := s.Now()
	seen := watermark{DC: mark.DC}
	// Mapping an entry and building its document run where the entries
	// are read (on each partition's goroutine); the sink sees them in
	// turn on this one.
	err = s.readPeople(ctx, conn, filter, full, func(e entry) person {
		p := person{watermark: s.m.watermark(e)}
		if services[strings.ToLower(e.DN)] {
			p.skip = true
			return p
		}
		r, err := s.m.person(e, now, s.cfg.MaxValueLength)
		var me *mapError
		switch {
		case errors.As(err, &me):
			p.rejectID = r.ExternalID
			if p.rejectID == "" {
				p.rejectID = e.DN
			}
			p.reason = fmt.Sprintf("%s: %s", e.DN, me.reason)
		case err != nil:
			p.err = err
		default:
			r.Raw = source.Document(r)
			p.record = r
		}
		return p
	}, func(p person) error {
		seen.observe(s.m.Watermark, p.watermark)
		switch {
		case p.skip:
			return nil
		case p.err != nil:
			return p.err
		case p.reason != "":
			sink.Reject(p.rejectID, p.reason)
			return nil
		}
		return sink.Person(ctx, p.record)
	})
	if err != nil {
		return res, classify(s.cfg.Name, "read people", err)
	}

	if s.cfg.Groups != nil {
		// Membership changes touch the group's own entryCSN/uSNChanged,
		// not the member's, so an incremental run reads the groups that
		// changed; only a full run sees all of them (and finds deletions).
		gfilter := s.cfg.groupFilter()
		if !full {
			gfilter = "(&" + gfilter + prev.filter(s.m.Watermark) + ")"
		}
		if err := s.groups(ctx, conn, gfilter, sink); err != nil {
			return res, err
		}
		res.Groups = full
	}
	res.Watermark = s.nextWatermark(prev, mark, seen).encode()
	return res, nil
}

// nextWatermark prefers the server's own mark taken before the read
// (contextCSN, highestCommittedUSN): changes made while the read ran are
// after it, so the next run sees them. Without one, the newest change seen
// is used, which can miss an entry changed mid-read until the next full
// reconciliation.
func (s *Source) nextWatermark(prev, mark, seen watermark) watermark {
	switch {
	case !mark.empty():
		return mark
	case !seen.empty():
		return seen
	}
	prev.DC = mark.DC
	return prev
}

func (s *Source) groups(ctx context.Context, conn searchConn, filter string, sink source.Sink) error {
	attrs := []string{s.m.ID, "cn", "description", "member", "uniqueMember"}
	err := stream(ctx, conn, s.cfg.Groups.BaseDN, goldap.ScopeWholeSubtree, filter, attrs, s.cfg.PageSize, func(e entry) error {
		id, err := s.m.externalID(e)
		if err != nil {
			sink.Reject(e.DN, fmt.Sprintf("group %s: %v", e.DN, err))
			return nil
		}
		g := source.Group{ExternalID: id, DN: e.DN}
		if v, ok := e.first("cn"); ok {
			g.Name = string(v)
		}
		if g.Name == "" {
			g.Name = e.DN
		}
		if v, ok := e.first("description"); ok {
			g.Description = string(v)
		}
		fetch := func(dn, attr string) (entry, error) {
			got, _, err := readBase(ctx, conn, dn, []string{attr})
			return got, err
		}
		for _, attr := range []string{"member", "uniqueMember"} {
			vals, err := rangedValues(e, attr, fetch)
			if err != nil {
				return err
			}
			for _, v := range vals {
				g.MemberDNs = append(g.MemberDNs, string(v))
			}
		}
		return sink.Group(ctx, g)
	})
	if err != nil {
		return classify(s.cfg.Name, "read groups", err)
	}
	return nil
}

// serviceAccounts reads the service accounts, recording their DNs in dns
// (people with those DNs are skipped). With combine or, the base is read
// whole and the people base is searched for the name patterns besides.
func (s *Source) serviceAccounts(ctx context.Context, conn searchConn, sink source.Sink, dns map[string]bool) error {
	sa := s.cfg.ServiceAccounts
	base, filter := sa.BaseDN, sa.Filter
	if base == "" {
		base = s.cfg.People.BaseDN
	}
	if filter == "" {
		filter = s.cfg.peopleFilter()
	}
	if sa.Combine == CombineOr && sa.BaseDN != "" && len(sa.NamePatterns) > 0 {
		if err := s.readServiceAccounts(ctx, conn, base, filter, nil, sink, dns); err != nil {
			return err
		}
		return s.readServiceAccounts(ctx, conn, s.cfg.People.BaseDN, s.cfg.peopleFilter(), sa.NamePatterns, sink, dns)
	}
	return s.readServiceAccounts(ctx, conn, base, filter, sa.NamePatterns, sink, dns)
}

// readServiceAccounts hands every entry under base matching filter whose
// login matches one of patterns (all when none) to sink, once per DN. The
// patterns are also sent to the server as substring filters when they
// are plain enough (literals and *), so the directory, not syncd, skips
// the people.
func (s *Source) readServiceAccounts(ctx context.Context, conn searchConn, base, filter string, patterns []string, sink source.Sink, dns map[string]bool) error {
	sa := s.cfg.ServiceAccounts
	if f := patternFilter(s.m.Attrs["userName"], patterns); f != "" {
		filter = "(&" + filter + f + ")"
	}
	now := s.Now()
	err := stream(ctx, conn, base, goldap.ScopeWholeSubtree, filter, s.m.requested(sa.OwnerAttribute, "cn", "description"), s.cfg.PageSize, func(e entry) error {
		login := ""
		if v, ok := e.first(s.m.Attrs["userName"]); ok {
			login = string(v)
		}
		if !matchesAny(patterns, login) || dns[strings.ToLower(e.DN)] {
			return nil
		}
		dns[strings.ToLower(e.DN)] = true
		id, err := s.m.externalID(e)
		if err != nil {
			sink.Reject(e.DN, fmt.Sprintf("service account %s: %v", e.DN, err))
			return nil
		}
		a := source.ServiceAccount{ExternalID: id, DN: e.DN, Name: login}
		if a.Name == "" {
			if v, ok := e.first("cn"); ok {
				a.Name = string(v)
			}
		}
		if a.Name == "" {
			a.Name = e.DN
		}
		if v, ok := e.first("description"); ok {
			a.Description = string(v)
		}
		if v, ok := e.first(sa.OwnerAttribute); ok {
			a.OwnerRef = string(v)
		}
		disabled, err := s.m.disabled(e, now)
		if err != nil {
			sink.Reject(id, fmt.Sprintf("service account %s: %v", e.DN, err))
			return nil
		}
		a.Disabled = disabled
		return sink.ServiceAccount(ctx, a)
	})
	if err != nil {
		return classify(s.cfg.Name, "read service accounts", err)
	}
	return nil
}

// patternFilter turns name patterns into an LDAP filter on attr that
// selects a superset of what they match: "svc-*" becomes (uid=svc-*).
// "" when there are none, attr is a fallback list, or a pattern uses ?,
// [ or \ (path.Match then decides alone).
func patternFilter(attr string, patterns []string) string {
	if len(patterns) == 0 || attr == "" || strings.Contains(attr, ",") {
		return ""
	}
	var b strings.Builder
	b.WriteString("(|")
	for _, p := range patterns {
		if strings.ContainsAny(p, "?[\\") || p == "" {
			return ""
		}
		if !strings.Contains(p, "*") {
			fmt.Fprintf(&b, "(%s=%s)", attr, goldap.EscapeFilter(p))
			continue
		}
		for strings.Contains(p, "**") {
			p = strings.ReplaceAll(p, "**", "*")
		}
		parts := strings.Split(p, "*")
		for i := range parts {
			parts[i] = goldap.EscapeFilter(parts[i])
		}
		fmt.Fprintf(&b, "(%s=%s)", attr, strings.Join(parts, "*"))
	}
	b.WriteString(")")
	return b.String()
}

func matchesAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
