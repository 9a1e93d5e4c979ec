package source

import (
	"encoding/json"
	"maps"

	"github.com/syncd-dev/syncd/internal/identity"
)

// SCIM schema URNs of a pulled record's document (RFC 7643 sections 4.1
// and 4.3), and the key under which the document keeps what only the pull
// needs (the DN, the manager as the source named it, attributes outside
// the SCIM core and enterprise schemas). Views strip that key.
const (
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	PullKey          = "urn:syncd:params:pull"
)

// PullExtra is what a document keeps under PullKey.
type PullExtra struct {
	DN         string               `json:"dn,omitempty"`
	Manager    *identity.ManagerRef `json:"manager,omitempty"`
	Attributes map[string]string    `json:"attributes,omitempty"`
}

// enterpriseAttrs are the canonical attributes of the enterprise extension.
var enterpriseAttrs = []string{identity.AttrEmployeeNumber, identity.AttrDepartment, identity.AttrCostCenter,
	identity.AttrOrganization, identity.AttrDivision}

// Document is the representation of a pulled record kept on its link: a
// SCIM 2.0 user document of the record's attributes, so every source's
// view renders and filters as SCIM whatever the source's own format, plus
// the pull's own references under PullKey. It is deterministic (the
// runner compares documents to skip unchanged records).
func Document(r identity.Record) []byte {
	doc := map[string]any{}
	a := r.Attributes
	if r.ExternalID != "" {
		doc["externalId"] = r.ExternalID
	}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(doc, "userName", a[identity.AttrUserName])
	set(doc, "displayName", a[identity.AttrDisplayName])
	set(doc, "title", a[identity.AttrTitle])
	name := map[string]any{}
	set(name, "givenName", a[identity.AttrGivenName])
	set(name, "familyName", a[identity.AttrFamilyName])
	if len(name) > 0 {
		doc["name"] = name
	}
	if e := a[identity.AttrEmail]; e != "" {
		doc["emails"] = []any{map[string]any{"value": e, "type": "work", "primary": true}}
	}
	switch a[identity.AttrStatus] {
	case "active":
		doc["active"] = true
	case "disabled", "terminated":
		doc["active"] = false
	}
	ent := map[string]any{}
	for _, k := range enterpriseAttrs {
		set(ent, k, a[k])
	}
	if len(ent) > 0 {
		doc[EnterpriseSchema] = ent
	}
	extra := PullExtra{DN: r.DN}
	if r.Manager != nil {
		m := *r.Manager
		extra.Manager = &m
	}
	for k, v := range a {
		if !documented(k) {
			if extra.Attributes == nil {
				extra.Attributes = map[string]string{}
			}
			extra.Attributes[k] = v
		}
	}
	doc[PullKey] = extra
	b, _ := json.Marshal(doc) // maps marshal with sorted keys
	return b
}

func documented(k string) bool {
	switch k {
	case identity.AttrUserName, identity.AttrDisplayName, identity.AttrTitle, identity.AttrGivenName,
		identity.AttrFamilyName, identity.AttrEmail, identity.AttrStatus:
		return true
	}
	for _, e := range enterpriseAttrs {
		if e == k {
			return true
		}
	}
	return false
}

// LegacyDocument converts the representation links of pulled sources kept
// before Document ({"a": attributes, "m": manager, "d": DN}) into a
// Document; ok is false when raw is not of that form. Links are rewritten
// in the new form by the next full run.
func LegacyDocument(raw []byte, externalID string) ([]byte, bool) {
	var old struct {
		A map[string]string    `json:"a"`
		M *identity.ManagerRef `json:"m"`
		D string               `json:"d"`
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil || probe["a"] == nil || probe["userName"] != nil {
		return nil, false
	}
	if json.Unmarshal(raw, &old) != nil {
		return nil, false
	}
	return Document(identity.Record{ExternalID: externalID, Attributes: maps.Clone(old.A), Manager: old.M, DN: old.D}), true
}
