package catalog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// Source is where the catalog comes from: its files, kept in git beside
// the configuration, and the item versions stored through the API.
type Source struct {
	// Files are the catalog files; relative paths are taken from Dir.
	Files []string
	Dir   string
}

// Load reads every catalog file and maps it onto items, resolving person
// references with resolve (nil: leave them unresolved). Problems are
// returned with their file and path.
func (s Source) Load(resolve func(ref string) string) (*Catalog, strictyaml.Errors) {
	cat := &Catalog{ApproverGroups: map[string][]string{}, UnresolvedMembers: map[string][]string{}}
	var errs strictyaml.Errors
	if resolve == nil {
		resolve = func(string) string { return "" }
	}
	for i, f := range s.Files {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.Dir, f)
		}
		where := fmt.Sprintf("catalog.files[%d]", i)
		raw, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, strictyaml.FieldError{Path: where, Msg: err.Error()})
			continue
		}
		var file File
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
			errs = append(errs, it.Check(p)...)
			cat.Items = append(cat.Items, it.ToItem(resolve))
		}
	}
	return cat, errs
}

// Effective is the catalog in force: the catalog files, each item
// overridden by its latest version stored through the API, and items
// created through the API added after them. A retired stored version
// retires the item. People resolve from st as it is now.
func (s Source) Effective(ctx context.Context, st store.Tx) (*Catalog, strictyaml.Errors) {
	resolve := PersonResolver(ctx, st)
	cat, errs := s.Load(resolve)
	if len(errs) > 0 {
		return cat, errs
	}
	vs, err := st.ListCatalogItems(ctx)
	if err != nil {
		return cat, strictyaml.Errors{{Path: "catalog_items", Msg: err.Error()}}
	}
	return cat, MergeStored(cat, vs, resolve)
}

// MergeStored applies stored item versions to cat, mapping each with the
// same ToItem a catalog file item goes through.
func MergeStored(cat *Catalog, vs []store.CatalogItemVersion, resolve func(string) string) strictyaml.Errors {
	var errs strictyaml.Errors
	for _, v := range vs {
		i := -1
		for j, it := range cat.Items {
			if it.ID == v.ItemID {
				i = j
				break
			}
		}
		if len(v.Definition) == 0 {
			// A retired item that only a catalog file defines.
			if i >= 0 && v.Retired {
				cat.Items[i].Retired = true
			}
			continue
		}
		it, ierrs := DecodeItem(v.ItemID, v.Definition)
		if len(ierrs) > 0 {
			for _, e := range ierrs {
				e.Path = fmt.Sprintf("catalog_items[%s] version %d: %s", v.ItemID, v.Version, e.Path)
				errs = append(errs, e)
			}
			continue
		}
		it.Retired = it.Retired || v.Retired
		if i >= 0 {
			cat.Items[i] = it.ToItem(resolve)
		} else {
			cat.Items = append(cat.Items, it.ToItem(resolve))
		}
	}
	return errs
}

// PersonResolver resolves a catalog's person reference by email, then
// employee number, then userName; ambiguous or unknown references resolve
// to "".
func PersonResolver(ctx context.Context, st store.Tx) func(string) string {
	return func(ref string) string {
		for _, key := range []store.MatchKey{store.MatchEmail, store.MatchEmployeeNumber, store.MatchUserName} {
			ps, err := st.FindPersons(ctx, key, ref)
			if err == nil && len(ps) == 1 {
				return ps[0].ID
			}
		}
		return ""
	}
}
