package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// directoryWriters is the one LDAP writer of each source with write
// credentials, opened once per process and shared by access fulfillment
// (ldap-group), NHI remediation (disable, owner write-back) and campaign
// revocations. Each connects on first use.
type directoryWriters map[string]*ldap.GroupWriter

// openDirectoryWriters opens the writers of every LDAP source with write
// credentials; Close releases them.
func (c *Config) openDirectoryWriters() (directoryWriters, error) {
	dirs := directoryWriters{}
	for _, src := range c.Sources {
		w, err := src.groupWriter()
		if err != nil {
			dirs.Close()
			return nil, err
		}
		if w != nil {
			dirs[src.Name] = w
		}
	}
	return dirs, nil
}

// Close closes every writer.
func (d directoryWriters) Close() {
	for _, w := range d {
		w.Close()
	}
}

// writersAs is d with each writer seen as the interface T a consumer
// holds (access.GroupWriter, nhi.Disabler, ...).
func writersAs[T any](d directoryWriters, as func(*ldap.GroupWriter) T) map[string]T {
	out := make(map[string]T, len(d))
	for name, w := range d {
		out[name] = as(w)
	}
	return out
}

func (d directoryWriters) groupWriters() map[string]access.GroupWriter {
	return writersAs(d, func(w *ldap.GroupWriter) access.GroupWriter { return w })
}

func (d directoryWriters) nhiDisablers() map[string]nhi.Disabler {
	return writersAs(d, func(w *ldap.GroupWriter) nhi.Disabler { return w })
}

func (d directoryWriters) ownerWriters() map[string]nhi.OwnerWriter {
	return writersAs(d, func(w *ldap.GroupWriter) nhi.OwnerWriter { return w })
}

func (d directoryWriters) reviewDisablers() map[string]review.NHIDisabler {
	return writersAs(d, func(w *ldap.GroupWriter) review.NHIDisabler { return w })
}

// accessFulfillers are the fulfillers of the request flow, the same in
// serve and in the commands that revoke outside it (campaign close, demo):
// ldap-group through dirs, issued credentials sealed with creds (nil: a
// key of this process only), webhooks only to allowed destinations
// (checked again at every send, on redirects and on the resolved address)
// and signed with the secrets resolved at config load.
func (c *Config) accessFulfillers(st store.Store, dirs directoryWriters, creds *access.CredentialCipher, logger *slog.Logger) map[string]access.Fulfiller {
	guard := c.Security.webhookGuard()
	nhis := c.nhiService(st, logger)
	return map[string]access.Fulfiller{
		"ldap-group":      &access.LDAPGroup{Store: st, Writers: dirs.groupWriters()},
		"manual":          access.Manual{},
		"service-account": access.ServiceAccount{Store: st, Now: time.Now, NHI: nhis},
		"scim":            c.Access.scimFulfiller(logger),
		"api-key":         &access.APIKey{Store: st, Now: time.Now, Cipher: creds, NHI: nhis},
		"webhook":         &access.Webhook{Check: guard.Check, Client: guard.Client(10 * time.Second), SecretFor: c.Access.webhookSecret},
	}
}

// webhookSecret is the signing secret of a webhook item: the environment
// variable its fulfillment.params.secretEnv names (never the catalog file
// itself), as resolved when the configuration was loaded. A variable first
// named by a catalog version stored after start-up was checked when the
// version was stored (catalog.Editor.SecretSet) and is read when used.
func (a AccessConfig) webhookSecret(it catalog.Item) []byte {
	return a.webhookSecretNamed(it.Fulfillment.Params["secretEnv"])
}

func (a AccessConfig) webhookSecretNamed(name string) []byte {
	if name == "" {
		return nil
	}
	if s, ok := a.webhookSecrets[name]; ok {
		return s
	}
	if a.getenv == nil {
		return []byte(os.Getenv(name))
	}
	return []byte(a.getenv(name))
}

// webhookSecretSet is catalog.Editor.SecretSet.
func (a AccessConfig) webhookSecretSet(name string) bool { return len(a.webhookSecretNamed(name)) > 0 }
