package access_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestBirthrightFollowsJobFunctions: every engineer gets the item without
// asking (assurance birthright, fulfilled through a real webhook); a mover
// out of Engineering loses it at the next sweep, taken back through the
// same webhook.
func TestBirthrightFollowsJobFunctions(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		ids := org(t, st)
		var mu sync.Mutex
		events := map[string]int{}
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev access.WebhookEvent
			_ = json.NewDecoder(r.Body).Decode(&ev)
			mu.Lock()
			events[ev.Action+":"+ev.Holder]++
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer hook.Close()
		c := &clock{time.Now().UTC()}
		cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{ID: "eng-wiki", Name: "Engineering wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: ids["eve"],
			Eligibility: policy.Eligibility{JobFunctions: []string{"engineer"}}, MaxDuration: 30 * 24 * time.Hour},
			Fulfillment: catalog.Fulfillment{Type: "webhook", Params: map[string]string{"url": hook.URL}},
			Birthright:  []string{"engineer"}}}}
		svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"webhook": &access.Webhook{Secret: []byte("s"), Backoff: time.Millisecond}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		svc.Now = c.now

		res, err := sweepAndWork(t, svc)
		if err != nil || res.Birthright != 3 || len(res.Errors) > 0 {
			t.Fatalf("first sweep: %+v %v", res, err)
		}
		gs, _ := st.ListGrants(ctx, store.GrantQuery{HolderID: ids["devon"], ItemID: "eng-wiki"})
		if len(gs) != 1 || gs[0].Assurance != store.AssuranceBirthright || gs[0].State != store.GrantActive {
			t.Fatalf("devon's birthright: %+v", gs)
		}
		if res, _ = sweepAndWork(t, svc); res.Birthright != 0 || res.BirthrightEnded != 0 {
			t.Fatalf("second sweep changed something: %+v", res)
		}

		// Devon moves to Sales: no longer an engineer.
		idsvc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
			Rules: []identity.Rule{{Name: "engineer", JobFunction: "engineer", When: `person.department == "Engineering"`}}}, st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idsvc.Apply(ctx, identity.Batch{Source: "hr", Changes: []identity.Change{{Record: identity.Record{ExternalID: "devon",
			Attributes: map[string]string{"department": "Sales"}}}}}); err != nil {
			t.Fatal(err)
		}
		if res, err = sweepAndWork(t, svc); err != nil || res.BirthrightEnded != 1 {
			t.Fatalf("sweep after the move: %+v %v", res, err)
		}
		gs, _ = st.ListGrants(ctx, store.GrantQuery{HolderID: ids["devon"], ItemID: "eng-wiki"})
		if gs[0].State != store.GrantEnded || gs[0].EndedBy != "system:birthright" {
			t.Fatalf("devon after moving: %+v", gs[0])
		}
		mu.Lock()
		defer mu.Unlock()
		if events["grant:"+ids["devon"]] != 1 || events["revoke:"+ids["devon"]] != 1 || events["grant:"+ids["pat"]] != 1 {
			t.Fatalf("webhook events: %v", events)
		}
	})
}
