package ldap

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// watermark is where an incremental read resumes: an entryCSN (OpenLDAP
// with syncprov: microsecond change sequence numbers, RFC 4533), else a
// modifyTimestamp (GeneralizedTime, whole seconds), or a uSNChanged pinned
// to one domain controller (AD: USNs are per DC, so another DC means a
// full read).
type watermark struct {
	CSN string `json:"csn,omitempty"`
	TS  string `json:"ts,omitempty"`
	USN int64  `json:"usn,omitempty"`
	DC  string `json:"dc,omitempty"`
}

func (w watermark) empty() bool { return w.CSN == "" && w.TS == "" && w.USN == 0 }

func (w watermark) encode() string {
	if w.empty() {
		return ""
	}
	b, _ := json.Marshal(w)
	return string(b)
}

func decodeWatermark(s string) (watermark, error) {
	var w watermark
	if s == "" {
		return w, nil
	}
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return watermark{}, fmt.Errorf("ldap: watermark %q: %w", s, err)
	}
	return w, nil
}

// filter selects entries changed after the mark. LDAP has no ">", so a
// CSN mark excludes its own value: the mark is the contextCSN read before
// the last run, so the entry carrying it was read then (often the
// all-staff group, whose re-read would cost a run with no change its whole
// membership). A uSNChanged mark is made exclusive by adding one. A
// timestamp mark (whole seconds, possibly shared by entries the last run
// did not see) re-reads its own second; unchanged records are skipped by
// the runner.
func (w watermark) filter(attr string) string {
	if w.CSN != "" {
		csn := goldap.EscapeFilter(w.CSN)
		return fmt.Sprintf("(&(entryCSN>=%s)(!(entryCSN=%s)))", csn, csn)
	}
	if w.USN != 0 {
		return fmt.Sprintf("(%s>=%d)", goldap.EscapeFilter(attr), w.USN+1)
	}
	return fmt.Sprintf("(%s>=%s)", goldap.EscapeFilter(attr), goldap.EscapeFilter(w.TS))
}

// observe keeps the newest change marker seen.
func (w *watermark) observe(attr, v string) {
	if v == "" {
		return
	}
	if strings.EqualFold(attr, "uSNChanged") {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > w.USN {
			w.USN = n
		}
		return
	}
	if v > w.TS { // GeneralizedTime in UTC ("Z") orders as text
		w.TS = v
	}
}

// serverMark reads the server's own change marker before a read: on AD
// the rootDSE's highestCommittedUSN and the DC's identity; on OpenLDAP
// the contextCSN syncprov keeps on the database suffix (RFC 4533), whose
// smallest value (one per provider) bounds what the read will see. Zero
// when the server offers neither.
func (s *Source) serverMark(ctx context.Context, conn searchConn) (watermark, error) {
	if s.m.Preset == PresetActiveDirectory {
		e, ok, err := readBase(ctx, conn, "", []string{"highestCommittedUSN", "dsServiceName", "dnsHostName"})
		if err != nil {
			return watermark{}, classify(s.cfg.Name, "read rootDSE", err)
		}
		if !ok {
			return watermark{}, nil
		}
		var w watermark
		if v, ok := e.first("highestCommittedUSN"); ok {
			w.USN, _ = strconv.ParseInt(string(v), 10, 64)
		}
		if v, ok := e.first("dsServiceName,dnsHostName"); ok {
			w.DC = string(v)
		}
		return w, nil
	}
	// Walk up from the people base to the entry carrying contextCSN.
	dn := s.cfg.People.BaseDN
	for dn != "" {
		e, ok, err := readBase(ctx, conn, dn, []string{"contextCSN"})
		if err != nil {
			return watermark{}, classify(s.cfg.Name, "read contextCSN", err)
		}
		if ok {
			least := ""
			for _, v := range e.values("contextCSN") {
				if least == "" || string(v) < least {
					least = string(v)
				}
			}
			if least != "" {
				return watermark{CSN: least}, nil
			}
		}
		_, parent, found := strings.Cut(dn, ",")
		if !found {
			break
		}
		dn = parent
	}
	return watermark{}, nil
}
