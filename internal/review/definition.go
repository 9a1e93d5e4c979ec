package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Reviewer kinds a stage may name, tried in order.
const (
	ReviewerManager          = "manager"            // the holder's manager
	ReviewerManagersManager  = "manager-of-manager" // the manager's manager
	ReviewerItemOwner        = "item-owner"         // the catalog item's owner
	ReviewerNHIOwner         = "nhi-owner"          // the NHI's owner
	reviewerPersonPrefix     = "person:"            // person:<userName, email or id>
	reviewerGroupPrefix      = "group:"             // group:<catalog approver group>
	defaultEscalationGrace   = 7 * 24 * time.Hour
	defaultUnverifiedAfter   = 72 * time.Hour
	defaultVerifyCycles      = 3
	defaultMoverGrace        = 14 * 24 * time.Hour
	defaultStageDurationDays = 14
)

// Non-response defaults.
const (
	DefaultKeep           = "keep"
	DefaultRevoke         = "revoke"
	DefaultRecommendation = "recommendation"
)

// Remediation timings.
const (
	RemediateAtStageClose = "stage-close"
	RemediateImmediately  = "immediately"
)

// Frequencies of a recurring schedule.
var Frequencies = []string{"once", "weekly", "monthly", "quarterly", "semi-annually", "annually", "cron"}

// Definition is one campaign definition from review.campaigns.
type Definition struct {
	Name        string
	Description string
	Kind        string // grants | nhis | mover
	Scope       string // CEL over grant or nhi
	Stages      []Stage
	Schedule    Schedule
	// Duration is the whole campaign's; stages without their own
	// duration share it equally.
	Duration time.Duration
	Default  Default
	// Reminders are offsets before each stage's deadline.
	Reminders  []time.Duration
	Escalation Escalation
	Remediate  string // stage-close (default) | immediately
	// UnverifiedAfter is how long a fulfilled take-back may wait for a
	// sync that verifies it before it is escalated as unverified (and a
	// failed one before it is escalated); 72h when 0.
	UnverifiedAfter time.Duration
	// VerifyCycles is how many successful sync runs of the verifying
	// source may still show a taken-back access before the take-back is
	// failed and escalated; 3 when 0.
	VerifyCycles int
	// FallbackGroup is the catalog approver group that reviews what no
	// one else can.
	FallbackGroup string
	Recommend     Recommend
	// Grace is a mover micro-review's duration; 14 days when 0.
	Grace time.Duration

	scope *policy.Scope
}

// Stage is one review stage.
type Stage struct {
	Name      string
	Reviewers []string // manager, manager-of-manager, item-owner, nhi-owner, person:<ref>, group:<name>; first that yields someone
	Fallback  []string // tried after Reviewers, before the fallback group
	Duration  time.Duration
	// Advance says which items go on to the next stage: approved,
	// revoked, undecided or all.
	Advance string
}

// Schedule says when a definition starts campaigns.
type Schedule struct {
	Frequency string // once, weekly, monthly, quarterly, semi-annually, annually, cron ("" = by hand only)
	Cron      string // five fields, for frequency cron
	Start     time.Time
	End       *time.Time
	Runs      int // 0: no limit
}

// Default is the non-response default and its cap.
type Default struct {
	Action string // keep | revoke | recommendation
	// CapPercent: at most this share of one item's holders in the
	// campaign may be revoked by default (100 when 0); CapItems: at most
	// this many items in the whole campaign (no limit when 0).
	CapPercent float64
	CapItems   int
}

// Escalation adds or replaces reviewers of undecided items After a
// stage started.
type Escalation struct {
	After time.Duration
	To    []string
	Mode  string // add | replace
}

// Recommend tunes recommendations.
type Recommend struct {
	UnusedDays  int     // revoke when unused this long (where last use is known); 90 when 0
	PeerPercent float64 // revoke when held by fewer than this share of peers; off when 0
}

// Validate checks d, returning every problem with its field.
func (d *Definition) Validate() []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if d.Name == "" {
		add("name", "missing")
	}
	if !slices.Contains([]string{store.CampaignGrants, store.CampaignNHIs, store.CampaignMover}, d.Kind) {
		add("kind", "must be grants, nhis or mover, got %q", d.Kind)
	}
	if len(d.Stages) < 1 || len(d.Stages) > 3 {
		add("stages", "1 to 3 stages, got %d", len(d.Stages))
	}
	if d.Kind == store.CampaignMover && len(d.Stages) > 1 {
		add("stages", "a mover micro-review has one stage")
	}
	for i, st := range d.Stages {
		f := fmt.Sprintf("stages[%d]", i)
		if len(st.Reviewers) == 0 {
			add(f+".reviewers", "missing")
		}
		for _, r := range append(slices.Clone(st.Reviewers), st.Fallback...) {
			if err := checkReviewer(r); err != nil {
				add(f+".reviewers", "%v", err)
			}
		}
		if st.Advance != "" && !slices.Contains([]string{"approved", "revoked", "undecided", "all"}, st.Advance) {
			add(f+".advance", "must be approved, revoked, undecided or all, got %q", st.Advance)
		}
		if st.Duration < 0 {
			add(f+".duration", "must not be negative")
		}
	}
	for _, r := range d.Escalation.To {
		if err := checkReviewer(r); err != nil {
			add("escalation.to", "%v", err)
		}
	}
	if d.Escalation.Mode != "" && d.Escalation.Mode != "add" && d.Escalation.Mode != "replace" {
		add("escalation.mode", "must be add or replace, got %q", d.Escalation.Mode)
	}
	if d.Kind != store.CampaignMover {
		if d.Schedule.Frequency != "" && !slices.Contains(Frequencies, d.Schedule.Frequency) {
			add("schedule.frequency", "must be one of %s, got %q", strings.Join(Frequencies, ", "), d.Schedule.Frequency)
		}
		if d.Schedule.Frequency == "cron" {
			if _, err := parseCron(d.Schedule.Cron); err != nil {
				add("schedule.cron", "%v", err)
			}
		}
		if d.Schedule.Frequency != "" && d.Schedule.Start.IsZero() {
			add("schedule.start", "missing")
		}
		if d.Schedule.Runs < 0 {
			add("schedule.runs", "must not be negative")
		}
	}
	switch d.Default.Action {
	case "", DefaultKeep, DefaultRevoke, DefaultRecommendation:
	default:
		add("default.action", "must be keep, revoke or recommendation, got %q", d.Default.Action)
	}
	if d.Default.CapPercent < 0 || d.Default.CapPercent > 100 {
		add("default.capPercent", "must be between 0 and 100")
	}
	if d.Default.CapItems < 0 {
		add("default.capItems", "must not be negative")
	}
	if d.Remediate != "" && d.Remediate != RemediateAtStageClose && d.Remediate != RemediateImmediately {
		add("remediate", "must be stage-close or immediately, got %q", d.Remediate)
	}
	if d.Duration < 0 {
		add("duration", "must not be negative")
	}
	if d.VerifyCycles < 0 {
		add("verifyCycles", "must not be negative")
	}
	sc, err := policy.CompileScope(d.Scope)
	if err != nil {
		add("scope", "%v", err)
	}
	d.scope = sc
	return errs
}

func checkReviewer(r string) error {
	switch {
	case r == ReviewerManager, r == ReviewerManagersManager, r == ReviewerItemOwner, r == ReviewerNHIOwner:
		return nil
	case strings.HasPrefix(r, reviewerPersonPrefix) && len(r) > len(reviewerPersonPrefix):
		return nil
	case strings.HasPrefix(r, reviewerGroupPrefix) && len(r) > len(reviewerGroupPrefix):
		return nil
	}
	return fmt.Errorf("unknown reviewer %q (manager, manager-of-manager, item-owner, nhi-owner, person:<ref>, group:<name>)", r)
}

// stageDuration is stage i's duration.
func (d *Definition) stageDuration(i int) time.Duration {
	if i < len(d.Stages) && d.Stages[i].Duration > 0 {
		return d.Stages[i].Duration
	}
	if d.Kind == store.CampaignMover {
		if d.Grace > 0 {
			return d.Grace
		}
		return defaultMoverGrace
	}
	if d.Duration > 0 && len(d.Stages) > 0 {
		return d.Duration / time.Duration(len(d.Stages))
	}
	return defaultStageDurationDays * 24 * time.Hour
}

// totalDuration is the sum of the stages' durations.
func (d *Definition) totalDuration() time.Duration {
	var t time.Duration
	for i := range d.Stages {
		t += d.stageDuration(i)
	}
	return t
}

func (d *Definition) defaultAction() string {
	if d.Default.Action == "" {
		return DefaultKeep
	}
	return d.Default.Action
}

func (d *Definition) unverifiedAfter() time.Duration {
	if d.UnverifiedAfter > 0 {
		return d.UnverifiedAfter
	}
	return defaultUnverifiedAfter
}

func (d *Definition) verifyCycles() int {
	if d.VerifyCycles > 0 {
		return d.VerifyCycles
	}
	return defaultVerifyCycles
}

func (d *Definition) escalationGrace() time.Duration {
	if d.Escalation.After > 0 {
		return d.Escalation.After
	}
	return defaultEscalationGrace
}

// parameters is the definition as stored on each campaign, and version
// its hash: what the evidence shows was used.
func (d *Definition) parameters() ([]byte, string, error) {
	type stage struct {
		Name      string   `json:"name,omitempty"`
		Reviewers []string `json:"reviewers"`
		Fallback  []string `json:"fallback,omitempty"`
		Duration  string   `json:"duration"`
		Advance   string   `json:"advance,omitempty"`
	}
	p := struct {
		Name            string   `json:"name"`
		Kind            string   `json:"kind"`
		Scope           string   `json:"scope"`
		Stages          []stage  `json:"stages"`
		Frequency       string   `json:"frequency,omitempty"`
		Cron            string   `json:"cron,omitempty"`
		Duration        string   `json:"duration"`
		Default         string   `json:"default"`
		CapPercent      float64  `json:"capPercent"`
		CapItems        int      `json:"capItems"`
		Reminders       []string `json:"reminders,omitempty"`
		EscalateAfter   string   `json:"escalateAfter,omitempty"`
		EscalateTo      []string `json:"escalateTo,omitempty"`
		EscalateMode    string   `json:"escalateMode,omitempty"`
		Remediate       string   `json:"remediate"`
		UnverifiedAfter string   `json:"unverifiedAfter"`
		VerifyCycles    int      `json:"verifyCycles,omitempty"` // only when set: unchanged definitions keep their version
		FallbackGroup   string   `json:"fallbackGroup,omitempty"`
		UnusedDays      int      `json:"unusedDays"`
		PeerPercent     float64  `json:"peerPercent"`
	}{
		Name: d.Name, Kind: d.Kind, Scope: d.Scope, Frequency: d.Schedule.Frequency, Cron: d.Schedule.Cron,
		Duration: d.totalDuration().String(), Default: d.defaultAction(), CapPercent: d.capPercent(), CapItems: d.Default.CapItems,
		EscalateTo: d.Escalation.To, EscalateMode: d.Escalation.Mode, Remediate: d.remediate(),
		UnverifiedAfter: d.unverifiedAfter().String(), FallbackGroup: d.FallbackGroup,
		UnusedDays: d.unusedDays(), PeerPercent: d.Recommend.PeerPercent,
	}
	if d.Escalation.After > 0 {
		p.EscalateAfter = d.Escalation.After.String()
	}
	if d.VerifyCycles > 0 {
		p.VerifyCycles = d.VerifyCycles
	}
	for _, r := range d.Reminders {
		p.Reminders = append(p.Reminders, r.String())
	}
	for i, st := range d.Stages {
		p.Stages = append(p.Stages, stage{Name: st.Name, Reviewers: st.Reviewers, Fallback: st.Fallback, Duration: d.stageDuration(i).String(), Advance: st.Advance})
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:6]), nil
}

func (d *Definition) capPercent() float64 {
	if d.Default.CapPercent == 0 {
		return 100
	}
	return d.Default.CapPercent
}

func (d *Definition) remediate() string {
	if d.Remediate == "" {
		return RemediateAtStageClose
	}
	return d.Remediate
}

func (d *Definition) unusedDays() int {
	if d.Recommend.UnusedDays == 0 {
		return 90
	}
	return d.Recommend.UnusedDays
}

// ErrUnknownDefinition: no definition has that name.
var ErrUnknownDefinition = errors.New("review: unknown campaign definition")
