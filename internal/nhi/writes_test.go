package nhi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestWritesReevaluateManyNHIs writes more NHIs in one transaction than
// are re-evaluated one by one (the set-based path a pull batch takes) and
// checks the findings are those of each NHI alone: opened for the NHIs
// written without an owner, resolved for those given one or retired.
func TestWritesReevaluateManyNHIs(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		owner, err := st.CreatePerson(ctx, store.Person{UserName: "owner", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		// One NHI outside the writes, without an owner and never
		// evaluated: the set-based path must leave it alone.
		if _, err := st.CreateNHI(ctx, store.NHI{Kind: store.KindToken, Name: "outsider", Source: "api", Status: store.NHIActive}); err != nil {
			t.Fatal(err)
		}
		svc := &nhi.Service{Store: st}
		const n = 70
		ids := make([]string, n)
		write := func(fn func(w *nhi.Writes) error) {
			t.Helper()
			if err := st.InTx(ctx, func(tx store.Tx) error { return svc.Write(ctx, tx, fn) }); err != nil {
				t.Fatal(err)
			}
		}
		write(func(w *nhi.Writes) error {
			for i := range n {
				x := store.NHI{Kind: store.KindServiceAccount, Name: fmt.Sprintf("svc-%03d", i), Source: "ldap", Status: store.NHIActive}
				if i%2 == 0 {
					x.OwnerID = owner.ID
				}
				got, err := w.Create(ctx, "test", x, map[string]any{"name": x.Name})
				if err != nil {
					return err
				}
				ids[i] = got.ID
			}
			return nil
		})
		var want []string
		for i := 1; i < n; i += 2 {
			want = append(want, fmt.Sprintf("svc-%03d no-owner", i))
		}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("after creating %d NHIs\n got %v\nwant %v", n, got, want)
		}

		// Swap the owners and retire one that has none.
		write(func(w *nhi.Writes) error {
			for i, id := range ids {
				if i == 1 {
					if _, err := w.Retire(ctx, "test", id, nil, map[string]any{}); err != nil {
						return err
					}
					continue
				}
				if _, err := w.Update(ctx, "test", id, func(x store.NHI) (store.NHI, error) {
					if x.OwnerID == "" {
						x.OwnerID = owner.ID
					} else {
						x.OwnerID = ""
					}
					return x, nil
				}, func(before, after store.NHI) any { return map[string]any{"owner": after.OwnerID} }); err != nil {
					return err
				}
			}
			return nil
		})
		want = nil
		for i := 0; i < n; i += 2 {
			want = append(want, fmt.Sprintf("svc-%03d no-owner", i))
		}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("after swapping owners\n got %v\nwant %v", got, want)
		}
	})
}

// TestWritesReevaluateManyNHIsReadsTheirPeople checks the set-based path
// reads the persons the rules ask about as the one-by-one path does: a
// disabled owner gives a finding and a task routed to the owner's active
// manager, an active co-owner keeps an NHI of a disabled owner owned, and
// an owner nobody knows gives no-owner.
func TestWritesReevaluateManyNHIsReadsTheirPeople(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		person := func(name string, status store.Status, manager string) store.Person {
			t.Helper()
			p, err := st.CreatePerson(ctx, store.Person{UserName: name, Status: status, ManagerID: manager})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		boss := person("boss", store.StatusActive, "")
		leaver := person("leaver", store.StatusDisabled, boss.ID)
		colleague := person("colleague", store.StatusActive, "")
		svc := &nhi.Service{Store: st}
		const n = 70
		err := st.InTx(ctx, func(tx store.Tx) error {
			return svc.Write(ctx, tx, func(w *nhi.Writes) error {
				for i := range n {
					x := store.NHI{Kind: store.KindServiceAccount, Name: fmt.Sprintf("svc-%03d", i), Source: "ldap", Status: store.NHIActive, OwnerID: leaver.ID}
					switch i % 3 {
					case 1:
						x.CoOwnerIDs = []string{colleague.ID}
					case 2:
						x.OwnerID = "no-such-person"
					}
					if _, err := w.Create(ctx, "test", x, map[string]any{"name": x.Name}); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range n {
			switch i % 3 {
			case 0:
				want = append(want, fmt.Sprintf("svc-%03d owner-inactive", i))
			case 2:
				want = append(want, fmt.Sprintf("svc-%03d no-owner", i))
			}
		}
		if got := openByName(t, st); !slices.Equal(got, want) {
			t.Fatalf("findings\n got %v\nwant %v", got, want)
		}
		tasks, err := st.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, Limit: store.All})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != (n+2)/3 {
			t.Fatalf("%d open tasks, want %d", len(tasks), (n+2)/3)
		}
		for _, k := range tasks {
			if k.Route != store.RouteManager || k.AssigneeID != boss.ID || k.FormerOwnerID != leaver.ID {
				t.Fatalf("task %+v: want routed to the leaver's manager %s", k, boss.ID)
			}
		}
	})
}
