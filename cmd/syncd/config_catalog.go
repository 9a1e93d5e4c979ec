package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// CatalogConfig points at the catalog files, kept in git beside the config.
//
//	catalog:
//	  files: [catalog.yaml]   # relative to this config file
type CatalogConfig struct {
	Files []string `yaml:"files"`

	dir string // directory of the config file, set by loadConfig
}

// CatalogFile is the YAML shape of a catalog file (see configs/catalog.yaml).
type CatalogFile struct {
	ApproverGroups map[string][]string `yaml:"approverGroups"`
	Items          []CatalogItem       `yaml:"items"`
}

// CatalogItem is one item as written in a catalog file.
type CatalogItem struct {
	ID                    string            `yaml:"id"`
	Name                  string            `yaml:"name"`
	Description           string            `yaml:"description"`
	Kind                  string            `yaml:"kind"`
	Owner                 string            `yaml:"owner"`
	Risk                  string            `yaml:"risk"`
	Retired               bool              `yaml:"retired"`
	Target                CatalogTarget     `yaml:"target"`
	Eligibility           CatalogCondition  `yaml:"eligibility"`
	Approval              CatalogApproval   `yaml:"approval"`
	MaxDuration           Duration          `yaml:"maxDuration"`
	DefaultDuration       Duration          `yaml:"defaultDuration"`
	JustificationRequired bool              `yaml:"justificationRequired"`
	SoDConflicts          []string          `yaml:"sodConflicts"`
	Fulfillment           CatalogFulfilment `yaml:"fulfillment"`
	NHI                   CatalogNHI        `yaml:"nhi"`
	// Birthright: holders of these job functions get the item without a
	// request, and lose it when they no longer hold one.
	Birthright CatalogBirthright `yaml:"birthright"`
}

// CatalogBirthright names the job functions an item comes with.
type CatalogBirthright struct {
	JobFunctions []string `yaml:"jobFunctions"`
}

// CatalogTarget is the system and entitlement an item grants.
type CatalogTarget struct {
	System      string `yaml:"system"`
	Entitlement string `yaml:"entitlement"`
}

// CatalogCondition is a job-function / department / CEL condition.
type CatalogCondition struct {
	JobFunctions []string `yaml:"jobFunctions"`
	Departments  []string `yaml:"departments"`
	When         string   `yaml:"when"`
}

// CatalogApproval is an item's approval policy.
type CatalogApproval struct {
	AutoApprove *CatalogCondition `yaml:"autoApprove"`
	Stages      []CatalogStage    `yaml:"stages"`
}

// CatalogStage is one approval stage.
type CatalogStage struct {
	Name      string            `yaml:"name"`
	Approvers []CatalogApprover `yaml:"approvers"`
	Quorum    int               `yaml:"quorum"`
	Timeout   Duration          `yaml:"timeout"`
	OnTimeout string            `yaml:"onTimeout"`
	Fallback  []CatalogApprover `yaml:"fallback"`
}

// CatalogApprover names approvers; persons are references (email,
// employee number or userName).
type CatalogApprover struct {
	Manager   bool     `yaml:"manager"`
	ItemOwner bool     `yaml:"itemOwner"`
	Group     string   `yaml:"group"`
	Persons   []string `yaml:"persons"`
}

// CatalogFulfilment says how a grant is carried out.
type CatalogFulfilment struct {
	Type   string            `yaml:"type"`
	Params map[string]string `yaml:"params"`
}

// CatalogNHI holds the limits of NHI credential items.
type CatalogNHI struct {
	Environments       []string `yaml:"environments"`
	CredentialLifetime Duration `yaml:"credentialLifetime"`
}

// loadCatalog reads every catalog file and maps it onto access items,
// resolving person references with resolve (nil: leave them unresolved).
// Problems are returned with their file and path.
func (c CatalogConfig) loadCatalog(resolve func(ref string) string) (*access.Catalog, ConfigErrors) {
	cat := &access.Catalog{ApproverGroups: map[string][]string{}, UnresolvedMembers: map[string][]string{}}
	var errs ConfigErrors
	if resolve == nil {
		resolve = func(string) string { return "" }
	}
	for i, f := range c.Files {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(c.dir, f)
		}
		where := fmt.Sprintf("catalog.files[%d]", i)
		raw, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, FieldError{Path: where, Msg: err.Error()})
			continue
		}
		var file CatalogFile
		if err := strictyaml.Decode(raw, &file); err != nil {
			for _, fe := range err.(strictyaml.Errors) {
				fe.Path = f + ": " + fe.Path
				errs = append(errs, fe)
			}
			continue
		}
		for name, refs := range file.ApproverGroups {
			for _, ref := range refs {
				if id := resolve(ref); id != "" {
					cat.ApproverGroups[name] = append(cat.ApproverGroups[name], id)
				} else {
					cat.UnresolvedMembers[name] = append(cat.UnresolvedMembers[name], ref)
				}
			}
			if _, ok := cat.ApproverGroups[name]; !ok {
				cat.ApproverGroups[name] = nil
			}
		}
		for j, it := range file.Items {
			p := fmt.Sprintf("%s: items[%d]", f, j)
			errs = append(errs, it.check(p)...)
			cat.Items = append(cat.Items, it.toItem(resolve))
		}
	}
	return cat, errs
}

// check reports problems policy.Compile does not see: shape and enums.
func (it CatalogItem) check(p string) ConfigErrors {
	var errs ConfigErrors
	add := func(field, format string, args ...any) {
		if p != "" {
			field = p + "." + field
		}
		errs = append(errs, FieldError{Path: field, Msg: fmt.Sprintf(format, args...)})
	}
	if it.Name == "" {
		add("name", "missing")
	}
	if !slices.Contains(access.Kinds, it.Kind) {
		add("kind", "must be one of %s, got %q", strings.Join(access.Kinds, ", "), it.Kind)
	}
	if it.Fulfillment.Type != "" && !slices.Contains(access.FulfillmentTypes, it.Fulfillment.Type) {
		add("fulfillment.type", "must be one of %s, got %q", strings.Join(access.FulfillmentTypes, ", "), it.Fulfillment.Type)
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

func (it CatalogItem) toItem(resolve func(string) string) access.Item {
	approvers := func(as []CatalogApprover) []policy.ApproverSpec {
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
	return access.Item{
		ItemSpec: spec, Description: it.Description, OwnerRef: it.Owner,
		Target:          access.Target{System: it.Target.System, Entitlement: it.Target.Entitlement},
		DefaultDuration: time.Duration(it.DefaultDuration),
		Fulfillment:     access.Fulfillment{Type: it.Fulfillment.Type, Params: it.Fulfillment.Params},
		Birthright:      it.Birthright.JobFunctions,
	}
}

// validateCatalog loads and compiles the catalog without a store: file
// shape, enums and every CEL condition, each problem naming the item.
func (c *Config) validateCatalog() ConfigErrors {
	cat, errs := c.Catalog.loadCatalog(nil)
	if len(errs) > 0 {
		return errs
	}
	if _, perrs := policy.Compile(cat.Specs()); len(perrs) > 0 {
		for _, e := range perrs {
			errs = append(errs, FieldError{Path: "catalog", Msg: e.Error()})
		}
	}
	apps := map[string]bool{}
	for _, a := range c.Access.SCIMApps {
		apps[a.Name] = true
	}
	for _, it := range cat.Items {
		if app := it.Fulfillment.Params["app"]; it.Fulfillment.Type == "scim" && app != "" && !apps[app] {
			errs = append(errs, FieldError{Path: "catalog", Msg: fmt.Sprintf("item %q: fulfillment.params.app: %q is not in access.scimApps", it.ID, app)})
		}
		// The allow-list binds catalog files as it binds API changes.
		if u := it.Fulfillment.Params["url"]; it.Fulfillment.Type == "webhook" && u != "" {
			if err := authz.ValidateWebhookURL(c.Security.WebhookAllowList, u); err != nil {
				errs = append(errs, FieldError{Path: "catalog", Msg: fmt.Sprintf("item %q: fulfillment.params.url: %v", it.ID, err)})
			}
		}
	}
	return errs
}
