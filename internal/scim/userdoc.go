package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	lib "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// cleanDoc is the document kept for a pushed resource: what the IdP sent,
// normalised by schema validation, without what syncd computes (id, meta,
// schemas, groups, the syncd extension) and never with a password.
func cleanDoc(attrs map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(attrs)
	if err != nil {
		return nil, invalidValue("unencodable value: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		return nil, invalidSyntax("the resource must be an object")
	}
	for k := range doc {
		switch strings.ToLower(k) {
		case "id", "meta", "schemas", "groups", "password", strings.ToLower(SyncdSchema):
			delete(doc, k)
		}
	}
	if ext, ok := doc[EnterpriseSchema].(map[string]any); ok && len(ext) == 0 {
		delete(doc, EnterpriseSchema)
	}
	return doc, nil
}

func str(m map[string]any, k string) string {
	s, _ := getFold(m, k).(string)
	return s
}

// primaryEmail picks the address to correlate on: the primary one, else
// the work one, else the first.
func primaryEmail(doc map[string]any) string {
	list := asSlice(getFold(doc, "emails"))
	pick := ""
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		v := str(m, "value")
		if p, _ := getFold(m, "primary").(bool); p && v != "" {
			return v
		}
		if strings.EqualFold(str(m, "type"), "work") && v != "" && pick == "" {
			pick = v
		}
	}
	if pick != "" {
		return pick
	}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && str(m, "value") != "" {
			return str(m, "value")
		}
	}
	return ""
}

// recordFromDoc maps a user document onto the identity record this source
// asserts. Only attributes present are asserted.
func (s *Server) recordFromDoc(ctx context.Context, tx store.Tx, source, externalID string, doc map[string]any) (identity.Record, error) {
	rec, manager, err := recordOf(externalID, doc)
	if err != nil {
		return identity.Record{}, err
	}
	return withManager(ctx, tx, source, rec, manager)
}

// withManager resolves the manager's SCIM id (recordOf's manager, "" for
// none) into rec's reference, in the writing transaction.
func withManager(ctx context.Context, tx store.Tx, source string, rec identity.Record, manager string) (identity.Record, error) {
	if manager == "" {
		return rec, nil
	}
	ref, err := managerRef(ctx, tx, source, manager)
	if err != nil {
		return identity.Record{}, err
	}
	rec.Manager = &ref
	return rec, nil
}

// recordOf is recordFromDoc without the database: the record, and the
// manager's SCIM id when the document names one (withManager resolves
// it). A create computes it before its transaction, so the document is
// not encoded in SQLite's single writer.
func recordOf(externalID string, doc map[string]any) (identity.Record, string, error) {
	userName := str(doc, "userName")
	if strings.TrimSpace(userName) == "" {
		return identity.Record{}, "", invalidValue("userName is required and must be a non-empty string")
	}
	attrs := map[string]string{identity.AttrUserName: userName}
	if e := primaryEmail(doc); e != "" {
		attrs[identity.AttrEmail] = e
	}
	if name, ok := getFold(doc, "name").(map[string]any); ok {
		if v := str(name, "givenName"); v != "" {
			attrs[identity.AttrGivenName] = v
		}
		if v := str(name, "familyName"); v != "" {
			attrs[identity.AttrFamilyName] = v
		}
	}
	for _, a := range []string{"displayName", "title"} {
		if v := str(doc, a); v != "" {
			attrs[a] = v
		}
	}
	if v, ok := getFold(doc, "active").(bool); ok {
		attrs[identity.AttrStatus] = string(store.StatusActive)
		if !v {
			attrs[identity.AttrStatus] = string(store.StatusDisabled)
		}
	}
	rec := identity.Record{ExternalID: externalID, Attributes: attrs}
	manager := ""
	if ext, ok := doc[EnterpriseSchema].(map[string]any); ok {
		for _, a := range []string{"employeeNumber", "costCenter", "organization", "division", "department"} {
			if v := str(ext, a); v != "" {
				attrs[a] = v
			}
		}
		rec.Manager = &identity.ManagerRef{}
		if m, ok := getFold(ext, "manager").(map[string]any); ok {
			manager = str(m, "value")
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return identity.Record{}, "", invalidValue("unencodable value: %v", err)
	}
	rec.Raw = raw
	return rec, manager, nil
}

// managerRef turns a manager's SCIM id (a person id) into the reference
// identity resolves: the manager's link in this source, else their
// employee number; an id syncd does not know stays a dangling reference
// that resolves if a link with that key appears.
func managerRef(ctx context.Context, tx store.Tx, source, id string) (identity.ManagerRef, error) {
	ext, ok, err := tx.GetSourceExternalIDOf(ctx, source, id)
	if err != nil {
		return identity.ManagerRef{}, err
	}
	if ok {
		return identity.ManagerRef{ExternalID: ext}, nil
	}
	p, err := tx.GetPerson(ctx, id)
	switch {
	case err == nil && p.EmployeeNumber != "":
		return identity.ManagerRef{EmployeeNumber: p.EmployeeNumber}, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return identity.ManagerRef{}, err
	}
	return identity.ManagerRef{ExternalID: id}, nil
}

// personLink returns this source's link of a person, if the person is in
// the source's view.
func (s *Server) personLink(ctx context.Context, source, id string) (store.SourceLink, bool, error) {
	return personLinkIn(ctx, s.Store, source, id)
}

// personLinkIn is personLink inside a transaction.
func personLinkIn(ctx context.Context, tx store.Tx, source, id string) (store.SourceLink, bool, error) {
	links, err := tx.ListSourceLinks(ctx, id)
	if err != nil {
		return store.SourceLink{}, false, err
	}
	for _, l := range links {
		if l.Source == source && len(l.Raw) > 0 {
			return l, true, nil
		}
	}
	return store.SourceLink{}, false, nil
}

// decodeDoc reads a stored document.
func decodeDoc(raw []byte) (map[string]any, error) {
	var doc map[string]any
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode stored document: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// personResource is what GET returns for a person: the document this
// source pushed, its groups in this source, and the syncd extension.
func (s *Server) personResource(ctx context.Context, source string, it store.ViewItem, withGroups bool, pre *listPrefetch) (lib.Resource, error) {
	doc, pulled, managed, err := viewDoc(it.Raw, it.ExternalID)
	if err != nil {
		return lib.Resource{}, err
	}
	// The link's version, from a single read or a list row alike.
	res := lib.Resource{ID: it.ID, Meta: lib.Meta{Created: &it.CreatedAt, LastModified: &it.UpdatedAt, Version: etag(it.Version)}}
	if ext, ok := doc["externalId"].(string); ok {
		res.ExternalID = optional.NewString(ext)
	}
	delete(doc, "externalId")
	p, ok := pre.person(it.ID)
	if !ok {
		if p, err = s.Store.GetPerson(ctx, it.ID); err != nil {
			return lib.Resource{}, err
		}
	}
	names, ok := pre.jobFunctionsOf(it.ID)
	if !ok {
		jfs, err := s.Store.ListJobFunctions(ctx, it.ID, false)
		if err != nil {
			return lib.Resource{}, err
		}
		names = []string{}
		for _, j := range jfs {
			names = append(names, j.JobFunction)
		}
	}
	// []any, as a decoded document holds it: shape's projection treats
	// the values alike whether the response went through the library's
	// encoding or not.
	jobFunctions := make([]any, len(names))
	for i, n := range names {
		jobFunctions[i] = n
	}
	doc[SyncdSchema] = map[string]any{"status": string(p.Status), "jobFunctions": jobFunctions}
	if pulled && managed && p.ManagerID != "" {
		// The pulled source named the manager in its own terms (a DN, its
		// own id); the view names them by their SCIM id (RFC 7643 4.3).
		ext, _ := doc[EnterpriseSchema].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			doc[EnterpriseSchema] = ext
		}
		ext["manager"] = map[string]any{"value": p.ManagerID, "$ref": s.cfg.BaseURL + "/Users/" + p.ManagerID}
	}
	if withGroups {
		gs, ok := pre.groupsOf(it.ID)
		if !ok {
			if gs, err = s.Store.ListPersonGroups(ctx, it.ID, source); err != nil {
				return lib.Resource{}, err
			}
		}
		groups := []any{}
		for _, g := range gs {
			groups = append(groups, map[string]any{"value": g.ID, "display": g.DisplayName,
				"$ref": s.cfg.BaseURL + "/Groups/" + g.ID, "type": "direct"})
		}
		doc["groups"] = groups
	}
	res.Attributes = doc
	return withPreciseMeta(res), nil
}
