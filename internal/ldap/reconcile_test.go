package ldap_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// ldapProxy relays LDAP messages between syncd and slapd one by one.
// onEntry sees every SearchResultEntry slapd sends (its DN) before it is
// relayed, and may block (to change the directory in the middle of a
// paged read) or drop it (a read that misses an entry, which a real
// server does not do on demand).
type ldapProxy struct {
	mu      sync.Mutex
	onEntry func(dn string) (drop bool)
}

func (p *ldapProxy) start(t *testing.T, upstream string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	addr := strings.TrimPrefix(upstream, "ldap://")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c, addr)
		}
	}()
	return "ldap://" + ln.Addr().String()
}

func (p *ldapProxy) relay(client net.Conn, addr string) {
	defer client.Close()
	server, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	for {
		pkt, err := ber.ReadPacket(server)
		if err != nil {
			return
		}
		if len(pkt.Children) > 1 && pkt.Children[1].ClassType == ber.ClassApplication && pkt.Children[1].Tag == 4 {
			dn, _ := pkt.Children[1].Children[0].Value.(string)
			p.mu.Lock()
			f := p.onEntry
			p.mu.Unlock()
			if f != nil && f(dn) {
				continue
			}
		}
		if _, err := client.Write(pkt.Bytes()); err != nil {
			return
		}
	}
}

func (p *ldapProxy) set(f func(dn string) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onEntry = f
}

// TestFullReadOfChangingDirectory: LDAP full reconciliation against real
// slapd terminates only people confirmed gone. A person deleted and one
// added while the paged read runs: the deleted one alone is terminated,
// the added one arrives. A read that misses a person who still exists
// terminates nobody and reports the run partial.
func TestFullReadOfChangingDirectory(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 60, Groups: 3, ServiceAccounts: 3})})
		proxy := &ldapProxy{}
		cfg := sourceConfig(srv)
		cfg.URL = proxy.start(t, srv.URL)
		src, err := ldap.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids := newIdentity(t, st)
		e := &env{srv: srv, st: st, ids: ids, src: src, runner: &pull.Runner{Store: st, Identity: ids, Holder: "test", BatchSize: 25}}
		e.run(t, true)

		// Mid-read: u000050 leaves, u000100 joins.
		var once sync.Once
		seen := 0
		proxy.set(func(dn string) bool {
			if strings.Contains(dn, ",ou=people,") {
				seen++
				if seen == 10 {
					once.Do(func() {
						srv.Modify(t, "dn: "+ldaptest.PersonDN(suffix, 50)+"\nchangetype: delete\n\n"+
							"dn: uid=u000100,ou=people,"+suffix+"\nchangetype: add\nobjectClass: inetOrgPerson\nuid: u000100\ncn: New Hire\nsn: Hire\nemployeeNumber: E000100\n")
					})
				}
			}
			return false
		})
		run := e.run(t, true)
		proxy.set(nil)
		if run.Counts.Terminated != 1 {
			t.Fatalf("terminated %d after one deletion during the read: %+v", run.Counts.Terminated, run)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(50)); p.Status != store.StatusTerminated {
			t.Fatalf("the deleted person is %s", p.Status)
		}
		for i := range 50 {
			if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(i)); p.Status == store.StatusTerminated {
				t.Fatalf("person %d terminated", i)
			}
		}
		e.run(t, true) // the hire is read by now, if the first read had passed it
		e.personBy(t, store.MatchEmployeeNumber, "E000100")

		// The read misses u000020, who is still in the directory.
		missed := strings.ToLower(ldaptest.PersonDN(suffix, 20))
		dropped := false
		proxy.set(func(dn string) bool {
			if !dropped && strings.ToLower(dn) == missed {
				dropped = true
				return true
			}
			return false
		})
		got, err := e.runner.Run(t.Context(), e.src, pull.Options{Full: true})
		proxy.set(nil)
		if err != nil || !dropped {
			t.Fatalf("run with a missed entry: %v (dropped %t)", err, dropped)
		}
		if got.Status != store.RunPartial || got.Counts.Terminated != 0 || !strings.Contains(got.Error, "still exist") {
			t.Fatalf("a missed but present person: %s %q %+v", got.Status, got.Error, got.Counts)
		}
		if p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(20)); p.Status == store.StatusTerminated {
			t.Fatal("a person the read missed but the directory has was terminated")
		}
	})
}

// TestLDAPConfirmsAbsence asks real slapd about records one by one:
// present, deleted, and moved out of the people scope.
func TestLDAPConfirmsAbsence(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := setup(t, st, 12)
		e.run(t, true)
		link := func(i int) string {
			p := e.personBy(t, store.MatchEmployeeNumber, ldaptest.EmployeeNumber(i))
			links, err := st.ListSourceLinks(t.Context(), p.ID)
			if err != nil || len(links) == 0 {
				t.Fatalf("links of %d: %v", i, err)
			}
			return links[0].ExternalID
		}
		present, deleted, moved := link(2), link(3), link(4)
		e.srv.Modify(t, "dn: "+ldaptest.PersonDN(suffix, 3)+"\nchangetype: delete\n\n"+
			"dn: ou=leavers,"+suffix+"\nchangetype: add\nobjectClass: organizationalUnit\nou: leavers\n\n"+
			"dn: "+ldaptest.PersonDN(suffix, 4)+"\nchangetype: modrdn\nnewrdn: uid="+ldaptest.UID(4)+"\ndeleteoldrdn: 1\nnewsuperior: ou=leavers,"+suffix+"\n")
		got, err := e.src.Exists(t.Context(), []source.Ref{
			{Kind: source.KindPerson, ExternalID: present}, {Kind: source.KindPerson, ExternalID: deleted},
			{Kind: source.KindPerson, ExternalID: moved}, {Kind: source.KindPerson, ExternalID: "00000000-0000-0000-0000-000000000000"},
		})
		if err != nil || len(got) != 4 || !got[0] || got[1] || got[2] || got[3] {
			t.Fatalf("exists: %v %v", got, err)
		}
		bad := sourceConfig(e.srv)
		bad.BindPassword = "wrong"
		bs, _ := ldap.New(bad, nil)
		if _, err := bs.Exists(t.Context(), []source.Ref{{Kind: source.KindPerson, ExternalID: present}}); err == nil {
			t.Fatal("a failed lookup must be an error, never an absence")
		}
	})
}

// TestSCIMViewOfLDAPSource: a SCIM token scoped to an LDAP source sees
// SCIM users, not the pull's internal keys (issue 13).
func TestSCIMViewOfLDAPSource(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := setup(t, st, 12)
		e.run(t, true)
		view := scimtest.Start(t, st, e.ids, "corp")
		u11 := view.Call("GET", "/Users?filter=userName+eq+%22"+ldaptest.UID(11)+"%22", nil)
		res, _ := u11["Resources"].([]any)
		if len(res) != 1 {
			t.Fatalf("filter on the LDAP view: %v", u11)
		}
		u := res[0].(map[string]any)
		for _, k := range []string{"a", "m", "d", "urn:syncd:params:pull"} {
			if _, bad := u[k]; bad {
				t.Fatalf("internal key %q in %v", k, u)
			}
		}
		p1 := e.personBy(t, store.MatchUserName, ldaptest.UID(1))
		ent, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		mgr, _ := ent["manager"].(map[string]any)
		name, _ := u["name"].(map[string]any)
		if u["userName"] != ldaptest.UID(11) || name["givenName"] != ldaptest.GivenName(11) || ent["employeeNumber"] != ldaptest.EmployeeNumber(11) ||
			mgr["value"] != p1.ID || u["active"] != true {
			t.Fatalf("LDAP person in SCIM form: %v", u)
		}
	})
}
