package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var notifyTests = []test{
	{"undispatched notifications per channel", testNotifyUndispatched},
	{"one digest per key, deliveries once", testNotifyDigestOnce},
	{"digest update is a locked read-modify-write", testNotifyDigestUpdate},
	{"concurrent open of one digest", testNotifyDigestConcurrent},
}

func newNotice(t *testing.T, s store.Tx, personID, kind, subject, key string, created time.Time) store.Notification {
	t.Helper()
	n, err := s.CreateNotification(t.Context(), store.Notification{PersonID: personID, Kind: kind, Subject: subject, Message: "m " + key, DedupeKey: key, CreatedAt: created})
	must(t, "create notification "+key, err)
	return n
}

func testNotifyUndispatched(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ana", Status: store.StatusActive})
	old := newNotice(t, s, p.ID, "k", "s", "old", at(-48*time.Hour))
	a := newNotice(t, s, p.ID, "k", "s", "a", at(0))
	b := newNotice(t, s, p.ID, "k", "s", "b", at(time.Second))
	got, err := s.ListUndispatchedNotifications(ctx, "email", at(-time.Hour), 0)
	must(t, "list", err)
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[0].Message != "m a" || !got[0].CreatedAt.Equal(stored(at(0))) {
		t.Fatalf("undispatched since an hour ago: %+v (old %d)", got, old.ID)
	}
	d, _, err := s.OpenDigest(ctx, store.DigestKey{Channel: "email", PersonID: p.ID, Kind: "k", Subject: "s", Day: "2026-03-14"}, at(time.Minute))
	must(t, "open digest", err)
	ok, err := s.AddDelivery(ctx, store.NotificationDelivery{NotificationID: a.ID, Channel: "email", DigestID: d.ID})
	must(t, "add delivery", err)
	if !ok {
		t.Fatal("first delivery not recorded")
	}
	ok, err = s.AddDelivery(ctx, store.NotificationDelivery{NotificationID: b.ID, Channel: "email", Reason: "no address"})
	must(t, "add skipped delivery", err)
	if !ok {
		t.Fatal("skipped delivery not recorded")
	}
	got, err = s.ListUndispatchedNotifications(ctx, "email", at(-72*time.Hour), 10)
	must(t, "list after", err)
	if len(got) != 1 || got[0].ID != old.ID {
		t.Fatalf("undispatched on email after filing: %+v", got)
	}
	got, err = s.ListUndispatchedNotifications(ctx, "chat", at(-time.Hour), 1)
	must(t, "list chat", err)
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("chat is its own channel, limit 1: %+v", got)
	}
	ns, err := s.ListDigestNotifications(ctx, d.ID)
	must(t, "digest notifications", err)
	if len(ns) != 1 || ns[0].ID != a.ID {
		t.Fatalf("digest holds %+v", ns)
	}
}

func testNotifyDigestOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ana", Status: store.StatusActive})
	n := newNotice(t, s, p.ID, "k", "s", "n", at(0))
	key := store.DigestKey{Channel: "email", PersonID: p.ID, Kind: "review.assigned", Subject: "campaign:c1", Day: "2026-03-14"}
	d, created, err := s.OpenDigest(ctx, key, at(time.Minute))
	must(t, "open", err)
	if !created || d.ID == 0 || d.State != store.DigestOpen || d.DigestKey != key || !d.SendAfter.Equal(stored(at(time.Minute))) {
		t.Fatalf("open: %v %+v", created, d)
	}
	wantStamp(t, "created", d.CreatedAt)
	again, created, err := s.OpenDigest(ctx, key, at(time.Hour))
	must(t, "open again", err)
	if created || again.ID != d.ID || !again.SendAfter.Equal(d.SendAfter) {
		t.Fatalf("second open of one key: %v %+v", created, again)
	}
	other := key
	other.Day = "2026-03-15"
	o, created, err := s.OpenDigest(ctx, other, at(time.Hour))
	must(t, "open next day", err)
	if !created || o.ID == d.ID {
		t.Fatalf("next day's digest: %v %+v", created, o)
	}
	_, _, err = s.OpenDigest(ctx, store.DigestKey{Channel: "email"}, at(0))
	if err == nil {
		t.Fatal("open without a key succeeded")
	}
	ok, err := s.AddDelivery(ctx, store.NotificationDelivery{NotificationID: n.ID, Channel: "email", DigestID: d.ID})
	must(t, "add", err)
	ok2, err := s.AddDelivery(ctx, store.NotificationDelivery{NotificationID: n.ID, Channel: "email", DigestID: o.ID})
	must(t, "add again", err)
	if !ok || ok2 {
		t.Fatalf("a notification is filed once per channel: %v %v", ok, ok2)
	}
	// A digest opened in a transaction that rolls back is gone.
	rolled := key
	rolled.Subject = "campaign:c2"
	err = s.InTx(ctx, func(tx store.Tx) error {
		if _, _, err := tx.OpenDigest(ctx, rolled, at(0)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "rolled back", err, errBoom)
	ds, err := s.ListDigests(ctx, store.DigestQuery{PersonID: p.ID})
	must(t, "list", err)
	if len(ds) != 2 || ds[0].ID != o.ID || ds[1].ID != d.ID {
		t.Fatalf("digests, newest first: %+v", ds)
	}
}

func testNotifyDigestUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ana", Status: store.StatusActive})
	d, _, err := s.OpenDigest(ctx, store.DigestKey{Channel: "email", PersonID: p.ID, Kind: "k", Day: "2026-03-14"}, at(0))
	must(t, "open", err)
	sent := at(time.Minute)
	up, err := s.UpdateDigest(ctx, d.ID, func(d store.NotificationDigest) (store.NotificationDigest, error) {
		d.State, d.Attempts, d.LastError, d.SentAt = store.DigestSent, d.Attempts+2, "421 busy", &sent
		d.Kind = "changed" // the key is not updated
		return d, nil
	})
	must(t, "update", err)
	got, err := s.GetDigest(ctx, d.ID)
	must(t, "get", err)
	if got.State != store.DigestSent || got.Attempts != 2 || got.LastError != "421 busy" || got.SentAt == nil ||
		!got.SentAt.Equal(stored(sent)) || got.Kind != "k" || up.State != store.DigestSent {
		t.Fatalf("after update: %+v", got)
	}
	_, err = s.UpdateDigest(ctx, d.ID, func(d store.NotificationDigest) (store.NotificationDigest, error) { return d, errBoom })
	wantErr(t, "fn error", err, errBoom)
	_, err = s.GetDigest(ctx, d.ID+100)
	wantErr(t, "missing", err, store.ErrNotFound)
	ds, err := s.ListDigests(ctx, store.DigestQuery{States: []store.DigestState{store.DigestOpen}})
	must(t, "list open", err)
	if len(ds) != 0 {
		t.Fatalf("open digests: %+v", ds)
	}
}

// testNotifyDigestConcurrent: attempts incremented by concurrent updaters
// are never lost, and concurrent opens of one key make one digest.
func testNotifyDigestConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := newPerson(t, s, store.Person{UserName: "ana", Status: store.StatusActive})
	key := store.DigestKey{Channel: "email", PersonID: p.ID, Kind: "k", Day: "2026-03-14"}
	const n = 8
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				d, _, err := tx.OpenDigest(ctx, key, at(0))
				if err != nil {
					return err
				}
				ids[i] = d.ID
				_, err = tx.UpdateDigest(ctx, d.ID, func(d store.NotificationDigest) (store.NotificationDigest, error) {
					d.Attempts++
					return d, nil
				})
				return err
			})
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one key, several digests: %v", ids)
		}
	}
	d, err := s.GetDigest(ctx, ids[0])
	must(t, "get", err)
	if d.Attempts != n {
		t.Fatalf("attempts %d after %d concurrent increments", d.Attempts, n)
	}
}
