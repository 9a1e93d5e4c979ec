package scim

import (
	"strings"

	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Schema URNs.
const (
	UserSchema       = schema.UserSchema
	GroupSchema      = schema.GroupSchema
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// SyncdSchema is syncd's read-only extension: the person's status and
	// current job functions.
	SyncdSchema = "urn:syncd:params:scim:schemas:extension:syncd:2.0:User"
	listSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
	patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

func init() {
	// Entra sends booleans as the strings "True" and "False" (and numbers as
	// strings in some mappings); the library converts them when this is on.
	schema.SetAllowStringValues(true)
}

// userSchema is the core User schema without what Entra's validator
// rejects or syncd never keeps: password (write-only, never stored) and
// emails.display.
func userSchema() schema.Schema {
	s := schema.CoreUserSchema()
	var attrs []schema.CoreAttribute
	for _, a := range s.Attributes {
		switch a.Name() {
		case "password":
			continue
		case "emails":
			a = schema.ComplexCoreAttribute(schema.ComplexParams{
				Description: optional.NewString("Email addresses for the user."),
				MultiValued: true,
				Name:        "emails",
				SubAttributes: []schema.SimpleParams{
					schema.SimpleStringParams(schema.StringParams{Name: "value", Description: optional.NewString("Email address.")}),
					schema.SimpleStringParams(schema.StringParams{Name: "type", CanonicalValues: []string{"work", "home", "other"},
						Description: optional.NewString("work, home or other.")}),
					schema.SimpleBooleanParams(schema.BooleanParams{Name: "primary", Description: optional.NewString("The primary address.")}),
				},
			})
		}
		attrs = append(attrs, a)
	}
	s.Attributes = attrs
	return s
}

// syncdSchema describes the read-only syncd extension.
func syncdSchema() schema.Schema {
	return schema.Schema{
		ID:          SyncdSchema,
		Name:        optional.NewString("SyncdUser"),
		Description: optional.NewString("Read-only syncd view of the person: lifecycle status and current job functions."),
		Attributes: []schema.CoreAttribute{
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
				Name: "status", Mutability: schema.AttributeMutabilityReadOnly(),
				CanonicalValues: []string{"active", "disabled", "terminated"},
				Description:     optional.NewString("Lifecycle status after source precedence."),
			})),
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
				Name: "jobFunctions", MultiValued: true, Mutability: schema.AttributeMutabilityReadOnly(),
				Description: optional.NewString("Job functions the person holds now."),
			})),
		},
	}
}

// attrInfo is what the server needs to know of one attribute.
type attrInfo struct {
	name      string // canonical spelling
	multi     bool
	caseExact bool
	typ       string
	readOnly  bool
	sub       map[string]attrInfo // lower-cased sub-attribute name → info
}

// schemaIndex looks attributes up case-insensitively: core attributes by
// name, extension attributes by URN then name.
type schemaIndex struct {
	core map[string]attrInfo
	ext  map[string]map[string]attrInfo // lower-cased URN → attributes
	urns map[string]string              // lower-cased URN → canonical URN
}

func newSchemaIndex(core schema.Schema, exts ...schema.Schema) schemaIndex {
	idx := schemaIndex{core: infos(core.Attributes), ext: map[string]map[string]attrInfo{}, urns: map[string]string{}}
	for _, a := range schema.CommonAttributes() {
		idx.core[strings.ToLower(a.Name())] = info(a)
	}
	for _, e := range exts {
		idx.ext[strings.ToLower(e.ID)] = infos(e.Attributes)
		idx.urns[strings.ToLower(e.ID)] = e.ID
	}
	return idx
}

func infos(as schema.Attributes) map[string]attrInfo {
	m := make(map[string]attrInfo, len(as))
	for _, a := range as {
		m[strings.ToLower(a.Name())] = info(a)
	}
	return m
}

func info(a schema.CoreAttribute) attrInfo {
	in := attrInfo{name: a.Name(), multi: a.MultiValued(), caseExact: a.CaseExact(), typ: a.AttributeType(),
		readOnly: a.Mutability() == "readOnly"}
	if a.HasSubAttributes() {
		in.sub = infos(a.SubAttributes())
	}
	return in
}

// lookup finds attribute name in the core schema or, with a URN, in that
// extension; ok is false when unknown.
func (idx schemaIndex) lookup(urn, name string) (attrInfo, string, bool) {
	if urn == "" {
		a, ok := idx.core[strings.ToLower(name)]
		return a, "", ok
	}
	ext, ok := idx.ext[strings.ToLower(urn)]
	if !ok {
		return attrInfo{}, "", false
	}
	a, ok := ext[strings.ToLower(name)]
	return a, idx.urns[strings.ToLower(urn)], ok
}

// splitURN splits "urn:...:User:employeeNumber" into the extension URN it
// starts with and the rest; urn is "" when no known extension prefixes s.
func (idx schemaIndex) splitURN(s string) (urn, rest string) {
	ls := strings.ToLower(s)
	for lu, canon := range idx.urns {
		if strings.HasPrefix(ls, lu+":") {
			return canon, s[len(lu)+1:]
		}
		if ls == lu {
			return canon, ""
		}
	}
	return "", s
}

func schemaEnterprise() schema.Schema { return schema.ExtensionEnterpriseUser() }

func groupSchema() schema.Schema { return schema.CoreGroupSchema() }
