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

func (d directoryWriters) groupWriters() map[string]access.GroupWriter {
	out := make(map[string]access.GroupWriter, len(d))
	for name, w := range d {
		out[name] = w
	}
	return out
}

func (d directoryWriters) nhiDisablers() map[string]nhi.Disabler {
	out := make(map[string]nhi.Disabler, len(d))
	for name, w := range d {
		out[name] = w
	}
	return out
}

func (d directoryWriters) ownerWriters() map[string]nhi.OwnerWriter {
	out := make(map[string]nhi.OwnerWriter, len(d))
	for name, w := range d {
		out[name] = w
	}
	return out
}

func (d directoryWriters) reviewDisablers() map[string]review.NHIDisabler {
	out := make(map[string]review.NHIDisabler, len(d))
	for name, w := range d {
		out[name] = w
	}
	return out
}

// accessFulfillers are the fulfillers of the request flow, the same in
// serve and in the commands that revoke outside it (campaign close, demo):
// ldap-group through dirs, issued credentials sealed with creds (nil: a
// key of this process only), webhooks only to allowed destinations
// (checked again at every send, on redirects and on the resolved address)
// and signed with the secrets resolved at config load.
func (c *Config) accessFulfillers(st store.Store, dirs directoryWriters, creds *access.CredentialCipher, logger *slog.Logger) map[string]access.Fulfiller {
	guard := c.Security.webhookGuard()
	return map[string]access.Fulfiller{
		"ldap-group":      &access.LDAPGroup{Store: st, Writers: dirs.groupWriters()},
		"manual":          access.Manual{},
		"service-account": access.ServiceAccount{Store: st, Now: time.Now},
		"scim":            c.Access.scimFulfiller(logger),
		"api-key":         &access.APIKey{Store: st, Now: time.Now, Cipher: creds},
		"webhook":         &access.Webhook{Check: guard.Check, Client: guard.Client(10 * time.Second), SecretFor: c.Access.webhookSecret},
	}
}

// webhookSecret is the signing secret of a webhook item: the environment
// variable its fulfillment.params.secretEnv names (never the catalog file
// itself), as resolved when the configuration was loaded. A variable first
// named by a catalog version stored after start-up is read when used.
func (a AccessConfig) webhookSecret(it catalog.Item) []byte {
	name := it.Fulfillment.Params["secretEnv"]
	if name == "" {
		return nil
	}
	if s, ok := a.webhookSecrets[name]; ok {
		return s
	}
	return []byte(os.Getenv(name))
}
