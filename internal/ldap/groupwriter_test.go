package ldap_test

import (
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/source"
)

func writer(t *testing.T, srv *ldaptest.Server, bindDN, password string) *ldap.GroupWriter {
	t.Helper()
	w, err := ldap.NewGroupWriter(sourceConfig(srv), ldap.WriteCredentials{BindDN: bindDN, BindPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestGroupWriterAgainstSlapd(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 4, Groups: 2})})
	ctx := t.Context()
	w := writer(t, srv, srv.WriterDN, srv.WriterPassword)
	group, p1, p3 := ldaptest.GroupDN(suffix, 0), ldaptest.PersonDN(suffix, 1), ldaptest.PersonDN(suffix, 3)

	// Add twice: the second is a no-op (attributeOrValueExists).
	for range 2 {
		if err := w.AddMember(ctx, group, p1); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Members(t, group); !slices.Contains(got, p1) || len(got) != 3 {
		t.Fatalf("members after add: %v", got)
	}
	// Remove twice: the second is a no-op (noSuchAttribute).
	for range 2 {
		if err := w.RemoveMember(ctx, group, p1); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Members(t, group); slices.Contains(got, p1) || len(got) != 2 {
		t.Fatalf("members after remove: %v", got)
	}

	// Group 1 holds persons 1 and 3; removing both leaves the empty
	// placeholder groupOfNames needs, and adding again works.
	g1 := ldaptest.GroupDN(suffix, 1)
	for _, dn := range []string{p1, p3} {
		if err := w.RemoveMember(ctx, g1, dn); err != nil {
			t.Fatalf("remove %s: %v", dn, err)
		}
	}
	if got := srv.Members(t, g1); len(got) != 1 || got[0] != "" {
		t.Fatalf("members of emptied group: %q", got)
	}
	if err := w.AddMember(ctx, g1, p3); err != nil {
		t.Fatal(err)
	}

	// A dropped connection is redialled.
	w.Close()
	if err := w.AddMember(ctx, g1, p1); err != nil {
		t.Fatalf("after close: %v", err)
	}

	if err := w.AddMember(ctx, "cn=nope,ou=groups,"+suffix, p1); !errors.Is(err, ldap.ErrNoSuchGroup) {
		t.Fatalf("missing group: %v", err)
	}
	bad := writer(t, srv, srv.WriterDN, "wrong")
	if err := bad.AddMember(ctx, group, p1); !errors.Is(err, source.ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	// The reader may read groups but not change them.
	cfg := sourceConfig(srv)
	cfg.BindDN = "cn=someone-else," + suffix
	ro, err := ldap.NewGroupWriter(cfg, ldap.WriteCredentials{BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.AddMember(ctx, group, p1); !errors.Is(err, ldap.ErrWriteRefused) {
		t.Fatalf("reader wrote: %v", err)
	}
	if _, err := ldap.NewGroupWriter(sourceConfig(srv), ldap.WriteCredentials{BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword}); err == nil {
		t.Fatal("the read-only pull account was accepted as the write bind")
	}
}

// cutter forwards TCP to target and can cut every open connection, as a
// server restart or an idle timeout in a firewall does.
type cutter struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln}
	t.Cleanup(func() { ln.Close(); c.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func TestGroupWriterRedialsAfterADroppedConnection(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 4, Groups: 2})})
	proxy := newCutter(t, strings.TrimPrefix(srv.URL, "ldap://"))
	cfg := sourceConfig(srv)
	cfg.URL = "ldap://" + proxy.ln.Addr().String()
	w, err := ldap.NewGroupWriter(cfg, ldap.WriteCredentials{BindDN: srv.WriterDN, BindPassword: srv.WriterPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	group := ldaptest.GroupDN(suffix, 0)
	if err := w.AddMember(t.Context(), group, ldaptest.PersonDN(suffix, 1)); err != nil {
		t.Fatal(err)
	}
	proxy.cut()
	if err := w.AddMember(t.Context(), group, ldaptest.PersonDN(suffix, 3)); err != nil {
		t.Fatalf("after the connection was cut: %v", err)
	}
	if got := srv.Members(t, group); !slices.Contains(got, ldaptest.PersonDN(suffix, 3)) {
		t.Fatalf("members %v", got)
	}
}
