package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// MaySee reports whether a person may read a request: its requester, its
// beneficiary, its approvers, the owner of its catalog item
// (authz.SeesRequest), or callers who see everything (admins, auditors:
// seesAll).
func (s *Service) MaySee(r store.AccessRequest, personID string, seesAll bool) bool {
	if seesAll {
		return true
	}
	return authz.SeesRequest(r, s.itemOwner(r.ItemID), personID)
}

// itemOwner is the owner of the catalog item id ("" for none or an
// unknown item).
func (s *Service) itemOwner(id string) string {
	it, _ := s.item(id)
	return it.OwnerID
}

// GetRequest returns a request to a viewer who may see it; to anyone else
// it does not exist.
func (s *Service) GetRequest(ctx context.Context, viewerID, requestID string, seesAll bool) (store.AccessRequest, error) {
	r, err := s.Store.GetRequest(ctx, requestID)
	if err != nil {
		return r, mapErr("get request", err)
	}
	if !s.MaySee(r, viewerID, seesAll) {
		return store.AccessRequest{}, fmt.Errorf("access: request %s: %w", requestID, ErrNotFound)
	}
	return r, nil
}

// GrantOf returns the grant a request produced, if any.
func (s *Service) GrantOf(ctx context.Context, r store.AccessRequest) (*store.Grant, error) {
	if r.State != store.RequestApproved {
		return nil, nil
	}
	id := r.ExtendsGrantID
	if id == "" {
		gs, err := s.Store.ListGrants(ctx, store.GrantQuery{HolderID: r.BeneficiaryID, ItemID: r.ItemID, Limit: 10000})
		if err != nil {
			return nil, mapErr("grant of request", err)
		}
		for _, g := range gs {
			if g.RequestID == r.ID {
				return &g, nil
			}
		}
		return nil, nil
	}
	g, err := s.Store.GetGrant(ctx, id)
	if err != nil {
		return nil, mapErr("grant of request", err)
	}
	return &g, nil
}

// Withdraw: the requester takes back a request still pending.
func (s *Service) Withdraw(ctx context.Context, personID, requestID, reason string) (store.AccessRequest, error) {
	now := s.now()
	var out store.AccessRequest
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateRequest(ctx, requestID, func(r store.AccessRequest) (store.AccessRequest, error) {
			switch {
			case r.RequesterID != personID:
				if involved(r, personID) {
					return r, fmt.Errorf("access: only the requester withdraws a request: %w", ErrForbidden)
				}
				return r, fmt.Errorf("access: request %s: %w", r.ID, ErrNotFound)
			case r.State != store.RequestPending:
				return r, fmt.Errorf("access: request %s is %s; only a pending request is withdrawn: %w", r.ID, r.State, ErrStateChanged)
			}
			r.State, r.StageDue = store.RequestWithdrawn, nil
			r.StateReason = "withdrawn by the requester"
			if reason != "" {
				r.StateReason += ": " + reason
			}
			return r, nil
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "person:" + personID, Action: audit.ActionRequestWithdrawn, Target: "request:" + requestID,
			Details: map[string]any{"reason": reason}})
		return err
	})
	return out, mapErrNil("withdraw", err)
}

// TakeCredential hands the secret a request's fulfillment issued to its
// requester, once, after the grant is active. Anyone else gets
// ErrNotFound; a second retrieval gets ErrGone; before the grant is
// active, ErrStateChanged.
func (s *Service) TakeCredential(ctx context.Context, personID, requestID string) (string, error) {
	r, err := s.Store.GetRequest(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.RequesterID != personID) {
		return "", fmt.Errorf("access: request %s: %w", requestID, ErrNotFound)
	}
	if err != nil {
		return "", mapErr("credential", err)
	}
	g, err := s.GrantOf(ctx, r)
	if err != nil {
		return "", err
	}
	if g == nil {
		return "", fmt.Errorf("access: request %s has no credential: %w", requestID, ErrNotFound)
	}
	sec, err := s.Store.GetGrantSecret(ctx, g.ID)
	if errors.Is(err, store.ErrNotFound) {
		if g.State == store.GrantPending {
			return "", fmt.Errorf("access: the credential is not issued yet: %w", ErrStateChanged)
		}
		return "", fmt.Errorf("access: request %s has no credential: %w", requestID, ErrNotFound)
	}
	if err != nil {
		return "", mapErr("credential", err)
	}
	if sec.TakenAt != nil {
		return "", fmt.Errorf("access: the credential of request %s was already retrieved: %w", requestID, ErrGone)
	}
	if g.State != store.GrantActive {
		return "", fmt.Errorf("access: the grant is %s; the credential is handed out once it is active: %w", g.State, ErrStateChanged)
	}
	now := s.now()
	var secret string
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		taken, err := tx.TakeGrantSecret(ctx, g.ID, now)
		if err != nil {
			return err
		}
		if taken.Secret == "" {
			return ErrGone
		}
		// Opened inside the transaction: a value that does not open rolls
		// the retrieval back, so a configured key can still retrieve it.
		// A value without the sealed prefix was issued before credentials
		// were sealed (clear text, erased now like the others).
		if !strings.HasPrefix(taken.Secret, sealedPrefix) {
			secret = taken.Secret
		} else if secret, err = cipherOr(s.Credentials).Open(g.ID, taken.Secret); err != nil {
			s.Logger.Error("access: credential does not open; is access.credentialKeyEnv the key it was issued with?", "grant", g.ID)
			return err
		}
		// The event says it was retrieved and by whom, never the secret.
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "person:" + personID, Action: audit.ActionGrantCredentialRetrieved, Target: "grant:" + g.ID,
			Details: map[string]any{"request": requestID}})
		return err
	})
	if errors.Is(err, ErrGone) {
		return "", fmt.Errorf("access: the credential of request %s was already retrieved: %w", requestID, ErrGone)
	}
	if err != nil {
		return "", mapErr("credential", err)
	}
	return secret, nil
}

// CredentialWaiting reports whether the requester still has a credential
// to retrieve for the request (for the request page's one-time notice).
func (s *Service) CredentialWaiting(ctx context.Context, personID string, r store.AccessRequest) bool {
	if r.RequesterID != personID {
		return false
	}
	g, err := s.GrantOf(ctx, r)
	if err != nil || g == nil || g.State != store.GrantActive {
		return false
	}
	sec, err := s.Store.GetGrantSecret(ctx, g.ID)
	return err == nil && sec.TakenAt == nil
}

// ResolvePerson finds the person a reference names: a person id, a
// userName or an email (compared case-insensitively). A reference that
// matches nobody, or more than one person, is ErrInvalid.
func (s *Service) ResolvePerson(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if p, err := s.Store.GetPerson(ctx, ref); err == nil {
		return p.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", mapErr("beneficiary", err)
	}
	for _, key := range []store.MatchKey{store.MatchUserName, store.MatchEmail} {
		ps, err := s.Store.FindPersons(ctx, key, ref)
		if err != nil {
			return "", mapErr("beneficiary", err)
		}
		switch len(ps) {
		case 0:
			continue
		case 1:
			return ps[0].ID, nil
		default:
			return "", fmt.Errorf("access: beneficiary %q names more than one person; use their id: %w", ref, ErrInvalid)
		}
	}
	return "", fmt.Errorf("access: beneficiary %q matches no person (give an id, userName or email): %w", ref, ErrInvalid)
}
