package webui_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// BenchmarkGrantsRegister measures whole requests of the grants register
// and the reports page (session, policy, the register's load, names,
// sorting, rendering) over 10,000 grants on SQLite, as the auditor.
func BenchmarkGrantsRegister(b *testing.B) {
	o := newOversightEnv(b)
	now := time.Now().UTC()
	holders := []string{"rita", "ron", "sam", "mike", "carol", "terry", "hank"}
	items := []string{"payroll", "payments", "wiki"}
	for i := range 10000 {
		if _, err := o.store.CreateGrant(b.Context(), store.Grant{ItemID: items[i%len(items)], HolderID: o.ids[holders[i%len(holders)]],
			Assurance: store.AssuranceImported, Start: now.AddDate(0, 0, -i%400-1), End: now.AddDate(0, 0, i%400+1), State: store.GrantActive}); err != nil {
			b.Fatal(err)
		}
	}
	alice := o.as("alice")
	for _, page := range []string{"/grants", "/grants?sort=end&dir=desc&page=100", "/grants?format=csv", "/grants?state=active&sod=1", "/reports"} {
		b.Run(strconv.Quote(page), func(b *testing.B) {
			for b.Loop() {
				if resp := alice.Get(o.base + page); resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", page, resp.StatusCode)
				}
			}
		})
	}
}
