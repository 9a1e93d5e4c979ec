package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
)

// ReviewConfig holds the recertification campaign definitions. Every key
// is documented in configs/syncd.example.yaml.
//
//	review:
//	  campaigns:
//	    - name: quarterly-access
//	      kind: grants                 # grants | nhis | mover
//	      scope: 'grant.source in ["requested", "imported"]'
//	      stages:
//	        - name: manager
//	          reviewers: [manager]      # manager, manager-of-manager, item-owner, nhi-owner, person:<ref>, group:<name>
//	          fallback: [manager-of-manager, item-owner]
//	          advance: all              # approved | revoked | undecided | all (to the next stage)
//	      schedule: {frequency: quarterly, start: 2026-01-01}
//	      duration: 14d
//	      default: {action: recommendation, capPercent: 20, capItems: 500}
//	      reminders: [72h, 24h]
//	      escalation: {after: 7d, to: ["group:security"], mode: add}
//	      remediate: stage-close        # or immediately
//	      unverifiedAfter: 72h
//	      verifyCycles: 3               # sync runs that may still show a taken-back access before it is failed and escalated
//	      fallbackGroup: security
type ReviewConfig struct {
	Campaigns []CampaignConfig `yaml:"campaigns"`
}

// CampaignConfig is one campaign definition.
type CampaignConfig struct {
	Name            string             `yaml:"name"`
	Description     string             `yaml:"description"`
	Kind            string             `yaml:"kind"`
	Scope           string             `yaml:"scope"`
	Stages          []CampaignStage    `yaml:"stages"`
	Schedule        CampaignSchedule   `yaml:"schedule"`
	Duration        Duration           `yaml:"duration"`
	Default         CampaignDefault    `yaml:"default"`
	Reminders       []Duration         `yaml:"reminders"`
	Escalation      CampaignEscalation `yaml:"escalation"`
	Remediate       string             `yaml:"remediate"`
	UnverifiedAfter Duration           `yaml:"unverifiedAfter"`
	VerifyCycles    int                `yaml:"verifyCycles"`
	FallbackGroup   string             `yaml:"fallbackGroup"`
	Recommend       CampaignRecommend  `yaml:"recommend"`
	Grace           Duration           `yaml:"grace"`
}

// CampaignStage is one review stage.
type CampaignStage struct {
	Name      string   `yaml:"name"`
	Reviewers []string `yaml:"reviewers"`
	Fallback  []string `yaml:"fallback"`
	Duration  Duration `yaml:"duration"`
	Advance   string   `yaml:"advance"`
}

// CampaignSchedule says when campaigns start; dates are YYYY-MM-DD or RFC 3339.
type CampaignSchedule struct {
	Frequency string `yaml:"frequency"`
	Cron      string `yaml:"cron"`
	Start     string `yaml:"start"`
	End       string `yaml:"end"`
	Runs      int    `yaml:"runs"`
}

// CampaignDefault is the non-response default with its cap.
type CampaignDefault struct {
	Action     string  `yaml:"action"`
	CapPercent float64 `yaml:"capPercent"`
	CapItems   int     `yaml:"capItems"`
}

// CampaignEscalation adds or replaces reviewers of undecided items.
type CampaignEscalation struct {
	After Duration `yaml:"after"`
	To    []string `yaml:"to"`
	Mode  string   `yaml:"mode"`
}

// CampaignRecommend tunes recommendations.
type CampaignRecommend struct {
	UnusedDays  int     `yaml:"unusedDays"`
	PeerPercent float64 `yaml:"peerPercent"`
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a date (YYYY-MM-DD or RFC 3339): %q", s)
	}
	return t.UTC(), nil
}

// campaignDefinitions converts the configuration into definitions; the
// problems are returned by path.
func (c *Config) campaignDefinitions() ([]review.Definition, ConfigErrors) {
	var errs ConfigErrors
	var defs []review.Definition
	for i, cc := range c.Review.Campaigns {
		p := fmt.Sprintf("review.campaigns[%d]", i)
		d := review.Definition{
			Name: cc.Name, Description: cc.Description, Kind: cc.Kind, Scope: cc.Scope, Duration: time.Duration(cc.Duration),
			Default:    review.Default{Action: cc.Default.Action, CapPercent: cc.Default.CapPercent, CapItems: cc.Default.CapItems},
			Escalation: review.Escalation{After: time.Duration(cc.Escalation.After), To: cc.Escalation.To, Mode: cc.Escalation.Mode},
			Remediate:  cc.Remediate, UnverifiedAfter: time.Duration(cc.UnverifiedAfter), VerifyCycles: cc.VerifyCycles, FallbackGroup: cc.FallbackGroup,
			Recommend: review.Recommend{UnusedDays: cc.Recommend.UnusedDays, PeerPercent: cc.Recommend.PeerPercent},
			Grace:     time.Duration(cc.Grace),
			Schedule:  review.Schedule{Frequency: cc.Schedule.Frequency, Cron: cc.Schedule.Cron, Runs: cc.Schedule.Runs},
		}
		if d.Kind == "" {
			d.Kind = "grants"
		}
		for _, r := range cc.Reminders {
			d.Reminders = append(d.Reminders, time.Duration(r))
		}
		for _, st := range cc.Stages {
			d.Stages = append(d.Stages, review.Stage{Name: st.Name, Reviewers: st.Reviewers, Fallback: st.Fallback, Duration: time.Duration(st.Duration), Advance: st.Advance})
		}
		if cc.Schedule.Start != "" {
			t, err := parseDate(cc.Schedule.Start)
			if err != nil {
				errs = append(errs, FieldError{Path: p + ".schedule.start", Msg: err.Error()})
			}
			d.Schedule.Start = t
		}
		if cc.Schedule.End != "" {
			t, err := parseDate(cc.Schedule.End)
			if err != nil {
				errs = append(errs, FieldError{Path: p + ".schedule.end", Msg: err.Error()})
			}
			d.Schedule.End = &t
		}
		for _, err := range d.Validate() {
			field, msg, _ := strings.Cut(err.Error(), ": ")
			errs = append(errs, FieldError{Path: p + "." + field, Msg: msg})
		}
		defs = append(defs, d)
	}
	seen := map[string]int{}
	for i, d := range defs {
		if j, dup := seen[d.Name]; dup && d.Name != "" {
			errs = append(errs, FieldError{Path: fmt.Sprintf("review.campaigns[%d].name", i), Msg: fmt.Sprintf("duplicate of review.campaigns[%d]", j)})
		}
		seen[d.Name] = i
	}
	return defs, errs
}

func (c *Config) validateReview() ConfigErrors {
	_, errs := c.campaignDefinitions()
	return errs
}
