package identity_test

import (
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func withManager(ext, email string, dn string, m *identity.ManagerRef) identity.Change {
	attrs := map[string]string{"email": email, "employeeNumber": strings.ToUpper(ext)}
	return identity.Change{Op: identity.OpUpsert, Record: identity.Record{ExternalID: ext, DN: dn, Manager: m, Attributes: attrs}}
}

func warnings(res identity.Result) string {
	var all []string
	for _, a := range res.Applied {
		all = append(all, a.Warnings...)
	}
	return strings.Join(append(all, res.Warnings...), "\n")
}

func TestManagerLaterInSameBatch(t *testing.T) {
	tests := []struct {
		name string
		ref  identity.ManagerRef
	}{
		{"external id", identity.ManagerRef{ExternalID: "boss"}},
		{"dn, case-insensitive", identity.ManagerRef{DN: "CN=Boss,OU=People"}},
		{"employee number", identity.ManagerRef{EmployeeNumber: "boss"}},
		{"external id missing, dn resolves", identity.ManagerRef{ExternalID: "nope", DN: "cn=boss,ou=people"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
				svc := newService(t, st, testConfig())
				res := apply(t, svc, "ldap",
					withManager("ann", "ann@example.com", "cn=ann,ou=people", &tc.ref),
					withManager("boss", "boss@example.com", "cn=boss,ou=people", &identity.ManagerRef{}),
				)
				applied := mustApplied(t, res)
				if w := warnings(res); w != "" {
					t.Fatalf("warnings: %s", w)
				}
				if got := person(t, st, applied[0].PersonID).ManagerID; got != applied[1].PersonID {
					t.Fatalf("manager = %q, want %q", got, applied[1].PersonID)
				}
			})
		})
	}
}

func TestManagerResolvedByLaterBatch(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		res := apply(t, svc, "ldap", withManager("ann", "ann@example.com", "", &identity.ManagerRef{ExternalID: "boss"}))
		ann := mustApplied(t, res)[0].PersonID
		if w := warnings(res); !strings.Contains(w, `manager external id "boss" not found`) {
			t.Fatalf("warnings = %q, want the unresolved manager reported", w)
		}
		if got := person(t, st, ann).ManagerID; got != "" {
			t.Fatalf("manager = %q before the manager exists", got)
		}

		boss := mustApplied(t, apply(t, svc, "ldap", withManager("boss", "boss@example.com", "", nil)))[0].PersonID
		if got := person(t, st, ann).ManagerID; got != boss {
			t.Fatalf("manager = %q, want %q after the manager arrived", got, boss)
		}
		// Explicitly no manager any more.
		mustApplied(t, apply(t, svc, "ldap", withManager("ann", "ann@example.com", "", &identity.ManagerRef{})))
		if got := person(t, st, ann).ManagerID; got != "" {
			t.Fatalf("manager = %q, want none", got)
		}
	})
}

func TestManagerCycle(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		res := apply(t, svc, "ldap",
			withManager("a", "a@example.com", "", &identity.ManagerRef{ExternalID: "b"}),
			withManager("b", "b@example.com", "", &identity.ManagerRef{ExternalID: "a"}),
			withManager("c", "c@example.com", "", &identity.ManagerRef{ExternalID: "c"}),
		)
		applied := mustApplied(t, res)
		a, b, c := applied[0].PersonID, applied[1].PersonID, applied[2].PersonID
		if got := person(t, st, a).ManagerID; got != b {
			t.Fatalf("a's manager = %q, want b", got)
		}
		if got := person(t, st, b).ManagerID; got != "" {
			t.Fatalf("b's manager = %q: the edge closing the cycle was stored", got)
		}
		if got := person(t, st, c).ManagerID; got != "" {
			t.Fatalf("c manages itself")
		}
		if !strings.Contains(strings.Join(applied[1].Warnings, ""), "cycle") || !strings.Contains(strings.Join(applied[2].Warnings, ""), "person itself") {
			t.Fatalf("warnings = %q / %q", applied[1].Warnings, applied[2].Warnings)
		}
		// A later batch retrying b's reference still refuses the cycle and
		// writes nothing.
		before := len(auditActions(t, st))
		mustApplied(t, apply(t, svc, "ldap", withManager("d", "d@example.com", "", nil)))
		if got := person(t, st, b).ManagerID; got != "" {
			t.Fatalf("retry stored the cycle")
		}
		if after := len(auditActions(t, st)); after != before+1 {
			t.Fatalf("audit events %d → %d, want only d's creation", before, after)
		}
	})
}

// TestManagerCycleThroughANewPerson: a new person's own reference needs no
// walk up its manager's chain (nobody can report to a person just
// created), but a reference retried in the same batch that makes the new
// person someone's manager is still checked: x waits for "y"; y arrives
// reporting to z, who reports to x; x's retried reference would close
// x → y → z → x and is refused.
func TestManagerCycleThroughANewPerson(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		x := mustApplied(t, apply(t, svc, "ldap", withManager("x", "x@example.com", "", &identity.ManagerRef{ExternalID: "y"})))[0].PersonID
		z := mustApplied(t, apply(t, svc, "ldap", withManager("z", "z@example.com", "", &identity.ManagerRef{ExternalID: "x"})))[0].PersonID
		res := apply(t, svc, "ldap", withManager("y", "y@example.com", "", &identity.ManagerRef{ExternalID: "z"}))
		y := mustApplied(t, res)[0].PersonID
		if got := person(t, st, y).ManagerID; got != z {
			t.Fatalf("y's manager = %q, want z", got)
		}
		if got := person(t, st, z).ManagerID; got != x {
			t.Fatalf("z's manager = %q, want x", got)
		}
		if got := person(t, st, x).ManagerID; got != "" {
			t.Fatalf("x's manager = %q: the retried reference closed the cycle", got)
		}
		if w := warnings(res); !strings.Contains(w, "cycle") {
			t.Fatalf("warnings = %q, want the cycle reported", w)
		}
	})
}
