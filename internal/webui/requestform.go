package webui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// requestForm is the catalog's request form as the viewer filled it in,
// kept when it comes back with errors.
type requestForm struct {
	ItemID        string
	Beneficiary   string // "", a person id, or "nhi:<id>"
	Justification string
	Environment   string
	End           string // as typed, YYYY-MM-DD
	NHIName       string
	Project       string
	// Errors are messages by field name; "form" is about the whole form.
	Errors map[string]string
}

func requestFormFrom(r *http.Request) requestForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return requestForm{ItemID: v("item"), Beneficiary: v("beneficiary"), Justification: v("justification"), Environment: v("environment"),
		End: v("end"), NHIName: v("nhi_name"), Project: v("project")}
}

func (f *requestForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// check validates the input against what the item allows before
// anything is stored, so a typing mistake is a form error and not a
// denied request: the justification an item requires, a real date, not
// in the past, not longer than the item's maximum (counted from the end
// of a grant the beneficiary already holds, which the request would
// extend), an offered environment, the service account's name and
// project. It returns the end of the requested last day (zero: the
// item's default window).
func (f *requestForm) check(it catalog.Item, now time.Time, heldUntil time.Time) time.Time {
	if it.JustificationRequired && f.Justification == "" {
		f.fail("justification", "Say why this access is needed; "+it.Name+" requires a justification.")
	}
	if len(it.Environments) > 0 && f.Environment != "" && !slices.Contains(it.Environments, f.Environment) {
		f.fail("environment", "Choose one of the offered environments: "+strings.Join(it.Environments, ", ")+".")
	}
	if it.Fulfillment.Type == "service-account" {
		if f.NHIName == "" {
			f.fail("nhi_name", "Name the service account to create.")
		}
		if f.Project == "" {
			f.fail("project", "Name the project the service account belongs to.")
		}
	}
	if f.End == "" {
		return time.Time{}
	}
	day, err := time.Parse("2006-01-02", f.End)
	if err != nil {
		f.fail("end", "There is no such date. Give the end as YYYY-MM-DD, for example "+now.AddDate(0, 0, 7).Format("2006-01-02")+".")
		return time.Time{}
	}
	end := day.Add(24*time.Hour - time.Second)
	start := now
	if heldUntil.After(now) {
		start = heldUntil
	}
	switch {
	case end.Before(now):
		f.fail("end", "The end date "+f.End+" is in the past; choose today or a later day.")
	case it.MaxDuration > 0 && end.Sub(start) > it.MaxDuration:
		latest := start.Add(it.MaxDuration)
		last := time.Date(latest.Year(), latest.Month(), latest.Day(), 0, 0, 0, 0, time.UTC)
		if last.Add(24*time.Hour - time.Second).After(latest) {
			last = last.AddDate(0, 0, -1)
		}
		f.fail("end", it.Name+" may be held for at most "+days(it.MaxDuration)+": choose an end on or before "+last.Format("2006-01-02")+".")
	}
	return end
}

// days words a duration in whole days (or hours under a day).
func days(d time.Duration) string {
	if d < 24*time.Hour {
		h := int(d / time.Hour)
		return strconv.Itoa(h) + " hour" + plural(h)
	}
	n := int(d / (24 * time.Hour))
	return strconv.Itoa(n) + " day" + plural(n)
}

// heldUntil is the latest end of a live grant of item the person holds
// (zero for none): a request for it extends that grant.
func (s *Server) heldUntil(ctx context.Context, personID, itemID string) (time.Time, error) {
	gs, err := s.Store.ListGrants(ctx, store.GrantQuery{HolderID: personID, ItemID: itemID, States: []store.GrantState{store.GrantActive}, Limit: 50})
	if err != nil {
		return time.Time{}, err
	}
	var out time.Time
	for _, g := range gs {
		if g.End.After(out) {
			out = g.End
		}
	}
	return out, nil
}
