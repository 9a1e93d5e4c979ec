package access_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// The webhook fulfiller asks Check before every send: an item written when
// its destination was allowed is not sent once the allow-list no longer
// names it.
func TestWebhookChecksDestinationAtSend(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	it := catalog.Item{Fulfillment: catalog.Fulfillment{Type: "webhook", Params: map[string]string{"url": srv.URL + "/hooks/a"}}}
	it.ID = "hooked"
	g := store.Grant{ID: "g1", ItemID: "hooked", Start: time.Now(), End: time.Now().Add(time.Hour)}
	for _, tc := range []struct {
		name  string
		allow []string
		sent  bool
	}{
		{"allowed", []string{srv.URL + "/hooks/"}, true},
		{"allow-list changed since", []string{"https://hooks.example.com/"}, false},
		{"allow-list emptied", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			w := &access.Webhook{Secret: []byte("s"), Backoff: time.Millisecond, Check: authz.WebhookGuard{AllowList: tc.allow}.Check}
			_, done, err := w.Grant(t.Context(), g, it, store.Person{ID: "p1"})
			if tc.sent != (err == nil && done) || (hits.Load() == 1) != tc.sent {
				t.Fatalf("done %v, err %v, %d sends; want sent=%v", done, err, hits.Load(), tc.sent)
			}
			if !tc.sent && !errors.Is(err, authz.ErrWebhookNotAllowed) {
				t.Fatalf("refusal: %v", err)
			}
		})
	}
}
