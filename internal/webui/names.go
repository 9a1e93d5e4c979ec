package webui

import (
	"context"
	"strings"

	"github.com/syncd-dev/syncd/internal/catalog"
)

// names returns a memoised person-id → display name lookup for one page;
// unknown ids read "someone no longer known", never the id.
func (s *Server) names(ctx context.Context) func(string) string {
	seen := map[string]string{}
	return func(id string) string {
		if id == "" {
			return "nobody"
		}
		if n, ok := seen[id]; ok {
			return n
		}
		n := "someone no longer known"
		if p, err := s.Store.GetPerson(ctx, id); err == nil {
			n = p.Name()
		}
		seen[id] = n
		return n
	}
}

func nameList(names func(string) string, ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, names(id))
	}
	return strings.Join(out, ", ")
}

// catalogItems indexes the catalog in force by item ID (empty without
// a catalog).
func (s *Server) catalogItems() map[string]catalog.Item {
	out := map[string]catalog.Item{}
	if s.Access == nil || s.Access.Catalog() == nil {
		return out
	}
	for _, it := range s.Access.Catalog().Items {
		out[it.ID] = it
	}
	return out
}
