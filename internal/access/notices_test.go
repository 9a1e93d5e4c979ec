package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestCredentialReadyNotice: an issued API key records one
// credential.ready notice for the requester, linking the request, and
// the notice never carries the secret.
func TestCredentialReadyNotice(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["devon"], ItemID: "payments-api-key", Environment: "dev",
			Justification: "integration test", End: c.t.Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		work(t, svc)
		secret, err := svc.TakeCredential(t.Context(), ids["devon"], out.Request.ID)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := st.ListNotifications(t.Context(), ids["devon"], false)
		if err != nil {
			t.Fatal(err)
		}
		var ready []store.Notification
		for _, n := range ns {
			if n.Kind == "credential.ready" {
				ready = append(ready, n)
			}
			if strings.Contains(n.Message, secret) || strings.Contains(n.Message, "sk_") {
				t.Fatalf("a notice carries the secret: %+v", n)
			}
		}
		if len(ready) != 1 || ready[0].Subject != "request:"+out.Request.ID || !strings.Contains(ready[0].Message, "Payments API key") {
			t.Fatalf("credential.ready notices: %+v", ready)
		}
	})
}
