package ldap

import (
	"context"
	"errors"
	"fmt"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"
)

// Errors of the group writer; callers branch with errors.Is. A wrong write
// password is source.ErrAuth, an unreachable server source.ErrUnreachable.
var (
	ErrNoSuchGroup  = errors.New("no such group")
	ErrWriteRefused = errors.New("the directory refused the change")
)

// WriteCredentials are the account the group writer binds as: a separate
// account allowed to change group membership, never the read-only pull
// account.
type WriteCredentials struct {
	BindDN       string
	BindPassword string
	// EmptyMember is the value left in member when the last real member of
	// a groupOfNames is removed (the schema requires at least one, RFC
	// 4519 section 3.5); default is the empty DN.
	EmptyMember string
}

// GroupWriter adds and removes group members (the member attribute of
// groupOfNames, or of AD groups) over one connection it keeps, bound with
// the write credentials and dialled with the source's URL, TLS options and
// timeouts. It redials once when the connection was dropped. Both changes
// are idempotent. Safe for concurrent use (changes are serialised).
type GroupWriter struct {
	cfg         Config
	emptyMember string

	mu   sync.Mutex
	conn *goldap.Conn
}

// NewGroupWriter checks the write credentials and returns a writer for the
// directory cfg describes; it connects on first use.
func NewGroupWriter(cfg Config, w WriteCredentials) (*GroupWriter, error) {
	if cfg.Name == "" {
		return nil, errNoName
	}
	switch {
	case cfg.URL == "":
		return nil, fmt.Errorf("ldap: %s: group writer: no url", cfg.Name)
	case w.BindDN == "" || w.BindPassword == "":
		return nil, fmt.Errorf("ldap: %s: group writer: a write bind DN and password are required", cfg.Name)
	case w.BindDN == cfg.BindDN && cfg.BindDN != "":
		return nil, fmt.Errorf("ldap: %s: group writer: the write bind DN must not be the read-only pull account %q", cfg.Name, cfg.BindDN)
	}
	cfg.BindDN, cfg.BindPassword = w.BindDN, w.BindPassword
	return &GroupWriter{cfg: cfg.withDefaults(), emptyMember: w.EmptyMember}, nil
}

// AddMember makes memberDN a member of groupDN. A member already present is
// success (attributeOrValueExists, RFC 4511 section 4.1.9, code 20).
func (g *GroupWriter) AddMember(ctx context.Context, groupDN, memberDN string) error {
	req := goldap.NewModifyRequest(groupDN, nil)
	req.Add("member", []string{memberDN})
	err := g.modify(ctx, req)
	switch {
	case err == nil, goldap.IsErrorWithCode(err, goldap.LDAPResultAttributeOrValueExists):
		return nil
	}
	return g.wrap("add "+memberDN+" to "+groupDN, err)
}

// RemoveMember takes memberDN out of groupDN. A member already absent is
// success (noSuchAttribute, code 16). When memberDN is the last member,
// groupOfNames' required member is kept by putting EmptyMember in its
// place in the same change.
func (g *GroupWriter) RemoveMember(ctx context.Context, groupDN, memberDN string) error {
	req := goldap.NewModifyRequest(groupDN, nil)
	req.Delete("member", []string{memberDN})
	err := g.modify(ctx, req)
	if goldap.IsErrorWithCode(err, goldap.LDAPResultObjectClassViolation) {
		req = goldap.NewModifyRequest(groupDN, nil)
		req.Add("member", []string{g.emptyMember})
		req.Delete("member", []string{memberDN})
		err = g.modify(ctx, req)
	}
	switch {
	case err == nil, goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchAttribute):
		return nil
	}
	return g.wrap("remove "+memberDN+" from "+groupDN, err)
}

// Close drops the connection.
func (g *GroupWriter) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn == nil {
		return nil
	}
	err := g.conn.Close()
	g.conn = nil
	return err
}

// modify runs req, dialling first when there is no live connection and
// once more when the connection turns out to have been dropped.
func (g *GroupWriter) modify(ctx context.Context, req *goldap.ModifyRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if g.conn == nil || g.conn.IsClosing() {
			if g.conn != nil {
				g.conn.Close()
			}
			g.conn = nil
			conn, err := dialConfig(ctx, g.cfg)
			if err != nil {
				return errDialled{err}
			}
			g.conn = conn
		}
		err := g.conn.Modify(req)
		// A connection cut while the request was in flight fails with an
		// untyped read error and leaves the connection closing. Repeating
		// the change is safe: adding a present member or removing an
		// absent one succeeds.
		if err == nil || attempt > 0 || !(dropped(err) || g.conn.IsClosing()) {
			return err
		}
		g.conn.Close()
		g.conn = nil
	}
}

// errDialled marks an error dialConfig already classified.
type errDialled struct{ err error }

func (e errDialled) Error() string { return e.err.Error() }
func (e errDialled) Unwrap() error { return e.err }

// dropped reports whether err means the connection is gone (the server
// restarted, an idle timeout closed it), so a fresh one may succeed.
func dropped(err error) bool {
	return goldap.IsErrorWithCode(err, goldap.ErrorNetwork) || goldap.IsErrorWithCode(err, goldap.LDAPResultServerDown)
}

// wrap names the failed change and classifies err.
func (g *GroupWriter) wrap(op string, err error) error {
	var d errDialled
	switch {
	case errors.As(err, &d):
		return d.err // already names the source, the account and the class
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return fmt.Errorf("ldap: %s: %s: %w: %w", g.cfg.Name, op, ErrNoSuchGroup, err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights),
		goldap.IsErrorWithCode(err, goldap.LDAPResultObjectClassViolation),
		goldap.IsErrorWithCode(err, goldap.LDAPResultConstraintViolation),
		goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidAttributeSyntax),
		goldap.IsErrorWithCode(err, goldap.LDAPResultUnwillingToPerform):
		return fmt.Errorf("ldap: %s: %s: %w: %w", g.cfg.Name, op, ErrWriteRefused, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("ldap: %s: %s: %w", g.cfg.Name, op, err)
	}
	return classify(g.cfg.Name, op, err)
}
