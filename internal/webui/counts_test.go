package webui_test

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// listCounter is the real store, counting the list reads a page view
// makes.
type listCounter struct {
	store.ReadStore
	requests, reviewItems atomic.Int64
}

func (c *listCounter) ListRequests(ctx context.Context, q store.RequestQuery) ([]store.AccessRequest, error) {
	c.requests.Add(1)
	return c.ReadStore.ListRequests(ctx, q)
}

func (c *listCounter) ListReviewItems(ctx context.Context, q store.ReviewItemQuery) ([]store.ReviewItem, error) {
	c.reviewItems.Add(1)
	return c.ReadStore.ListReviewItems(ctx, q)
}

// TestNavigationCountsDoNotLoadLists: the navigation's review and
// approval counts come from count queries; a page that lists neither
// requests nor review items loads neither list.
func TestNavigationCountsDoNotLoadLists(t *testing.T) {
	var counter *listCounter
	f := newReviewFixtureWith(t, withCatalog, func(e *env, ui *webui.Server) {
		counter = &listCounter{ReadStore: ui.Store}
		ui.Store = counter
	})
	sam := f.as("sam")
	if resp := f.post(sam, "/requests", url.Values{"item": {"reports"}, "justification": {"pipeline review"}, "csrf_token": {f.csrf(sam)}}); resp.StatusCode != 303 {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	carol, mike := f.as("carol"), f.as("mike")
	counter.requests.Store(0)
	counter.reviewItems.Store(0)
	people := carol.Get(f.base + "/people").Body
	if !strings.Contains(people, `aria-label="1 pending"`) || !strings.Contains(people, `aria-label="2 to decide"`) {
		t.Fatalf("carol's navigation counts: %s", people)
	}
	if body := mike.Get(f.base + "/people").Body; !strings.Contains(body, `aria-label="4 to decide"`) || strings.Contains(body, "pending</span>") {
		t.Fatalf("mike's navigation counts: %s", body)
	}
	if n, m := counter.requests.Load(), counter.reviewItems.Load(); n != 0 || m != 0 {
		t.Fatalf("two page views listed requests %d and review items %d times", n, m)
	}
}
