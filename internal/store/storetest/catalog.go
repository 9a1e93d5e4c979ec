package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var catalogTests = []test{
	{"versions", testCatalogItemVersions},
	{"rolled back", testCatalogItemRolledBack},
	{"concurrent", testCatalogItemConcurrent},
}

func testCatalogItemVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.ListCatalogItems(ctx)
	must(t, "list empty", err)
	if len(list) != 0 {
		t.Fatalf("empty store lists %v", list)
	}

	a1, err := s.PutCatalogItem(ctx, store.CatalogItemVersion{ItemID: "a", Definition: []byte(`{"risk":"low"}`), Author: "person:olga"})
	must(t, "put a", err)
	wantStamp(t, "CreatedAt", a1.CreatedAt)
	same(t, "put a", a1, store.CatalogItemVersion{ItemID: "a", Version: 1, Definition: []byte(`{"risk":"low"}`), Author: "person:olga", CreatedAt: a1.CreatedAt})
	// A version given by the caller is ignored: the store numbers them.
	a2, err := s.PutCatalogItem(ctx, store.CatalogItemVersion{ItemID: "a", Version: 7, Definition: []byte(`{"risk":"high"}`), Author: "token:ci", CreatedAt: at(0)})
	must(t, "put a again", err)
	same(t, "put a again", a2, store.CatalogItemVersion{ItemID: "a", Version: 2, Definition: []byte(`{"risk":"high"}`), Author: "token:ci", CreatedAt: stored(at(0))})
	b1, err := s.PutCatalogItem(ctx, store.CatalogItemVersion{ItemID: "b", Definition: []byte(`{}`), Retired: true})
	must(t, "put b", err)
	if b1.Version != 1 || !b1.Retired {
		t.Fatalf("put b: %+v", b1)
	}

	list, err = s.ListCatalogItems(ctx)
	must(t, "list", err)
	same(t, "list latest", list, []store.CatalogItemVersion{a2, b1})
	versions, err := s.ListCatalogItemVersions(ctx, "a")
	must(t, "versions", err)
	same(t, "versions of a", versions, []store.CatalogItemVersion{a1, a2})
	versions, err = s.ListCatalogItemVersions(ctx, "missing")
	must(t, "versions of missing", err)
	if len(versions) != 0 {
		t.Fatalf("versions of missing: %v", versions)
	}
	_, err = s.PutCatalogItem(ctx, store.CatalogItemVersion{})
	if err == nil {
		t.Fatal("put without item id succeeded")
	}
}

func testCatalogItemRolledBack(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.PutCatalogItem(ctx, store.CatalogItemVersion{ItemID: "a", Definition: []byte(`{}`)}); err != nil {
			return err
		}
		return store.ErrConflict // e.g. the audit append failed
	})
	wantErr(t, "rolled back tx", err, store.ErrConflict)
	versions, err := s.ListCatalogItemVersions(ctx, "a")
	must(t, "versions", err)
	if len(versions) != 0 {
		t.Fatalf("rolled back version kept: %v", versions)
	}
	v, err := s.PutCatalogItem(ctx, store.CatalogItemVersion{ItemID: "a", Definition: []byte(`{}`)})
	must(t, "put after rollback", err)
	if v.Version != 1 {
		t.Fatalf("version after rollback = %d, want 1", v.Version)
	}
}

// Concurrent writers of one item never share a version: each write either
// gets its own next version or ErrConflict (the caller retries).
func testCatalogItemConcurrent(t *testing.T, s store.Store) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []int
	)
	for range 8 {
		wg.Go(func() {
			v, err := s.PutCatalogItem(t.Context(), store.CatalogItemVersion{ItemID: "a", Definition: []byte(`{}`)})
			if errors.Is(err, store.ErrConflict) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, v.Version)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	versions, err := s.ListCatalogItemVersions(t.Context(), "a")
	must(t, "versions", err)
	if len(got) == 0 || len(versions) != len(got) {
		t.Fatalf("%d writes succeeded, %d versions stored", len(got), len(versions))
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("versions handed out %v, want 1..%d", got, len(got))
		}
	}
}
