package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// Running is the catalog in force in this process: the request flow
// (access.Service) serves it and takes a rebuilt one.
type Running interface {
	Catalog() *Catalog
	SetCatalog(cat *Catalog) error
}

// Editor changes catalog items through stored versions and rebuilds the
// running catalog from the files and those versions. It owns the item
// shape, the same one catalog files use, so an item means the same in a
// file and through the API.
type Editor struct {
	Source  Source
	Store   store.Store
	Running Running
	// WebhookAllow is security.webhookAllowList: a change naming a
	// webhook destination outside it is refused at once.
	WebhookAllow []string
	// SecretSet reports whether this process has the environment
	// variable a webhook item's fulfillment.params.secretEnv names (as
	// the configuration resolves catalog files' at start-up); a change
	// naming one it lacks is refused at once. nil checks nothing.
	SecretSet func(name string) bool
	Now       func() time.Time
	Logger    *slog.Logger
}

func (e *Editor) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Editor) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Item returns item id of the running catalog, or nil.
func (e *Editor) Item(id string) *Item {
	for _, it := range e.Running.Catalog().Items {
		if it.ID == id {
			return &it
		}
	}
	return nil
}

// ParseItem reads def, a JSON object with the fields of a catalog file
// item, as item id, and checks the catalog still compiles with it in
// place of the running one. Each problem names its field.
func (e *Editor) ParseItem(ctx context.Context, id string, def []byte) (Item, strictyaml.Errors) {
	it, errs := DecodeItem(id, def)
	if len(errs) > 0 {
		return Item{}, errs
	}
	if it.Fulfillment.Type == "webhook" {
		if err := authz.ValidateWebhookURL(e.WebhookAllow, it.Fulfillment.Params["url"]); err != nil {
			return Item{}, strictyaml.Errors{{Path: "fulfillment.params.url", Msg: strings.TrimPrefix(err.Error(), "authz: ")}}
		}
		if name := it.Fulfillment.Params["secretEnv"]; e.SecretSet != nil && !e.SecretSet(name) {
			return Item{}, strictyaml.Errors{{Path: "fulfillment.params.secretEnv", Msg: fmt.Sprintf("environment variable %s is empty or unset in syncd's environment; set it on every replica (and restart) before naming it", name)}}
		}
	}
	item := it.ToItem(PersonResolver(ctx, e.Store))
	if it.Owner == "" {
		errs = append(errs, strictyaml.FieldError{Path: "owner", Msg: "missing (an email, employee number or userName)"})
	} else if item.OwnerID == "" {
		errs = append(errs, strictyaml.FieldError{Path: "owner", Msg: fmt.Sprintf("%q matches no single person", it.Owner)})
	}
	// The catalog must still compile with the item in place: risk, stage
	// shape, CEL conditions and separation-of-duties references.
	if _, perrs := policy.Compile(e.Running.Catalog().With(item).Specs()); len(perrs) > 0 {
		for _, err := range perrs {
			var se *policy.SpecError
			if errors.As(err, &se) && se.Item == id {
				errs = append(errs, strictyaml.FieldError{Path: se.Field, Msg: se.Err.Error()})
			} else {
				errs = append(errs, strictyaml.FieldError{Path: "(catalog)", Msg: err.Error()})
			}
		}
	}
	return item, errs
}

// Reload rebuilds the effective catalog (the files, overridden by the
// latest stored version of each item) and hands it to the running flow.
func (e *Editor) Reload(ctx context.Context) error {
	cat, errs := e.Source.Effective(ctx, e.Store)
	if len(errs) > 0 {
		return errs
	}
	return e.Running.SetCatalog(cat)
}

// Save writes v as the item's next version, by actor, and its audit event
// in one transaction, then reloads the catalog so the change applies at
// once. applied is false when the reload failed (the periodic reload
// retries it).
func (e *Editor) Save(ctx context.Context, actor string, v store.CatalogItemVersion) (out store.CatalogItemVersion, applied bool, err error) {
	v.Author = actor
	err = e.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = e.putVersion(ctx, tx, actor, v, nil)
		return err
	})
	if err != nil {
		return store.CatalogItemVersion{}, false, err
	}
	return out, e.reloadAfter(ctx, out), nil
}

// putVersion stores v and audits it inside tx; extra details join the
// event's.
func (e *Editor) putVersion(ctx context.Context, tx store.Tx, actor string, v store.CatalogItemVersion, extra map[string]any) (store.CatalogItemVersion, error) {
	out, err := tx.PutCatalogItem(ctx, v)
	if err != nil {
		return out, err
	}
	details := map[string]any{"item": out.ItemID, "version": out.Version, "author": out.Author, "retired": out.Retired}
	if len(out.Definition) > 0 {
		details["definition"] = json.RawMessage(out.Definition)
	}
	for k, x := range extra {
		details[k] = x
	}
	_, err = audit.Append(ctx, tx, e.now(), audit.Entry{
		Actor: actor, Action: audit.ActionCatalogItemChanged, Target: "catalog_item:" + out.ItemID, Details: details,
	})
	return out, err
}

// reloadAfter reloads the running catalog after v was committed and
// reports whether it applied.
func (e *Editor) reloadAfter(ctx context.Context, v store.CatalogItemVersion) bool {
	if err := e.Reload(ctx); err != nil {
		e.logger().Error("catalog: reload after change", "item", v.ItemID, "version", v.Version, "err", err)
		return false
	}
	return true
}

// Static is a Running catalog outside the request flow (the command
// line): it holds the catalog it was given or last rebuilt.
type Static struct {
	mu  sync.Mutex
	Cat *Catalog
}

// Catalog implements Running.
func (s *Static) Catalog() *Catalog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Cat
}

// SetCatalog implements Running.
func (s *Static) SetCatalog(cat *Catalog) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Cat = cat
	return nil
}
