package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// NHIConfig drives orphan detection for non-human identities. Thresholds
// are tried in order; the first whose kind and environment match an NHI
// applies (an empty kind or environment matches any), so put specific
// entries first. A 0 (or absent) day count switches that rule off for the
// matching NHIs.
//
//	nhi:
//	  schedule: 1h            # evaluate on this interval in serve (and after each sync)
//	  thresholds:
//	    - kind: api-key
//	      environment: prod
//	      rotateAfterDays: 90
//	      unusedAfterDays: 30
//	    - rotateAfterDays: 365
//	      unusedAfterDays: 90
//	  remediation:
//	    deadlineDays: 14
//	    fallbackTeam: platform-security
//	    defaultAction: flag-for-disablement   # or: disable
type NHIConfig struct {
	Schedule    Duration       `yaml:"schedule"`
	Thresholds  []NHIThreshold `yaml:"thresholds"`
	Remediation NHIRemediation `yaml:"remediation"`
}

// NHIThreshold is one rotation / non-use policy entry.
type NHIThreshold struct {
	Kind            string `yaml:"kind"`
	Environment     string `yaml:"environment"`
	RotateAfterDays int    `yaml:"rotateAfterDays"`
	UnusedAfterDays int    `yaml:"unusedAfterDays"`
}

// NHIRemediation configures re-ownership tasks opened when an owner
// leaves: routed to the owner's manager, else the project owner, else
// fallbackTeam; at the deadline defaultAction applies.
type NHIRemediation struct {
	DeadlineDays  int    `yaml:"deadlineDays"`
	FallbackTeam  string `yaml:"fallbackTeam"`
	DefaultAction string `yaml:"defaultAction"`
}

// Defaults for an absent nhi section.
const (
	defaultNHISchedule     = time.Hour
	defaultNHIDeadlineDays = 14
	defaultNHIFallbackTeam = "security"
)

func (c *Config) validateNHI() ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	n := c.NHI
	if n.Schedule < 0 {
		add("nhi.schedule", "must not be negative")
	}
	for i, t := range n.Thresholds {
		p := fmt.Sprintf("nhi.thresholds[%d]", i)
		if t.Kind != "" && !store.NHIKind(t.Kind).Valid() {
			add(p+".kind", "unknown kind %q (use service-account, api-key, certificate, token or workload)", t.Kind)
		}
		if t.RotateAfterDays < 0 {
			add(p+".rotateAfterDays", "must not be negative")
		}
		if t.UnusedAfterDays < 0 {
			add(p+".unusedAfterDays", "must not be negative")
		}
	}
	if n.Remediation.DeadlineDays < 0 {
		add("nhi.remediation.deadlineDays", "must not be negative")
	}
	switch n.Remediation.DefaultAction {
	case "", nhi.ActionFlag, nhi.ActionDisable:
	default:
		add("nhi.remediation.defaultAction", "must be %s or %s, got %q", nhi.ActionFlag, nhi.ActionDisable, n.Remediation.DefaultAction)
	}
	return errs
}

// nhiSchedule is the evaluation interval in serve.
func (c *Config) nhiSchedule() time.Duration {
	if c.NHI.Schedule == 0 {
		return defaultNHISchedule
	}
	return time.Duration(c.NHI.Schedule)
}

// nhiService builds the NHI service from the configuration.
func (c *Config) nhiService(st store.Store, logger *slog.Logger) *nhi.Service {
	const day = 24 * time.Hour
	var pol nhi.Policy
	for _, t := range c.NHI.Thresholds {
		pol.Thresholds = append(pol.Thresholds, nhi.Threshold{
			Kind: store.NHIKind(t.Kind), Environment: t.Environment,
			RotateEvery: time.Duration(t.RotateAfterDays) * day, UnusedAfter: time.Duration(t.UnusedAfterDays) * day,
		})
	}
	r := c.NHI.Remediation
	rem := nhi.Remediation{
		Deadline: time.Duration(r.DeadlineDays) * day, FallbackTeam: r.FallbackTeam, DefaultAction: r.DefaultAction,
	}
	if r.DeadlineDays == 0 {
		rem.Deadline = defaultNHIDeadlineDays * day
	}
	if rem.FallbackTeam == "" {
		rem.FallbackTeam = defaultNHIFallbackTeam
	}
	if rem.DefaultAction == "" {
		rem.DefaultAction = nhi.ActionFlag
	}
	return &nhi.Service{Store: st, Policy: pol, Remediation: rem, Now: time.Now, Logger: logger.With("component", "nhi")}
}
