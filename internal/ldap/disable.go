package ldap

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// AdminLockedTime is ppolicy's pwdAccountLockedTime for an account locked
// by an administrator until unlocked (draft-behera-ldap-password-policy
// 5.3.3); any other value is the time of a failed-login lockout.
const AdminLockedTime = "000001010000Z"

// ErrNoSuchAccount: no entry in the directory has the account's stable id.
var ErrNoSuchAccount = errors.New("no such account")

// DisableAccount disables the account whose stable id (entryUUID, or AD's
// objectGUID in string form) is id, writing with the write credentials:
// OpenLDAP gets ppolicy's permanent lock (pwdAccountLockedTime
// 000001010000Z), Active Directory the ACCOUNTDISABLE bit of
// userAccountControl. Disabling a disabled account is success.
func (g *GroupWriter) DisableAccount(ctx context.Context, id string) error {
	filter, err := g.idFilter(id)
	if err != nil {
		return fmt.Errorf("ldap: %s: disable %s: %w", g.cfg.Name, id, err)
	}
	base := g.accountBase()
	e, err := g.findOne(ctx, base, filter, "userAccountControl")
	if err != nil {
		return g.wrap("disable "+id, err)
	}
	if e == nil {
		return fmt.Errorf("ldap: %s: disable %s: %w under %s", g.cfg.Name, id, ErrNoSuchAccount, base)
	}
	req := goldap.NewModifyRequest(e.DN, nil)
	if g.cfg.Preset == PresetActiveDirectory {
		uac, err := ParseUserAccountControl(e.GetAttributeValue("userAccountControl"))
		if err != nil {
			return fmt.Errorf("ldap: %s: disable %s: %w", g.cfg.Name, e.DN, err)
		}
		if uac&UACAccountDisable != 0 {
			return nil
		}
		req.Replace("userAccountControl", []string{strconv.FormatUint(uint64(uac|UACAccountDisable), 10)})
	} else {
		req.Add("pwdAccountLockedTime", []string{AdminLockedTime})
	}
	err = g.modify(ctx, req)
	if err == nil || goldap.IsErrorWithCode(err, goldap.LDAPResultAttributeOrValueExists) {
		return nil
	}
	return g.wrap("disable "+e.DN, err)
}

// AccountDN returns the DN of the entry whose stable id is id, searched
// under the service-account base (else the people base).
func (g *GroupWriter) AccountDN(ctx context.Context, id string) (string, error) {
	filter, err := g.idFilter(id)
	if err != nil {
		return "", fmt.Errorf("ldap: %s: find %s: %w", g.cfg.Name, id, err)
	}
	base := g.accountBase()
	e, err := g.findOne(ctx, base, filter)
	if err != nil {
		return "", g.wrap("find "+id, err)
	}
	if e == nil {
		return "", fmt.Errorf("ldap: %s: find %s: %w under %s", g.cfg.Name, id, ErrNoSuchAccount, base)
	}
	return e.DN, nil
}

// accountBase is where accounts are searched: the service-account base,
// else the people base.
func (g *GroupWriter) accountBase() string {
	if sa := g.cfg.ServiceAccounts; sa != nil && sa.BaseDN != "" {
		return sa.BaseDN
	}
	return g.cfg.People.BaseDN
}

// idFilter matches the stable id attribute of the preset.
func (g *GroupWriter) idFilter(id string) (string, error) {
	if g.cfg.Preset == PresetActiveDirectory {
		b, err := ParseGUID(id)
		if err != nil {
			return "", err
		}
		var sb strings.Builder
		for _, c := range b {
			fmt.Fprintf(&sb, "\\%02x", c)
		}
		return "(objectGUID=" + sb.String() + ")", nil
	}
	return "(entryUUID=" + goldap.EscapeFilter(id) + ")", nil
}

// findOne searches base for filter on the write connection.
func (g *GroupWriter) findOne(ctx context.Context, base, filter string, attrs ...string) (*goldap.Entry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn == nil || g.conn.IsClosing() {
		conn, err := dialConfig(ctx, g.cfg)
		if err != nil {
			return nil, errDialled{err}
		}
		g.conn = conn
	}
	res, err := g.conn.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil))
	if err != nil {
		return nil, err
	}
	switch len(res.Entries) {
	case 0:
		return nil, nil
	case 1:
		return res.Entries[0], nil
	}
	return nil, fmt.Errorf("%d entries match %s", len(res.Entries), filter)
}

// ParseGUID is FormatGUID's inverse: the 16 bytes of an objectGUID, with
// the first three fields little-endian (MS-DTYP 2.3.4.2).
func ParseGUID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 || len(parts[2]) != 4 || len(parts[3]) != 4 || len(parts[4]) != 12 {
		return nil, fmt.Errorf("objectGUID %q: want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	raw, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		return nil, fmt.Errorf("objectGUID %q: %w", s, err)
	}
	out := make([]byte, 16)
	binary.LittleEndian.PutUint32(out[0:4], binary.BigEndian.Uint32(raw[0:4]))
	binary.LittleEndian.PutUint16(out[4:6], binary.BigEndian.Uint16(raw[4:6]))
	binary.LittleEndian.PutUint16(out[6:8], binary.BigEndian.Uint16(raw[6:8]))
	copy(out[8:], raw[8:])
	return out, nil
}
