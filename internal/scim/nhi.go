package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	lib "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// nonHuman applies the configured rule to a pushed user.
func (s *Server) nonHuman(doc map[string]any) bool {
	rule := s.cfg.NonHuman
	ut := str(doc, "userType")
	for _, t := range rule.UserTypes {
		if ut != "" && strings.EqualFold(ut, t) {
			return true
		}
	}
	un := strings.ToLower(str(doc, "userName"))
	for _, p := range rule.UserNamePrefixes {
		if p != "" && strings.HasPrefix(un, strings.ToLower(p)) {
			return true
		}
	}
	if rule.Attribute != "" {
		urn, rest := s.users.splitURN(rule.Attribute)
		c := doc
		if urn != "" {
			c, _ = doc[urn].(map[string]any)
		}
		switch v := getFold(c, rest).(type) {
		case bool:
			return v
		case string:
			return strings.EqualFold(v, "true")
		}
	}
	return false
}

// nhiItem returns the view item of an NHI the source pushed.
func (s *Server) nhiItem(ctx context.Context, source, id string) (store.ViewItem, bool, error) {
	d, err := s.Store.GetNHIDoc(ctx, id)
	if isNotFound(err) {
		return store.ViewItem{}, false, nil
	}
	if err != nil {
		return store.ViewItem{}, false, err
	}
	if d.Source != source {
		return store.ViewItem{}, false, nil
	}
	n, err := s.Store.GetNHI(ctx, id)
	if err != nil {
		return store.ViewItem{}, false, err
	}
	if n.Status == store.NHIRetired {
		return store.ViewItem{}, false, nil
	}
	return store.ViewItem{Kind: store.ViewNHI, ID: id, ExternalID: n.ExternalID, Raw: d.Raw, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ETag: nhiETag(n)}, true, nil
}

func (s *Server) nhiResource(ctx context.Context, it store.ViewItem) (lib.Resource, error) {
	doc, err := decodeDoc(it.Raw)
	if err != nil {
		return lib.Resource{}, err
	}
	n, err := s.Store.GetNHI(ctx, it.ID)
	if err != nil {
		return lib.Resource{}, err
	}
	// The NHI's version, computed from the row read here, so list rows
	// (which carry none) show the same version as a single GET.
	res := lib.Resource{ID: it.ID, Meta: lib.Meta{Created: &it.CreatedAt, LastModified: &it.UpdatedAt, Version: nhiETag(n)}}
	if ext, ok := doc["externalId"].(string); ok {
		res.ExternalID = optional.NewString(ext)
	}
	delete(doc, "externalId")
	doc["groups"] = []any{}
	doc[SyncdSchema] = map[string]any{"status": string(n.Status), "jobFunctions": []any{}, "kind": string(n.Kind)}
	res.Attributes = doc
	return withPreciseMeta(res), nil
}

// applyNHIDoc sets the NHI fields a pushed document decides.
func applyNHIDoc(ctx context.Context, tx store.Tx, n store.NHI, doc map[string]any) (store.NHI, error) {
	n.Name = str(doc, "userName")
	n.Description = str(doc, "displayName")
	if v, ok := getFold(doc, "externalId").(string); ok {
		n.ExternalID = v
	}
	n.Status = store.NHIActive
	if v, ok := getFold(doc, "active").(bool); ok && !v {
		n.Status = store.NHIDisabled
	}
	n.OwnerID, n.OwnerRef = "", ""
	if ext, ok := doc[EnterpriseSchema].(map[string]any); ok {
		if m, ok := getFold(ext, "manager").(map[string]any); ok {
			if v := str(m, "value"); v != "" {
				_, err := tx.GetPerson(ctx, v)
				switch {
				case err == nil:
					n.OwnerID = v
				case isNotFound(err):
					n.OwnerRef = v // dangling owner: recorded, never dropped
				default:
					return store.NHI{}, err
				}
			}
		}
	}
	return n, nil
}

func (s *Server) createNHI(ctx context.Context, rq *request, doc map[string]any) (store.ViewItem, error) {
	raw, _ := json.Marshal(doc) // decoded from JSON: always encodes
	var (
		out store.NHI
		old string
	)
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := claimName(ctx, tx, rq.source, doc, ""); err != nil {
			return err
		}
		n, err := applyNHIDoc(ctx, tx, store.NHI{Kind: store.KindServiceAccount, Source: rq.source}, doc)
		if err != nil {
			return err
		}
		// A service account the source deleted (retired) and now pushes
		// again comes back as the same NHI, keeping its history.
		old, err = retiredNamed(ctx, tx, rq.source, n.Name)
		if err != nil {
			return err
		}
		return s.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
			// What the document decides, which is what the details name.
			details := map[string]any{"source": rq.source, "kind": n.Kind, "name": n.Name, "ownerId": n.OwnerID, "ownerRef": n.OwnerRef, "status": n.Status, "revived": old != ""}
			var err error
			if old != "" {
				out, err = w.Revive(ctx, rq.actor, old, func(cur store.NHI) (store.NHI, error) {
					n.ID, n.CreatedAt, n.UpdatedAt = cur.ID, cur.CreatedAt, w.Now()
					n.ProjectID, n.Environment, n.OwningTeam, n.CoOwnerIDs = cur.ProjectID, cur.Environment, cur.OwningTeam, cur.CoOwnerIDs
					return n, nil
				}, details)
			} else {
				out, err = w.Create(ctx, rq.actor, n, details)
			}
			if err != nil {
				return err
			}
			_, err = tx.PutNHIDoc(ctx, store.NHIDoc{NHIID: out.ID, Source: rq.source, Raw: raw})
			return err
		})
	})
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "create non-human user", err)
	}
	it, _, err := s.nhiItem(ctx, rq.source, out.ID)
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "read non-human user", err)
	}
	return it, nil
}

// updateNHI is the read-modify-write of a non-human user: the NHI row is
// locked and its document read and replaced in one transaction.
func (s *Server) updateNHI(r *http.Request, rq *request, id string, compute func(cur map[string]any) (map[string]any, error)) (store.ViewItem, error) {
	ctx := r.Context()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		return s.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
			var raw []byte
			_, err := w.Update(ctx, rq.actor, id, func(cur store.NHI) (store.NHI, error) {
				d, err := lockedNHIDoc(ctx, r, tx, rq.source, cur)
				if err != nil {
					return store.NHI{}, err
				}
				doc, err := decodeDoc(d.Raw)
				if err != nil {
					return store.NHI{}, err
				}
				if doc, err = compute(doc); err != nil {
					return store.NHI{}, err
				}
				if err := checkDoc(doc); err != nil {
					return store.NHI{}, err
				}
				if err := claimName(ctx, tx, rq.source, doc, id); err != nil {
					return store.NHI{}, err
				}
				raw, _ = json.Marshal(doc) // decoded from JSON: always encodes
				next, err := applyNHIDoc(ctx, tx, cur, doc)
				next.UpdatedAt = w.Now()
				return next, err
			}, func(before, n store.NHI) any {
				return map[string]any{"source": rq.source, "name": map[string]string{"old": before.Name, "new": n.Name},
					"status":  map[string]string{"old": string(before.Status), "new": string(n.Status)},
					"ownerId": n.OwnerID, "ownerRef": n.OwnerRef}
			})
			if err != nil {
				return err
			}
			_, err = tx.PutNHIDoc(ctx, store.NHIDoc{NHIID: id, Source: rq.source, Raw: raw})
			return err
		})
	})
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "update non-human user", err)
	}
	it, _, err := s.nhiItem(ctx, rq.source, id)
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "read non-human user", err)
	}
	return it, nil
}

// lockedNHIDoc returns the document of n (whose row the caller holds
// locked) when n is in source's view, checking If-Match against it.
func lockedNHIDoc(ctx context.Context, r *http.Request, tx store.Tx, source string, n store.NHI) (store.NHIDoc, error) {
	d, err := tx.GetNHIDoc(ctx, n.ID)
	if isNotFound(err) || err == nil && (d.Source != source || n.Status == store.NHIRetired) {
		return store.NHIDoc{}, notFound("User", n.ID)
	}
	if err != nil {
		return store.NHIDoc{}, err
	}
	if err := checkIfMatch(r, nhiETag(n)); err != nil {
		return store.NHIDoc{}, err
	}
	return d, nil
}

// nhiETag is the version of a pushed NHI: its last update, which every
// SCIM write of it sets.
func nhiETag(n store.NHI) string {
	return fmt.Sprintf(`W/"n%d"`, n.UpdatedAt.UnixMicro())
}

// retireNHI is a SCIM DELETE of a non-human user: the NHI is retired (its
// history stays) and leaves the source's view.
func (s *Server) retireNHI(r *http.Request, rq *request, id string) error {
	ctx := r.Context()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		return s.nhis().Write(ctx, tx, func(w *nhi.Writes) error {
			if _, err := w.Retire(ctx, rq.actor, id, func(cur store.NHI) error {
				_, err := lockedNHIDoc(ctx, r, tx, rq.source, cur)
				return err
			}, map[string]any{"source": rq.source, "cause": "deleted by the SCIM source"}); err != nil {
				return err
			}
			return tx.DeleteNHIDoc(ctx, id)
		})
	})
	if err != nil {
		return s.fail(ctx, rq, "retire non-human user", err)
	}
	return nil
}

// retiredNamed returns the id of source's retired NHI called name, or "".
func retiredNamed(ctx context.Context, tx store.Tx, source, name string) (string, error) {
	list, err := tx.ListNHIs(ctx, store.NHIQuery{Source: source, Status: store.NHIRetired, Text: name, Limit: 100})
	if err != nil {
		return "", err
	}
	for _, n := range list {
		if n.Name == name {
			return n.ID, nil
		}
	}
	return "", nil
}

// nhis is the NHI service every write of a pushed non-human user goes
// through (audited, its findings re-evaluated); one with the default
// rules when none is wired.
func (s *Server) nhis() *nhi.Service {
	if s.NHI != nil {
		return s.NHI
	}
	return &nhi.Service{Store: s.Store, Now: s.Now}
}
