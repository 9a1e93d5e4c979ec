package nhi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// NHIInput is a new NHI as a client describes it: the owner, co-owners
// and project by reference (a person's ID, userName or email; a project's
// ID or name), resolved and checked before anything is written.
type NHIInput struct {
	Kind        store.NHIKind
	Name        string
	Source      string // "api" when empty
	ExternalID  string
	Environment string
	Owner       string
	CoOwners    []string
	OwningTeam  string
	Project     string
	Description string
	ExpiresAt   *time.Time
	RotatedAt   *time.Time
	LastUsedAt  *time.Time
	// Invalid holds problems the caller found while parsing the request
	// (a malformed date, say); they are reported together with the
	// service's own, and nothing is written.
	Invalid []FieldError
}

// NHIPatch changes some fields of an NHI; nil leaves a field as it is and
// a pointer to "" clears a reference.
type NHIPatch struct {
	Owner        *string
	Project      *string
	OwningTeam   *string
	Environment  *string
	Description  *string
	ExpiresAt    *time.Time
	ClearExpires bool
	RotatedAt    *time.Time
	LastUsedAt   *time.Time
	// NewOwnerActive refuses an Owner that is not an active person or
	// already owns the NHI (what the web UI's reassignment promises).
	NewOwnerActive bool
	// Reason, when set, is recorded in the audit event.
	Reason  string
	Invalid []FieldError // see NHIInput.Invalid
}

// ParseDate reads a date as YYYY-MM-DD (midnight UTC) or RFC 3339; "" is
// no date. The error names field and the accepted formats.
func ParseDate(field, s string) (*time.Time, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	return nil, &FieldError{Field: field, Msg: fmt.Sprintf("%q is not a date (use YYYY-MM-DD or RFC 3339, e.g. 2026-01-31 or 2026-01-31T09:00:00Z)", s)}
}

// resolvePerson finds the person a reference names: an ID, else a unique
// userName, else a unique email.
func resolvePerson(ctx context.Context, tx store.Tx, field, ref string) (string, *FieldError, error) {
	if ref == "" {
		return "", nil, nil
	}
	if p, err := tx.GetPerson(ctx, ref); err == nil {
		return p.ID, nil, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", nil, err
	}
	for _, key := range []store.MatchKey{store.MatchUserName, store.MatchEmail} {
		ps, err := tx.FindPersons(ctx, key, ref)
		if err != nil {
			return "", nil, err
		}
		switch len(ps) {
		case 0:
			continue
		case 1:
			return ps[0].ID, nil, nil
		default:
			return "", &FieldError{Field: field, Msg: fmt.Sprintf("%q matches %d persons by %s; give the person id", ref, len(ps), key)}, nil
		}
	}
	return "", &FieldError{Field: field, Msg: fmt.Sprintf("%q matches no person (give a person id, userName or email)", ref)}, nil
}

// resolveProject finds a project by ID or name.
func resolveProject(ctx context.Context, tx store.Tx, field, ref string) (string, *FieldError, error) {
	if ref == "" {
		return "", nil, nil
	}
	if p, err := tx.GetProject(ctx, ref); err == nil {
		return p.ID, nil, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", nil, err
	}
	p, err := tx.GetProjectByName(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return "", &FieldError{Field: field, Msg: fmt.Sprintf("no project with id or name %q", ref)}, nil
	}
	if err != nil {
		return "", nil, err
	}
	return p.ID, nil, nil
}

// buildNHI checks and resolves in; field problems come back together as a
// *ValidationError.
func buildNHI(ctx context.Context, tx store.Tx, in NHIInput) (store.NHI, error) {
	fe := append([]FieldError(nil), in.Invalid...)
	add := func(e *FieldError) {
		if e != nil {
			fe = append(fe, *e)
		}
	}
	n := store.NHI{
		Kind: in.Kind, Name: strings.TrimSpace(in.Name), Source: in.Source, ExternalID: in.ExternalID,
		Environment: in.Environment, OwningTeam: in.OwningTeam, Description: in.Description, Status: store.NHIActive,
		ExpiresAt: in.ExpiresAt, RotatedAt: in.RotatedAt, LastUsedAt: in.LastUsedAt, OwnerRef: in.Owner,
	}
	if n.Source == "" {
		n.Source = "api"
	}
	if n.Name == "" {
		add(&FieldError{Field: "name", Msg: "required"})
	} else if len(n.Name) > 200 {
		add(&FieldError{Field: "name", Msg: "longer than 200 characters"})
	}
	if !n.Kind.Valid() {
		add(&FieldError{Field: "kind", Msg: fmt.Sprintf("unknown kind %q (use service-account, api-key, certificate, token or workload)", in.Kind)})
	}
	var err error
	var e *FieldError
	if n.OwnerID, e, err = resolvePerson(ctx, tx, "owner", in.Owner); err != nil {
		return store.NHI{}, err
	}
	add(e)
	for i, ref := range in.CoOwners {
		id, e, err := resolvePerson(ctx, tx, fmt.Sprintf("co_owners[%d]", i), ref)
		if err != nil {
			return store.NHI{}, err
		}
		add(e)
		if id != "" {
			n.CoOwnerIDs = append(n.CoOwnerIDs, id)
		}
	}
	if n.ProjectID, e, err = resolveProject(ctx, tx, "project", in.Project); err != nil {
		return store.NHI{}, err
	}
	add(e)
	if fe != nil {
		return store.NHI{}, &ValidationError{Fields: fe}
	}
	return n, nil
}

// CreateNHI checks in, writes the NHI with its audit event and evaluates
// it, all in one transaction.
func (s *Service) CreateNHI(ctx context.Context, actor string, in NHIInput) (store.NHI, error) {
	var out store.NHI
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.createNHI(ctx, tx, actor, in, s.now())
		return err
	})
	if err != nil {
		return store.NHI{}, fmt.Errorf("nhi: create %q: %w", in.Name, err)
	}
	return out, nil
}

func (s *Service) createNHI(ctx context.Context, tx store.Tx, actor string, in NHIInput, now time.Time) (store.NHI, error) {
	n, err := buildNHI(ctx, tx, in)
	if err != nil {
		return store.NHI{}, err
	}
	n, err = tx.CreateNHI(ctx, n)
	if errors.Is(err, store.ErrConflict) {
		return store.NHI{}, &ValidationError{Fields: []FieldError{{Field: "name", Msg: fmt.Sprintf("an NHI named %q or with external id %q exists in source %q already", in.Name, in.ExternalID, n.Source)}}}
	}
	if err != nil {
		return store.NHI{}, err
	}
	if _, err := audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionNHICreated, Target: "nhi:" + n.ID, Details: nhiDetails(n)}); err != nil {
		return store.NHI{}, err
	}
	_, err = s.reevaluate(ctx, tx, []string{n.ID}, now)
	return n, err
}

func nhiDetails(n store.NHI) map[string]any {
	return map[string]any{
		"name": n.Name, "kind": n.Kind, "source": n.Source, "environment": n.Environment, "owner": n.OwnerID,
		"owner_ref": n.OwnerRef, "project": n.ProjectID, "status": n.Status, "expires": n.ExpiresAt,
	}
}

// UpdateNHI applies p to the NHI id, audits the change and re-evaluates
// the NHI; check lets the caller authorize against the NHI as it is
// before anything changes (nil allows).
func (s *Service) UpdateNHI(ctx context.Context, actor, id string, p NHIPatch, check func(store.NHI) error) (store.NHI, error) {
	var out store.NHI
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		// The patch is applied to the row as it is once locked, so a
		// concurrent update of another field is never lost.
		var old store.NHI
		var err error
		if out, err = tx.UpdateNHI(ctx, id, func(cur store.NHI) (store.NHI, error) {
			old = cur
			if check != nil {
				if err := check(cur); err != nil {
					return store.NHI{}, err
				}
			}
			fe := append([]FieldError(nil), p.Invalid...)
			next := cur
			if p.Owner != nil {
				ownerID, e, err := resolvePerson(ctx, tx, "owner", *p.Owner)
				if err != nil {
					return store.NHI{}, err
				}
				if e != nil {
					fe = append(fe, *e)
				}
				if e == nil && p.NewOwnerActive {
					if e, err := activeNewOwner(ctx, tx, cur, ownerID); err != nil {
						return store.NHI{}, err
					} else if e != nil {
						fe = append(fe, *e)
					}
				}
				next.OwnerID, next.OwnerRef = ownerID, *p.Owner
			}
			if p.Project != nil {
				pid, e, err := resolveProject(ctx, tx, "project", *p.Project)
				if err != nil {
					return store.NHI{}, err
				}
				if e != nil {
					fe = append(fe, *e)
				}
				next.ProjectID = pid
			}
			if fe != nil {
				return store.NHI{}, &ValidationError{Fields: fe}
			}
			if cur.Status == store.NHIRetired {
				return store.NHI{}, fmt.Errorf("nhi %s is retired: %w", id, ErrClosed)
			}
			set(&next.OwningTeam, p.OwningTeam)
			set(&next.Environment, p.Environment)
			set(&next.Description, p.Description)
			if p.ClearExpires {
				next.ExpiresAt = nil
			} else if p.ExpiresAt != nil {
				next.ExpiresAt = p.ExpiresAt
			}
			if p.RotatedAt != nil {
				next.RotatedAt = p.RotatedAt
			}
			if p.LastUsedAt != nil {
				next.LastUsedAt = p.LastUsedAt
			}
			return next, nil
		}); err != nil {
			return err
		}
		details := map[string]any{"before": nhiDetails(old), "after": nhiDetails(out)}
		if p.Reason != "" {
			details["reason"] = p.Reason
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionNHIUpdated, Target: "nhi:" + id,
			Details: details}); err != nil {
			return err
		}
		_, err = s.reevaluate(ctx, tx, []string{id}, now)
		return err
	})
	if err != nil {
		return store.NHI{}, fmt.Errorf("nhi: update %s: %w", id, err)
	}
	return out, nil
}

// activeNewOwner checks the person ownerID may become cur's new owner
// under NHIPatch.NewOwnerActive.
func activeNewOwner(ctx context.Context, tx store.Tx, cur store.NHI, ownerID string) (*FieldError, error) {
	if ownerID == "" {
		return &FieldError{Field: "owner", Msg: "required"}, nil
	}
	p, err := tx.GetPerson(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	if p.Status != store.StatusActive {
		return &FieldError{Field: "owner", Msg: fmt.Sprintf("%s is %s; only an active person can own an identity", p.UserName, p.Status)}, nil
	}
	if cur.OwnerID == ownerID {
		return &FieldError{Field: "owner", Msg: fmt.Sprintf("%s already owns it", p.UserName)}, nil
	}
	return nil, nil
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// RetireNHI marks the NHI retired; its findings resolve and open tasks are
// cancelled in the same transaction.
func (s *Service) RetireNHI(ctx context.Context, actor, id string, check func(store.NHI) error) (store.NHI, error) {
	var out store.NHI
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		old, err := tx.GetNHI(ctx, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(old); err != nil {
				return err
			}
		}
		if out, err = tx.UpdateNHI(ctx, id, func(n store.NHI) (store.NHI, error) { n.Status = store.NHIRetired; return n, nil }); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionNHIRetired, Target: "nhi:" + id,
			Details: map[string]any{"name": old.Name, "previous_status": old.Status}}); err != nil {
			return err
		}
		_, err = s.reevaluate(ctx, tx, []string{id}, now)
		return err
	})
	if err != nil {
		return store.NHI{}, fmt.Errorf("nhi: retire %s: %w", id, err)
	}
	return out, nil
}
