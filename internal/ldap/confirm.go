package ldap

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/source"
)

var _ source.Confirmer = (*Source)(nil)

// Exists looks each record a full read missed up on its own, on one
// connection: a search of the scope it was read from for its stable id
// ((&<filter>(entryUUID=...)) or objectGUID), so an entry renamed within
// the scope is still found and one moved out of it counts as gone. A
// paged search (RFC 2696) over a tree that changes while it is read is no
// snapshot, so the runner removes nothing this does not confirm.
func (s *Source) Exists(ctx context.Context, refs []source.Ref) ([]bool, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	out := make([]bool, len(refs))
	for i, r := range refs {
		base, filter, err := s.lookup(r)
		if err != nil {
			return nil, fmt.Errorf("ldap: %s: confirm %s %s: %w", s.cfg.Name, r.Kind, r.ExternalID, err)
		}
		found := false
		err = stream(ctx, conn, base, goldap.ScopeWholeSubtree, filter, []string{"1.1"}, 2, func(entry) error {
			found = true
			return nil
		})
		if err != nil {
			return nil, classify(s.cfg.Name, fmt.Sprintf("confirm %s %s", r.Kind, r.ExternalID), err)
		}
		out[i] = found
	}
	return out, nil
}

// lookup is where and how to find ref by its stable id.
func (s *Source) lookup(r source.Ref) (base, filter string, err error) {
	id, err := s.idAssertion(r.ExternalID)
	if err != nil {
		return "", "", err
	}
	switch r.Kind {
	case source.KindGroup:
		if s.cfg.Groups == nil {
			return "", "", fmt.Errorf("no groups are configured")
		}
		return s.cfg.Groups.BaseDN, "(&" + s.cfg.groupFilter() + id + ")", nil
	case source.KindServiceAccount:
		sa := s.cfg.ServiceAccounts
		if sa == nil {
			return "", "", fmt.Errorf("no service accounts are configured")
		}
		base, f := sa.BaseDN, sa.Filter
		if base == "" {
			base = s.cfg.People.BaseDN
		}
		if f == "" {
			f = s.cfg.peopleFilter()
		}
		return base, "(&" + f + id + ")", nil
	}
	return s.cfg.People.BaseDN, "(&" + s.cfg.peopleFilter() + id + ")", nil
}

// idAssertion is the equality filter on the stable id: entryUUID as
// text, objectGUID as its 16 bytes in wire order (the inverse of
// FormatGUID), escaped byte by byte (RFC 4515 section 3).
func (s *Source) idAssertion(id string) (string, error) {
	if !strings.EqualFold(s.m.ID, "objectGUID") {
		return "(" + s.m.ID + "=" + goldap.EscapeFilter(id) + ")", nil
	}
	b, err := parseGUID(id)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, `\%02x`, c)
	}
	return "(objectGUID=" + sb.String() + ")", nil
}

// parseGUID reverses FormatGUID.
func parseGUID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return nil, fmt.Errorf("objectGUID %q is not in the usual form", s)
	}
	raw, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil || len(raw) != 16 {
		return nil, fmt.Errorf("objectGUID %q is not in the usual form", s)
	}
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:4], binary.BigEndian.Uint32(raw[0:4]))
	binary.LittleEndian.PutUint16(b[4:6], binary.BigEndian.Uint16(raw[4:6]))
	binary.LittleEndian.PutUint16(b[6:8], binary.BigEndian.Uint16(raw[6:8]))
	copy(b[8:], raw[8:])
	return b, nil
}

// EmptyHint is what to check when the directory returned no people.
func (s *Source) EmptyHint() string {
	return fmt.Sprintf("check the people base DN %q and filter", s.cfg.People.BaseDN)
}
