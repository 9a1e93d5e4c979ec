package identity_test

import (
	"testing"

	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestAppliedCarriesTheLinkAsWritten: a change that writes a link hands
// it back as stored (times set by the store), whether the link was new
// (inserted) or replaced: the SCIM server answers a create from it
// instead of reading the person, link, job functions and groups back.
func TestAppliedCarriesTheLinkAsWritten(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		svc := newService(t, st, testConfig())
		for _, step := range []string{"new link", "replaced link"} {
			a := mustApplied(t, apply(t, svc, "okta", upsert("o-1", map[string]string{"userName": "ann", "email": "ann@example.com", "title": step})))
			if len(a) != 1 || a[0].Link == nil {
				t.Fatalf("%s: applied without its link: %+v", step, a)
			}
			l := a[0].Link
			got, err := st.GetSourceLink(t.Context(), "okta", "o-1")
			if err != nil {
				t.Fatal(err)
			}
			if l.ExternalID != "o-1" || l.PersonID != a[0].PersonID || l.CreatedAt.IsZero() || !l.UpdatedAt.Equal(got.UpdatedAt) || !l.CreatedAt.Equal(got.CreatedAt) {
				t.Fatalf("%s: applied link %+v, stored %+v", step, *l, got)
			}
		}
	})
}
