package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Message is one digest ready to send: what every channel renders.
type Message struct {
	// ID is stable across retries of one digest (the e-mail Message-ID).
	ID        string
	To        Recipient
	Kind      string
	Title     string // one line, no line breaks
	Intro     string
	Items     []Item
	More      int    // items left out of Items (long digests)
	Link      string // the page to act on
	LinkLabel string
	At        time.Time
}

// Recipient is the person a message is for.
type Recipient struct {
	PersonID string
	Name     string
	Email    string
}

// Item is one notification in a message.
type Item struct {
	Text string
	At   time.Time
}

// maxItems bounds the items a message lists; the rest are counted.
const maxItems = 50

// compose builds the message of d from its notifications that are still
// relevant; ok is false when none is.
func (s *Service) compose(ctx context.Context, d store.NotificationDigest) (Message, bool, error) {
	ns, err := s.Store.ListDigestNotifications(ctx, d.ID)
	if err != nil {
		return Message{}, false, err
	}
	p, err := s.Store.GetPerson(ctx, d.PersonID)
	if err != nil {
		return Message{}, false, err
	}
	if p.Status != store.StatusActive {
		return Message{}, false, nil
	}
	live, err := s.relevant(ctx, d, p)
	if err != nil {
		return Message{}, false, err
	}
	if !live {
		return Message{}, false, nil
	}
	var items []Item
	for _, n := range ns {
		items = append(items, Item{Text: oneLine(n.Message), At: n.CreatedAt})
	}
	if len(items) == 0 {
		return Message{}, false, nil
	}
	m := Message{
		ID:   fmt.Sprintf("digest-%d", d.ID),
		To:   Recipient{PersonID: p.ID, Name: p.Name(), Email: p.Email},
		Kind: d.Kind, At: s.now(),
	}
	if len(items) > maxItems {
		m.More, items = len(items)-maxItems, items[:maxItems]
	}
	m.Items = items
	m.Title, m.Intro = title(d.Kind, len(ns), items[0].Text)
	m.Link, m.LinkLabel = s.link(d.Kind, d.Subject)
	if typ, id, _ := strings.Cut(d.Subject, ":"); d.Kind == KindTakeBackFailed && typ == "grant" {
		// The item owner acts on the holder's access: their page.
		if g, err := s.Store.GetGrant(ctx, id); err == nil && g.HolderID != "" {
			m.Link, m.LinkLabel = strings.TrimRight(s.BaseURL, "/")+"/people/"+url.PathEscape(g.HolderID), "Open the holder's page"
		}
	}
	return m, true, nil
}

// relevant reports whether the digest's subject still needs the person:
// nobody is reminded about something they already finished.
func (s *Service) relevant(ctx context.Context, d store.NotificationDigest, p store.Person) (bool, error) {
	kind, id, _ := strings.Cut(d.Subject, ":")
	switch {
	case d.Kind == KindApprovalRequested && kind == "request":
		r, err := s.Store.GetRequest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if r.State != store.RequestPending || r.Stage >= len(r.Stages) {
			return false, nil
		}
		st := r.Stages[r.Stage]
		return slices.Contains(st.Approvers, p.ID) && !slices.Contains(st.Approved, p.ID), nil
	case strings.HasPrefix(d.Kind, "review.") && d.Kind != KindReviewRemediation && kind == "campaign":
		c, err := s.Store.GetCampaign(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if c.State != store.CampaignActive {
			return false, nil
		}
		loads, err := s.Store.ListReviewerLoads(ctx, c.ID, c.Stage)
		if err != nil {
			return false, err
		}
		for _, l := range loads {
			if l.ReviewerID == p.ID && l.Pending > 0 {
				return true, nil
			}
		}
		return false, nil
	case d.Kind == KindGrantExpiring && kind == "grant":
		g, err := s.Store.GetGrant(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && g.State == store.GrantActive, err
	case d.Kind == KindReownership && strings.HasPrefix(id, "team:"):
		return s.teamHasOpenTask(ctx, strings.TrimPrefix(id, "team:"))
	case d.Kind == KindReownership:
		ts, err := s.Store.ListTasks(ctx, store.TaskQuery{AssigneeID: p.ID, State: store.TaskOpen, Limit: 1})
		return len(ts) > 0, err
	}
	return true, nil
}

// teamHasOpenTask reports whether a re-ownership task assigned to team
// is still open (a team's member is told while one is).
func (s *Service) teamHasOpenTask(ctx context.Context, team string) (bool, error) {
	ts, err := s.Store.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, AssigneeTeams: []string{team}, Limit: 1})
	return len(ts) > 0, err
}

// title is the message's subject line and first sentence.
func title(kind string, n int, first string) (string, string) {
	plural := func(one, many string) string {
		if n == 1 {
			return one
		}
		return fmt.Sprintf(many, n)
	}
	switch kind {
	case KindApprovalRequested:
		return "Approval needed: " + clip(first, 120), "A request waits for your decision."
	case KindRequestDecided:
		return "Your request was decided: " + clip(first, 120), "A request you made was decided."
	case KindCredentialReady:
		return "Your credential is ready", "A credential you requested was issued. Open the request to retrieve it; it is shown once and never sent by mail."
	case KindGrantExpiring:
		return "Access ending soon: " + clip(first, 120), "Access you hold ends soon."
	case KindFulfillmentConfirm:
		return plural("Access to grant by hand", "%d grants to carry out by hand"), "Grants wait for you to carry them out and confirm."
	case KindTakeBackFailed:
		return plural("Taking back access failed", "Taking back access failed %d times"), "Removing access failed repeatedly and needs you."
	case KindReviewAssigned:
		return "Access review: items wait for your decision", "An access review campaign started with items for you to decide."
	case KindReviewReminder:
		return "Reminder: access review items wait for your decision", "The stage closes soon; undecided items get the campaign's default."
	case KindReviewEscalated:
		return plural("Access review item escalated to you", "%d access review items escalated to you"), "Review items were escalated to you."
	case KindReviewRemediation:
		return "Access removal not verified", "A revocation from an access review was not carried out or not verified."
	case KindReownership:
		return "A non-human identity needs a new owner", "An NHI lost its owner; accept ownership or name someone."
	}
	return plural("syncd notification", "%d syncd notifications"), "You have new notifications."
}

// link is the page where the person acts on subject.
func (s *Service) link(kind, subject string) (string, string) {
	base := strings.TrimRight(s.BaseURL, "/")
	typ, id, _ := strings.Cut(subject, ":")
	esc := url.PathEscape(id)
	switch {
	case typ == "request":
		return base + "/requests/" + esc, "Open the request"
	case typ == "campaign" || typ == "review-item":
		return base + "/reviews", "Open My reviews"
	case typ == "grant" && kind == KindFulfillmentConfirm:
		return base + "/approvals", "Open the page"
	case typ == "grant":
		return base + "/requests", "Open My requests"
	case typ == "nhi":
		return base + "/nhis/" + esc, "Open the NHI"
	case typ == "nhi-tasks":
		return base + "/tasks", "Open My tasks"
	}
	return base + "/", "Open syncd"
}

// oneLine turns every control character (CR and LF included) into a
// space: messages and titles never carry line breaks into headers.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' }), " ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
