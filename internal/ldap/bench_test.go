package ldap_test

import (
	"context"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/source"
)

type countSink struct{ people int }

func (c *countSink) Person(context.Context, identity.Record) error { c.people++; return nil }
func (c *countSink) Reject(string, string)                         {}
func (c *countSink) Group(context.Context, source.Group) error     { return nil }
func (c *countSink) ServiceAccount(context.Context, source.ServiceAccount) error {
	return nil
}

// BenchmarkReadPeople measures the LDAP side of a pull alone: a streaming
// paged read of 5,000 people from slapd, mapped to records.
func BenchmarkReadPeople(b *testing.B) {
	const n = 5000
	srv := ldaptest.Start(b, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: n})})
	cfg := sourceConfig(srv)
	cfg.Groups, cfg.ServiceAccounts, cfg.PageSize = nil, nil, 1000
	src, err := ldap.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		sink := &countSink{}
		if _, err := src.Pull(b.Context(), source.Request{Full: true}, sink); err != nil {
			b.Fatal(err)
		}
		if sink.people != n {
			b.Fatalf("read %d people", sink.people)
		}
	}
	b.ReportMetric(float64(n), "entries/op")
}
