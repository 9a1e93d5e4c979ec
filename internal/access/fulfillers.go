package access

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// Manual fulfillment: the item owner does the work and confirms it
// (Service.ConfirmFulfillment); until then the grant stays pending.
type Manual struct{}

// Grant asks for confirmation.
func (Manual) Grant(context.Context, store.Grant, catalog.Item, store.Person) (string, bool, error) {
	return "", false, nil
}

// Revoke has nothing to take back automatically; the owner is told by the
// grant's end in the audit log and UI.
func (Manual) Revoke(context.Context, store.Grant, catalog.Item, store.Person) error { return nil }

// Webhook posts a signed JSON event for each grant and revocation. The
// X-Syncd-Signature header is "sha256=" + hex HMAC-SHA256 of the body with
// the secret; receivers must treat a repeated event id as the same event.
// URL and Secret default to the item's fulfillment params: "url", and the
// secret SecretFor returns for the item. Check, when set, is asked about
// the URL before every send (the allow-list may have changed since the
// item was written); Client should then enforce it on redirects and
// resolved addresses too (authz.WebhookGuard).
type Webhook struct {
	URL       string
	Secret    []byte
	SecretFor func(it catalog.Item) []byte
	Check     func(url string) error
	Client    *http.Client
	Attempts  int           // default 3
	Backoff   time.Duration // first retry delay, doubled each time; default 500ms
}

// WebhookEvent is the JSON body a webhook receives.
type WebhookEvent struct {
	ID          string    `json:"id"` // stable per grant and action: retries repeat it
	Action      string    `json:"action"`
	GrantID     string    `json:"grantId"`
	ItemID      string    `json:"itemId"`
	System      string    `json:"system"`
	Entitlement string    `json:"entitlement"`
	Holder      string    `json:"holder"`
	HolderEmail string    `json:"holderEmail"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// Grant posts the grant event.
func (w *Webhook) Grant(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) (string, bool, error) {
	status, err := w.post(ctx, "grant", g, it, holder)
	return fmt.Sprintf("webhook:%d", status), err == nil, err
}

// Revoke posts the revoke event.
func (w *Webhook) Revoke(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) error {
	_, err := w.post(ctx, "revoke", g, it, holder)
	return err
}

// Sign returns the signature header value for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *Webhook) post(ctx context.Context, action string, g store.Grant, it catalog.Item, holder store.Person) (int, error) {
	url, secret := w.URL, w.Secret
	if url == "" {
		url = it.Fulfillment.Params["url"]
	}
	if secret == nil && w.SecretFor != nil {
		secret = w.SecretFor(it)
	}
	if url == "" || len(secret) == 0 {
		return 0, fmt.Errorf("webhook: item %s has no url or no signing secret configured", it.ID)
	}
	if w.Check != nil {
		if err := w.Check(url); err != nil {
			return 0, fmt.Errorf("webhook: item %s: %w", it.ID, err)
		}
	}
	body, err := json.Marshal(WebhookEvent{
		ID: g.ID + ":" + action, Action: action, GrantID: g.ID, ItemID: it.ID, System: it.Target.System,
		Entitlement: it.Target.Entitlement, Holder: holder.ID, HolderEmail: holder.Email, Start: g.Start, End: g.End,
	})
	if err != nil {
		return 0, err
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	attempts, backoff := max(w.Attempts, 1), w.Backoff
	if w.Attempts == 0 {
		attempts = 3
	}
	if backoff == 0 {
		backoff = 500 * time.Millisecond
	}
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(backoff << (i - 1)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, fmt.Errorf("webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Syncd-Signature", Sign(secret, body))
		req.Header.Set("X-Syncd-Event", action)
		// The event id is stable per grant and action, so a receiver can
		// apply a redelivery (a retry, or the work redone after a crash)
		// once.
		req.Header.Set("Idempotency-Key", g.ID+":"+action)
		resp, err := client.Do(req)
		if err != nil {
			last = fmt.Errorf("webhook: %w", err)
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			return resp.StatusCode, nil
		}
		last = fmt.Errorf("webhook: %s answered %d", url, resp.StatusCode)
		if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, last // the receiver refused; retrying will not help
		}
	}
	return 0, last
}

// APIKey issues a random secret for an NHI credential item, records it as
// an NHI owned by the holder in the requested environment with the grant's
// end as its expiry, and keeps the secret's SHA-256 in the grant's
// fulfillment reference. The secret itself is kept, in the same
// transaction as the NHI, only until the requester retrieves it once
// (Service.TakeCredential).
type APIKey struct {
	Store store.Store
	Now   func() time.Time
	// Cipher seals the credential until its retrieval; nil takes a key
	// of this process only (see CredentialCipher). It must be the
	// Service's Credentials.
	Cipher *CredentialCipher
	// NHI writes the credential's NHI (the one writer of NHIs); nil: a
	// service with the default rules.
	NHI *nhi.Service
}

// Grant creates the credential; a retry for the same grant finds the NHI
// it created before and issues nothing new.
func (a *APIKey) Grant(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) (string, bool, error) {
	if existing, err := a.Store.GetNHIByExternalID(ctx, "request", g.ID); err == nil {
		return "nhi:" + existing.ID, true, nil
	}
	req, err := a.Store.GetRequest(ctx, g.RequestID)
	if err != nil {
		return "", false, fmt.Errorf("api-key: request: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	secret := "sk_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	now := a.Now().UTC().Truncate(time.Microsecond)
	end := g.End
	var n store.NHI
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		return nhiService(a.NHI, a.Store, a.Now).Write(ctx, tx, func(w *nhi.Writes) error {
			var err error
			n, err = w.Create(ctx, "fulfillment:api-key", store.NHI{
				Kind: store.KindAPIKey, Name: fmt.Sprintf("%s-%s", it.ID, g.ID[len(g.ID)-8:]), Source: "request", ExternalID: g.ID,
				Environment: req.Environment, OwnerID: holder.ID, Status: store.NHIActive,
				Description: fmt.Sprintf("%s for %s (sha256 %s)", it.Name, holder.Name(), hex.EncodeToString(sum[:8])),
				CreatedAt:   now, UpdatedAt: now, ExpiresAt: &end, RotatedAt: &now,
			}, map[string]any{"grant": g.ID, "item": it.ID, "environment": req.Environment, "owner": holder.ID, "expires": end})
			if err != nil {
				return err
			}
			sealed, err := cipherOr(a.Cipher).Seal(g.ID, secret)
			if err != nil {
				return err
			}
			return tx.PutGrantSecret(ctx, store.GrantSecret{GrantID: g.ID, RequestID: g.RequestID, Secret: sealed, CreatedAt: now})
		})
	})
	if err != nil {
		return "", false, fmt.Errorf("api-key: %w", err)
	}
	return "nhi:" + n.ID + " sha256:" + hex.EncodeToString(sum[:]), true, nil
}

// Revoke retires the credential's NHI.
func (a *APIKey) Revoke(ctx context.Context, g store.Grant, _ catalog.Item, _ store.Person) error {
	return retireIssuedNHI(ctx, nhiService(a.NHI, a.Store, a.Now), a.Store, "api-key", g.ID)
}

// nhiService is the NHI service fulfillments write NHIs through (the one
// writer of NHIs: audited, findings re-evaluated); one with the default
// rules when none is wired.
func nhiService(svc *nhi.Service, st store.Store, now func() time.Time) *nhi.Service {
	if svc != nil {
		return svc
	}
	return &nhi.Service{Store: st, Now: now}
}

// retireIssuedNHI retires the NHI a fulfillment created for a grant (its
// external id in source "request" is the grant id), with its audit event.
func retireIssuedNHI(ctx context.Context, svc *nhi.Service, st store.Store, kind, grantID string) error {
	n, err := st.GetNHIByExternalID(ctx, "request", grantID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // never issued: nothing to take back
	}
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	return st.InTx(ctx, func(tx store.Tx) error {
		return svc.Write(ctx, tx, func(w *nhi.Writes) error {
			_, err := w.Retire(ctx, "fulfillment:"+kind, n.ID, nil, map[string]any{"grant": grantID, "reason": "grant ended"})
			return err
		})
	})
}
