package source

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
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

// document is Document's shape: typed, so rendering it costs about what
// the internal form did (it runs for every record of a full read).
type document struct {
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Title       string      `json:"title,omitempty"`
	Name        *docName    `json:"name,omitempty"`
	Emails      []docEmail  `json:"emails,omitempty"`
	Active      *bool       `json:"active,omitempty"`
	Enterprise  *enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Pull        PullExtra   `json:"urn:syncd:params:pull"`
}

type docName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type docEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type enterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	CostCenter     string `json:"costCenter,omitempty"`
	Organization   string `json:"organization,omitempty"`
	Division       string `json:"division,omitempty"`
}

// Document is the representation of a pulled record kept on its link: a
// SCIM 2.0 user document of the record's attributes, so every source's
// view renders and filters as SCIM whatever the source's own format, plus
// the pull's own references under PullKey. It is deterministic (the
// runner compares documents to skip unchanged records).
func Document(r identity.Record) []byte {
	d := build(r)
	return d.encode()
}

// build is r's document.
func build(r identity.Record) document {
	a := r.Attributes
	d := document{ExternalID: r.ExternalID, UserName: a[identity.AttrUserName], DisplayName: a[identity.AttrDisplayName],
		Title: a[identity.AttrTitle], Pull: PullExtra{DN: r.DN}}
	if g, f := a[identity.AttrGivenName], a[identity.AttrFamilyName]; g != "" || f != "" {
		d.Name = &docName{GivenName: g, FamilyName: f}
	}
	if e := a[identity.AttrEmail]; e != "" {
		d.Emails = []docEmail{{Value: e, Type: "work", Primary: true}}
	}
	switch a[identity.AttrStatus] {
	case "active":
		t := true
		d.Active = &t
	case "disabled", "terminated":
		f := false
		d.Active = &f
	}
	ent := enterprise{EmployeeNumber: a[identity.AttrEmployeeNumber], Department: a[identity.AttrDepartment],
		CostCenter: a[identity.AttrCostCenter], Organization: a[identity.AttrOrganization], Division: a[identity.AttrDivision]}
	if ent != (enterprise{}) {
		d.Enterprise = &ent
	}
	if r.Manager != nil {
		m := *r.Manager
		d.Pull.Manager = &m
	}
	for k, v := range a {
		if !documented(k) {
			if d.Pull.Attributes == nil {
				d.Pull.Attributes = map[string]string{}
			}
			d.Pull.Attributes[k] = v
		}
	}
	return d
}

// encode is json.Marshal(d) (struct fields in order, empty ones omitted
// as tagged, map keys sorted), written directly: reflection was a tenth
// of a no-change full run's CPU. Strings that need escaping are left to
// json.Marshal, so the bytes are the same (TestDocumentEncodesAsJSON,
// FuzzDocumentEncodesAsJSON).
func (d *document) encode() []byte {
	w := jsonWriter{b: make([]byte, 0, 512)}
	w.open('{')
	w.str("externalId", d.ExternalID, true)
	w.str("userName", d.UserName, true)
	w.str("displayName", d.DisplayName, true)
	w.str("title", d.Title, true)
	if d.Name != nil {
		w.key("name")
		w.open('{')
		w.str("givenName", d.Name.GivenName, true)
		w.str("familyName", d.Name.FamilyName, true)
		w.close('}')
	}
	if len(d.Emails) > 0 {
		w.key("emails")
		w.open('[')
		for _, e := range d.Emails {
			w.elem()
			w.open('{')
			w.str("value", e.Value, false)
			w.str("type", e.Type, false)
			w.boolean("primary", e.Primary)
			w.close('}')
		}
		w.close(']')
	}
	if d.Active != nil {
		w.boolean("active", *d.Active)
	}
	if e := d.Enterprise; e != nil {
		w.key(EnterpriseSchema)
		w.open('{')
		w.str("employeeNumber", e.EmployeeNumber, true)
		w.str("department", e.Department, true)
		w.str("costCenter", e.CostCenter, true)
		w.str("organization", e.Organization, true)
		w.str("division", e.Division, true)
		w.close('}')
	}
	w.key(PullKey)
	w.open('{')
	w.str("dn", d.Pull.DN, true)
	if m := d.Pull.Manager; m != nil {
		w.key("manager")
		w.open('{')
		w.str("externalId", m.ExternalID, true)
		w.str("dn", m.DN, true)
		w.str("employeeNumber", m.EmployeeNumber, true)
		w.close('}')
	}
	if len(d.Pull.Attributes) > 0 {
		w.key("attributes")
		w.open('{')
		for _, k := range slices.Sorted(maps.Keys(d.Pull.Attributes)) {
			w.str(k, d.Pull.Attributes[k], false)
		}
		w.close('}')
	}
	w.close('}')
	w.close('}')
	return w.b
}

// jsonWriter appends compact JSON; first is whether the innermost open
// object or array has no member yet.
type jsonWriter struct {
	b     []byte
	first bool
}

func (w *jsonWriter) open(c byte) { w.b, w.first = append(w.b, c), true }
func (w *jsonWriter) close(c byte) {
	w.b, w.first = append(w.b, c), false
}

// elem starts an array element.
func (w *jsonWriter) elem() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
}

func (w *jsonWriter) key(k string) {
	w.elem()
	w.quote(k)
	w.b = append(w.b, ':')
}

func (w *jsonWriter) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	w.key(k)
	w.quote(v)
}

func (w *jsonWriter) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// quote appends s as a JSON string, as encoding/json does.
func (w *jsonWriter) quote(s string) { w.b = store.AppendJSONString(w.b, s) }

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
