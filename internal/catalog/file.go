package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// Duration is a duration in a catalog file: "30s", "5m", "2h" or "90d".
type Duration = strictyaml.Duration

// File is the YAML shape of a catalog file (see configs/catalog.yaml).
type File struct {
	ApproverGroups map[string][]string `yaml:"approverGroups"`
	Items          []FileItem          `yaml:"items"`
}

// FileItem is one item as written in a catalog file, and as the API
// receives it (JSON is YAML): an item means the same in both.
type FileItem struct {
	ID                    string         `yaml:"id"`
	Name                  string         `yaml:"name"`
	Description           string         `yaml:"description"`
	Kind                  string         `yaml:"kind"`
	Owner                 string         `yaml:"owner"`
	Risk                  string         `yaml:"risk"`
	Retired               bool           `yaml:"retired"`
	Target                FileTarget     `yaml:"target"`
	Eligibility           FileCondition  `yaml:"eligibility"`
	Approval              FileApproval   `yaml:"approval"`
	MaxDuration           Duration       `yaml:"maxDuration"`
	DefaultDuration       Duration       `yaml:"defaultDuration"`
	JustificationRequired bool           `yaml:"justificationRequired"`
	SoDConflicts          []string       `yaml:"sodConflicts"`
	Fulfillment           FileFulfilment `yaml:"fulfillment"`
	NHI                   FileNHI        `yaml:"nhi"`
	// Birthright: holders of these job functions get the item without a
	// request, and lose it when they no longer hold one.
	Birthright FileBirthright `yaml:"birthright"`
}

// FileBirthright names the job functions an item comes with.
type FileBirthright struct {
	JobFunctions []string `yaml:"jobFunctions"`
}

// FileTarget is the system and entitlement an item grants.
type FileTarget struct {
	System      string `yaml:"system"`
	Entitlement string `yaml:"entitlement"`
}

// FileCondition is a job-function / department / CEL condition.
type FileCondition struct {
	JobFunctions []string `yaml:"jobFunctions"`
	Departments  []string `yaml:"departments"`
	When         string   `yaml:"when"`
}

// FileApproval is an item's approval policy.
type FileApproval struct {
	AutoApprove *FileCondition `yaml:"autoApprove"`
	Stages      []FileStage    `yaml:"stages"`
}

// FileStage is one approval stage.
type FileStage struct {
	Name      string         `yaml:"name"`
	Approvers []FileApprover `yaml:"approvers"`
	Quorum    int            `yaml:"quorum"`
	Timeout   Duration       `yaml:"timeout"`
	OnTimeout string         `yaml:"onTimeout"`
	Fallback  []FileApprover `yaml:"fallback"`
}

// FileApprover names approvers; persons are references (email, employee
// number or userName).
type FileApprover struct {
	Manager   bool     `yaml:"manager"`
	ItemOwner bool     `yaml:"itemOwner"`
	Group     string   `yaml:"group"`
	Persons   []string `yaml:"persons"`
}

// FileFulfilment says how a grant is carried out.
type FileFulfilment struct {
	Type   string            `yaml:"type"`
	Params map[string]string `yaml:"params"`
}

// FileNHI holds the limits of NHI credential items.
type FileNHI struct {
	Environments       []string `yaml:"environments"`
	CredentialLifetime Duration `yaml:"credentialLifetime"`
}

// Check reports problems policy.Compile does not see: shape and enums. p
// prefixes each path ("" for none).
func (it FileItem) Check(p string) strictyaml.Errors {
	var errs strictyaml.Errors
	add := func(field, format string, args ...any) {
		if p != "" {
			field = p + "." + field
		}
		errs = append(errs, strictyaml.FieldError{Path: field, Msg: fmt.Sprintf(format, args...)})
	}
	if it.Name == "" {
		add("name", "missing")
	}
	if !slices.Contains(Kinds, it.Kind) {
		add("kind", "must be one of %s, got %q", strings.Join(Kinds, ", "), it.Kind)
	}
	if it.Fulfillment.Type != "" && !slices.Contains(FulfillmentTypes, it.Fulfillment.Type) {
		add("fulfillment.type", "must be one of %s, got %q", strings.Join(FulfillmentTypes, ", "), it.Fulfillment.Type)
	}
	// Params each fulfillment needs: ldap-group names an LDAP source with
	// write credentials and the group's DN; scim an app under
	// access.scimApps and the group's id there; webhook its url.
	required := map[string][]string{"ldap-group": {"source", "group"}, "scim": {"app", "group"}, "webhook": {"url", "secretEnv"}}
	for _, k := range required[it.Fulfillment.Type] {
		if it.Fulfillment.Params[k] == "" {
			add("fulfillment.params."+k, "missing (%s needs %s)", it.Fulfillment.Type, strings.Join(required[it.Fulfillment.Type], " and "))
		}
	}
	return errs
}

// ToItem maps the file shape onto an Item, resolving person references
// with resolve (references resolving to "" are left out).
func (it FileItem) ToItem(resolve func(string) string) Item {
	approvers := func(as []FileApprover) []policy.ApproverSpec {
		var out []policy.ApproverSpec
		for _, a := range as {
			spec := policy.ApproverSpec{Manager: a.Manager, ItemOwner: a.ItemOwner, Group: a.Group}
			for _, ref := range a.Persons {
				if id := resolve(ref); id != "" {
					spec.Persons = append(spec.Persons, id)
				}
			}
			out = append(out, spec)
		}
		return out
	}
	spec := policy.ItemSpec{
		ID: it.ID, Name: it.Name, Kind: it.Kind, Risk: it.Risk, OwnerID: resolve(it.Owner), Retired: it.Retired,
		Eligibility:           policy.Eligibility{JobFunctions: it.Eligibility.JobFunctions, Departments: it.Eligibility.Departments, When: it.Eligibility.When},
		MaxDuration:           time.Duration(it.MaxDuration),
		JustificationRequired: it.JustificationRequired,
		SoDConflicts:          it.SoDConflicts,
		Environments:          it.NHI.Environments,
		CredentialLifetime:    time.Duration(it.NHI.CredentialLifetime),
	}
	if a := it.Approval.AutoApprove; a != nil {
		spec.AutoApprove = &policy.Condition{JobFunctions: a.JobFunctions, When: a.When}
	}
	for _, st := range it.Approval.Stages {
		spec.Stages = append(spec.Stages, policy.StageSpec{
			Name: st.Name, Approvers: approvers(st.Approvers), Quorum: st.Quorum,
			Timeout: time.Duration(st.Timeout), OnTimeout: st.OnTimeout, Fallback: approvers(st.Fallback),
		})
	}
	return Item{
		ItemSpec: spec, Description: it.Description, OwnerRef: it.Owner,
		Target:          Target{System: it.Target.System, Entitlement: it.Target.Entitlement},
		DefaultDuration: time.Duration(it.DefaultDuration),
		Fulfillment:     Fulfillment{Type: it.Fulfillment.Type, Params: it.Fulfillment.Params},
		Birthright:      it.Birthright.JobFunctions,
	}
}

// DecodeItem reads def, a JSON object with the fields of a catalog file
// item, as item id. JSON is YAML, so it goes through the same strict
// decoder as the files: unknown fields and bad durations are reported
// with their path.
func DecodeItem(id string, def []byte) (FileItem, strictyaml.Errors) {
	var it FileItem
	if err := strictyaml.Decode(def, &it); err != nil {
		var es strictyaml.Errors
		if errors.As(err, &es) {
			return it, es
		}
		return it, strictyaml.Errors{{Path: "(body)", Msg: err.Error()}}
	}
	var errs strictyaml.Errors
	if it.ID != "" && it.ID != id {
		errs = append(errs, strictyaml.FieldError{Path: "id", Msg: fmt.Sprintf("must be the item id of the path %q or left out", id)})
	}
	it.ID = id
	return it, append(errs, it.Check("")...)
}
