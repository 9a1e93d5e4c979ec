package ldap

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/source"
)

// recorded is testdata/ad/responses.json: AD search responses.
type recorded struct {
	RootDSE recordedEntry              `json:"rootDSE"`
	People  []recordedEntry            `json:"people"`
	Groups  []recordedEntry            `json:"groups"`
	Ranges  map[string][]recordedEntry `json:"ranges"`
}

type recordedEntry struct {
	DN         string              `json:"dn"`
	Attributes map[string][]string `json:"attributes"` // base64 values
}

func (r recordedEntry) entry(t *testing.T) *goldap.Entry {
	e := &goldap.Entry{DN: r.DN}
	for name, vals := range r.Attributes {
		a := &goldap.EntryAttribute{Name: name}
		for _, v := range vals {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("%s %s: %v", r.DN, name, err)
			}
			a.Values, a.ByteValues = append(a.Values, string(b)), append(a.ByteValues, b)
		}
		e.Attributes = append(e.Attributes, a)
	}
	return e
}

// replay answers searches from the recording, as an AD would.
type replay struct {
	t       *testing.T
	rec     recorded
	mu      sync.Mutex
	filters []string
}

func (r *replay) SearchAsync(_ context.Context, req *goldap.SearchRequest, _ int) goldap.Response {
	r.mu.Lock()
	r.filters = append(r.filters, req.BaseDN+" "+req.Filter)
	r.mu.Unlock()
	var out []recordedEntry
	switch {
	case req.BaseDN == "":
		out = []recordedEntry{r.rec.RootDSE}
	case req.Scope == goldap.ScopeBaseObject && len(req.Attributes) == 1:
		out = r.rec.Ranges[req.Attributes[0]]
	case strings.HasPrefix(req.BaseDN, "OU=Users"):
		out = r.rec.People
	case strings.HasPrefix(req.BaseDN, "OU=Groups"):
		out = r.rec.Groups
	}
	resp := &replayResponse{}
	for _, e := range out {
		resp.entries = append(resp.entries, e.entry(r.t))
	}
	return resp
}

type replayResponse struct {
	entries []*goldap.Entry
	cur     *goldap.Entry
}

func (r *replayResponse) Next() bool {
	if len(r.entries) == 0 {
		return false
	}
	r.cur, r.entries = r.entries[0], r.entries[1:]
	return true
}
func (r *replayResponse) Entry() *goldap.Entry       { return r.cur }
func (r *replayResponse) Referral() string           { return "" }
func (r *replayResponse) Controls() []goldap.Control { return nil }
func (r *replayResponse) Err() error                 { return nil }

type recordSink struct {
	people  map[string]identity.Record
	rejects map[string]string
	groups  []source.Group
}

func (s *recordSink) Person(_ context.Context, r identity.Record) error {
	s.people[r.Attributes["userName"]] = r
	return nil
}
func (s *recordSink) Reject(id, reason string) { s.rejects[id] = reason }
func (s *recordSink) Group(_ context.Context, g source.Group) error {
	s.groups = append(s.groups, g)
	return nil
}
func (s *recordSink) ServiceAccount(context.Context, source.ServiceAccount) error {
	return nil
}

func adSource(t *testing.T) (*Source, *replay) {
	t.Helper()
	b, err := os.ReadFile("testdata/ad/responses.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec recorded
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	src, err := New(Config{
		Name: "ad", URL: "ldaps://dc1.corp.example", BindDN: "CN=syncd,DC=corp,DC=example", Preset: PresetActiveDirectory,
		People: Search{BaseDN: "OU=Users,DC=corp,DC=example"}, Groups: &Search{BaseDN: "OU=Groups,DC=corp,DC=example"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Now = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
	return src, &replay{t: t, rec: rec}
}

func TestActiveDirectoryRecordedResponses(t *testing.T) {
	src, conn := adSource(t)
	sink := &recordSink{people: map[string]identity.Record{}, rejects: map[string]string{}}
	res, err := src.pull(t.Context(), asyncConn{conn}, source.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ id, status string }{
		"alice": {"00112233-4455-6677-8899-aabbccddeeff", "active"},   // accountExpires never (0x7FFF...)
		"bob":   {"10112233-4455-6677-8899-aabbccddeeff", "disabled"}, // userAccountControl 514 = 0x2 set
		"carol": {"20112233-4455-6677-8899-aabbccddeeff", "disabled"}, // expired in 2022
		"dave":  {"30112233-4455-6677-8899-aabbccddeeff", "active"},   // expires in 2104
		"frank": {"50112233-4455-6677-8899-aabbccddeeff", "disabled"}, // negative (signed) flags with 0x2
	}
	if len(sink.people) != len(want) {
		t.Fatalf("people %v", slices.Sorted(func(yield func(string) bool) {
			for k := range sink.people {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for name, w := range want {
		r := sink.people[name]
		if r.ExternalID != w.id || r.Attributes["status"] != w.status {
			t.Errorf("%s: id %q status %q, want %q %q", name, r.ExternalID, r.Attributes["status"], w.id, w.status)
		}
	}
	if r := sink.people["bob"]; r.Manager == nil || r.Manager.DN != "CN=alice,OU=Users,DC=corp,DC=example" || r.Attributes["employeeNumber"] != "A002" {
		t.Errorf("bob: manager %+v, attributes %v", r.Manager, r.Attributes)
	}
	if r := sink.people["alice"]; r.Manager == nil || !r.Manager.IsZero() {
		t.Errorf("alice asserts no manager, got %+v", r.Manager)
	}
	if !strings.Contains(sink.rejects["40112233-4455-6677-8899-aabbccddeeff"], `accountExpires: not a FILETIME: "not-a-filetime"`) {
		t.Errorf("eve's bad FILETIME: %v", sink.rejects)
	}
	if !strings.Contains(sink.rejects["CN=noguid,OU=Users,DC=corp,DC=example"], "no objectGUID") {
		t.Errorf("entry without objectGUID: %v", sink.rejects)
	}
	if len(sink.groups) != 1 || len(sink.groups[0].MemberDNs) != 5 || sink.groups[0].ExternalID != "90112233-4455-6677-8899-aabbccddeeff" {
		t.Fatalf("ranged group: %+v", sink.groups)
	}
	wm, _ := decodeWatermark(res.Watermark)
	if wm.USN != 20999 || !strings.HasPrefix(wm.DC, "CN=NTDS Settings,CN=DC1") {
		t.Errorf("watermark %+v", wm)
	}

	// Incremental on the same DC: uSNChanged above the mark.
	conn.filters = nil
	res2, err := src.pull(t.Context(), asyncConn{conn}, source.Request{Watermark: res.Watermark}, sink)
	if err != nil || res2.Full {
		t.Fatalf("incremental: %v %+v", err, res2)
	}
	if !slices.ContainsFunc(conn.filters, func(f string) bool { return strings.Contains(f, "(uSNChanged>=21000)") }) {
		t.Errorf("incremental filters %v", conn.filters)
	}

	// Another DC: USNs do not compare, so the read is full.
	other := watermark{USN: 20999, DC: "CN=NTDS Settings,CN=DC2"}.encode()
	conn.filters = nil
	res3, err := src.pull(t.Context(), asyncConn{conn}, source.Request{Watermark: other}, sink)
	if err != nil || !res3.Full || slices.ContainsFunc(conn.filters, func(f string) bool { return strings.Contains(f, "uSNChanged") }) {
		t.Fatalf("after a DC change: %v %+v filters %v", err, res3, conn.filters)
	}
}

func TestFormatGUID(t *testing.T) {
	b := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	if got, err := FormatGUID(b); err != nil || got != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Fatalf("FormatGUID = %q, %v", got, err)
	}
	if _, err := FormatGUID(b[:15]); err == nil {
		t.Fatal("15 bytes accepted")
	}
}

func TestParseFILETIME(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  time.Time
		never bool
		err   bool
	}{
		{"0", time.Time{}, true, false},
		{"9223372036854775807", time.Time{}, true, false},
		{"116444736000000000", time.Unix(0, 0).UTC(), false, false},
		{"133000000000000000", time.Date(2022, 6, 18, 4, 26, 40, 0, time.UTC), false, false},
		{"116444736000000001", time.Unix(0, 100).UTC(), false, false},
		{"-1", time.Time{}, false, true},
		{"", time.Time{}, false, true},
		{"12abc", time.Time{}, false, true},
		{"99999999999999999999", time.Time{}, false, true},
	} {
		got, never, err := ParseFILETIME(tc.in)
		if (err != nil) != tc.err || never != tc.never || !got.Equal(tc.want) {
			t.Errorf("ParseFILETIME(%q) = %v, %t, %v; want %v, %t, error %t", tc.in, got, never, err, tc.want, tc.never, tc.err)
		}
	}
}

func TestParseUserAccountControl(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		err  bool
	}{
		{"512", 512, false}, {"514", 514, false}, {"-2147483646", 0x80000002, false}, {"4294967295", 0xFFFFFFFF, false},
		{"4294967296", 0, true}, {"x", 0, true}, {"", 0, true},
	} {
		got, err := ParseUserAccountControl(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseUserAccountControl(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestRangeAttr(t *testing.T) {
	for _, tc := range []struct {
		in              string
		low, high       int
		last, ok, isErr bool
	}{
		{"member", 0, 0, false, false, false},
		{"member;range=0-1499", 0, 1499, false, true, false},
		{"member;range=1500-*", 1500, 0, true, true, false},
		{"member;binary;range=3-4", 3, 4, false, true, false},
		{"member;range=5", 0, 0, false, false, true},
		{"member;range=9-3", 0, 0, false, false, true},
		{"member;range=a-*", 0, 0, false, false, true},
	} {
		_, low, high, last, ok, err := rangeAttr(tc.in)
		if low != tc.low || high != tc.high || last != tc.last || ok != tc.ok || (err != nil) != tc.isErr {
			t.Errorf("rangeAttr(%q) = %d %d %t %t %v", tc.in, low, high, last, ok, err)
		}
	}
}
