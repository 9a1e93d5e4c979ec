package pull_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// memSource is a narrow in-memory source for the runner's own logic and
// the scheduler; the LDAP tests run the same runner against real slapd.
type memSource struct {
	name    string
	mu      sync.Mutex
	people  []identity.Record
	rejects []string
	fail    error
	// failTimes makes the next calls fail with failWith.
	failTimes atomic.Int32
	failWith  error
	delay     time.Duration
	active    atomic.Int32
	max       atomic.Int32
	calls     atomic.Int32
	requests  []source.Request
	// hidden are records that exist but the enumeration misses (an
	// inconsistent paged read); existsErr fails confirmation.
	hidden    []string
	existsErr error
}

func (m *memSource) Name() string { return m.name }
func (m *memSource) Close() error { return nil }

func (m *memSource) Pull(ctx context.Context, req source.Request, sink source.Sink) (source.Result, error) {
	n := m.active.Add(1)
	defer m.active.Add(-1)
	for {
		old := m.max.Load()
		if n <= old || m.max.CompareAndSwap(old, n) {
			break
		}
	}
	m.calls.Add(1)
	m.mu.Lock()
	m.requests = append(m.requests, req)
	people, rejects := append([]identity.Record(nil), m.people...), m.rejects
	m.mu.Unlock()
	if m.delay > 0 {
		select {
		case <-time.After(m.delay):
		case <-ctx.Done():
			return source.Result{}, ctx.Err()
		}
	}
	if m.failTimes.Load() > 0 {
		m.failTimes.Add(-1)
		return source.Result{}, m.failWith
	}
	if m.fail != nil {
		return source.Result{}, m.fail
	}
	for _, id := range rejects {
		sink.Reject(id, "unparseable")
	}
	for _, r := range people {
		if err := sink.Person(ctx, r); err != nil {
			return source.Result{}, err
		}
	}
	return source.Result{Full: req.Full || req.Watermark == "", Watermark: "w"}, nil
}

// Exists confirms absence from what the source holds now.
func (m *memSource) Exists(_ context.Context, refs []source.Ref) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.existsErr != nil {
		return nil, m.existsErr
	}
	out := make([]bool, len(refs))
	for i, r := range refs {
		for _, p := range m.people {
			out[i] = out[i] || p.ExternalID == r.ExternalID
		}
		out[i] = out[i] || slices.Contains(m.rejects, r.ExternalID) || slices.Contains(m.hidden, r.ExternalID)
	}
	return out, nil
}

func rec(id, userName string) identity.Record {
	return identity.Record{ExternalID: id, Attributes: map[string]string{"userName": userName}}
}

func newRunner(t *testing.T, st store.Store, holder string) *pull.Runner {
	t.Helper()
	ids, err := identity.New(identity.Config{}, st)
	if err != nil {
		t.Fatal(err)
	}
	return &pull.Runner{Store: st, Identity: ids, Holder: holder, BatchSize: 2}
}

func TestRunnerReconciles(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		r := newRunner(t, st, "r1")
		r.MaxDeletionShare = map[string]float64{"hr": 0.5} // one of three
		src := &memSource{name: "hr", people: []identity.Record{rec("a", "ann"), rec("b", "bob"), rec("c", "cid")}}
		run, err := r.Run(ctx, src, pull.Options{})
		if err != nil || run.Counts.Created != 3 || run.Mode != pull.ModeFull || run.Watermark != "w" {
			t.Fatalf("first run: %v %+v", err, run)
		}

		// b is still in the source but unmappable this time: not unlinked.
		// c is gone: its person is terminated.
		src.people, src.rejects = []identity.Record{rec("a", "ann")}, []string{"b"}
		run, err = r.Run(ctx, src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if run.Counts.Terminated != 1 || run.Counts.Rejected != 1 || run.Counts.Unchanged != 1 {
			t.Fatalf("reconciliation counts %+v", run.Counts)
		}
		for user, want := range map[string]store.Status{"ann": store.StatusActive, "bob": store.StatusActive, "cid": store.StatusTerminated} {
			ps, _ := st.FindPersons(ctx, store.MatchUserName, user)
			if len(ps) != 1 || ps[0].Status != want {
				t.Errorf("%s: %+v, want status %s", user, ps, want)
			}
		}

		// A complete read that returns nobody is refused, not applied.
		src.people, src.rejects = nil, nil
		run, err = r.Run(ctx, src, pull.Options{Full: true})
		if err == nil || !strings.Contains(err.Error(), "refusing to unlink") || run.Status != store.RunFailed {
			t.Fatalf("empty full read: %v %+v", err, run)
		}
		if ps, _ := st.FindPersons(ctx, store.MatchUserName, "ann"); ps[0].Status != store.StatusActive {
			t.Errorf("ann after a refused empty read: %s", ps[0].Status)
		}
		// The incremental request carries the last watermark.
		if got := src.requests[len(src.requests)-1]; !got.Full || got.Watermark != "w" {
			t.Errorf("last request %+v", got)
		}
	})
}

func TestRunnerRefusesWhileLeased(t *testing.T) {
	st := gormtest.SQLite(t)
	ok, err := st.AcquireLease(t.Context(), pull.LeaseName("hr"), "other", time.Now(), time.Minute)
	if err != nil || !ok {
		t.Fatal(err)
	}
	_, err = newRunner(t, st, "r1").Run(t.Context(), &memSource{name: "hr"}, pull.Options{})
	if !errors.Is(err, pull.ErrBusy) {
		t.Fatalf("run under another's lease: %v", err)
	}
}

// TestSchedulerRunsOnceAcrossReplicas runs two schedulers (two replicas)
// on one database: a source never runs twice at once, a failing source
// records failed runs and leaves the other source running.
func TestSchedulerRunsOnceAcrossReplicas(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		good := &memSource{name: "good", people: []identity.Record{rec("a", "ann")}, delay: 20 * time.Millisecond}
		bad := &memSource{name: "bad", fail: errors.New("ldap: bad: bind: authentication failed")}
		jobs := []pull.Job{
			{Source: good, Interval: 10 * time.Millisecond, FullInterval: time.Hour},
			{Source: bad, Interval: 10 * time.Millisecond},
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Run until each source has been pulled a few times (not for a
		// fixed time, which a loaded machine makes too short).
		go func() {
			deadline := time.After(60 * time.Second)
			for good.calls.Load() < 3 || bad.calls.Load() < 3 {
				select {
				case <-deadline:
					cancel()
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
			cancel()
		}()
		var wg sync.WaitGroup
		for _, holder := range []string{"replica-1", "replica-2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				(&pull.Scheduler{Runner: newRunner(t, st, holder), Jobs: jobs, Tick: 2 * time.Millisecond}).Run(ctx)
			}()
		}
		wg.Wait()
		if good.max.Load() != 1 {
			t.Errorf("good ran %d times at once", good.max.Load())
		}
		if good.calls.Load() < 3 || bad.calls.Load() < 3 {
			t.Fatalf("calls: good %d, bad %d", good.calls.Load(), bad.calls.Load())
		}
		runs, err := st.ListSyncRuns(context.Background(), "good", 100)
		if err != nil {
			t.Fatal(err)
		}
		full := 0
		for _, r := range runs {
			if r.Status == store.RunFailed && !strings.Contains(r.Error, "context") && !strings.Contains(r.Error, "interrupted") {
				t.Errorf("good run failed: %+v", r)
			}
			if r.Mode == pull.ModeFull {
				full++
			}
		}
		if full != 1 {
			t.Errorf("%d full runs of good within its full interval, want 1", full)
		}
		runs, _ = st.ListSyncRuns(context.Background(), "bad", 100)
		for _, r := range runs {
			if r.Status == store.RunSucceeded || (r.Status == store.RunFailed && !strings.Contains(r.Error, "authentication failed") && !strings.Contains(r.Error, "context")) {
				t.Errorf("bad run: %+v", r)
			}
		}
	})
}

// TestRunStopsWhenLeaseIsLost: a replica whose lease was taken over (it
// stalled past the lease's expiry) stops its run instead of running on
// beside the new holder.
func TestRunStopsWhenLeaseIsLost(t *testing.T) {
	st := gormtest.SQLite(t)
	r := newRunner(t, st, "stalled")
	r.LeaseTTL = 40 * time.Millisecond
	src := &memSource{name: "hr", people: []identity.Record{rec("a", "ann")}, delay: 5 * time.Second}
	go func() {
		for src.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		// Another replica sees the lease as expired (its clock is later).
		if ok, err := st.AcquireLease(context.Background(), pull.LeaseName("hr"), "other", time.Now().Add(time.Hour), time.Hour); err != nil || !ok {
			t.Errorf("takeover: %v %v", ok, err)
		}
	}()
	run, err := r.Run(t.Context(), src, pull.Options{})
	if err == nil || !strings.Contains(err.Error(), "lost to another process") || run.Status != store.RunFailed {
		t.Fatalf("run after losing its lease: %v %+v", err, run)
	}
}

// TestSchedulerReconnectsWhenUnreachable: a run that could not reach the
// source is retried on a new connection within the same round, not at the
// next interval (an hour here); other failures are not retried.
func TestSchedulerReconnectsWhenUnreachable(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		flaky := &memSource{name: "flaky", people: []identity.Record{rec("a", "ann")}}
		flaky.failTimes.Store(2)
		flaky.failWith = fmt.Errorf("ldap: flaky: read: %w: connection reset", source.ErrUnreachable)
		authFails := &memSource{name: "auth", fail: fmt.Errorf("ldap: auth: bind: %w", source.ErrAuth)}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		sched := &pull.Scheduler{Runner: newRunner(t, st, "r1"), Tick: time.Millisecond, Retries: []time.Duration{time.Millisecond, time.Millisecond},
			Jobs: []pull.Job{{Source: flaky, Interval: time.Hour}, {Source: authFails, Interval: time.Hour}}}
		go func() {
			deadline := time.After(30 * time.Second)
			succeeded := func() bool {
				runs, _ := st.ListSyncRuns(context.Background(), "flaky", 1)
				return len(runs) == 1 && runs[0].Status == store.RunSucceeded
			}
			for !succeeded() || authFails.calls.Load() < 1 {
				select {
				case <-deadline:
					cancel()
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
			time.Sleep(20 * time.Millisecond) // let a wrongful extra retry show up
			cancel()
		}()
		sched.Run(ctx)
		runs, err := st.ListSyncRuns(context.Background(), "flaky", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 3 || runs[0].Status != store.RunSucceeded || runs[1].Status != store.RunFailed || runs[2].Status != store.RunFailed {
			t.Fatalf("flaky runs (newest first): %+v", runs)
		}
		if n := authFails.calls.Load(); n != 1 {
			t.Fatalf("an authentication failure was retried: %d calls", n)
		}
	})
}

// TestRunnerTerminatesOnlyConfirmedAbsences: people a full read missed
// are terminated only when the source confirms each is gone; a failed
// confirmation, or too many still there, terminates nobody and the run is
// partial with the reason.
func TestRunnerTerminatesOnlyConfirmedAbsences(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		r := newRunner(t, st, "r1")
		r.MaxDeletionShare = map[string]float64{"hr": 1}
		var people []identity.Record
		for i := range 20 {
			people = append(people, rec(fmt.Sprintf("p%02d", i), fmt.Sprintf("user%02d", i)))
		}
		src := &memSource{name: "hr", people: people}
		if _, err := r.Run(ctx, src, pull.Options{}); err != nil {
			t.Fatal(err)
		}
		status := func(user string) store.Status {
			ps, _ := st.FindPersons(ctx, store.MatchUserName, user)
			return ps[0].Status
		}
		// p01 is gone; p02 exists but the read missed it: one of two
		// missed is still there, so the read is distrusted.
		src.mu.Lock()
		src.people = append(slices.Clone(people[:1]), people[3:]...)
		src.hidden = []string{"p02"}
		src.mu.Unlock()
		run, err := r.Run(ctx, src, pull.Options{Full: true})
		if err != nil || run.Status != store.RunPartial || run.Counts.Terminated != 0 || !strings.Contains(run.Error, "still exist") {
			t.Fatalf("inconsistent read: %v %s %q %+v", err, run.Status, run.Error, run.Counts)
		}
		if status("user01") != store.StatusActive || status("user02") != store.StatusActive {
			t.Fatal("terminated after an inconsistent read")
		}
		// Confirmation failing terminates nobody either.
		src.mu.Lock()
		src.hidden, src.existsErr = nil, errors.New("connection reset")
		src.mu.Unlock()
		run, err = r.Run(ctx, src, pull.Options{Full: true})
		if err != nil || run.Status != store.RunPartial || run.Counts.Terminated != 0 || !strings.Contains(run.Error, "connection reset") {
			t.Fatalf("failed confirmation: %v %s %q %+v", err, run.Status, run.Error, run.Counts)
		}
		// Confirmed: both go.
		src.mu.Lock()
		src.existsErr = nil
		src.mu.Unlock()
		run, err = r.Run(ctx, src, pull.Options{Full: true})
		if err != nil || run.Status != store.RunSucceeded || run.Counts.Terminated != 2 {
			t.Fatalf("confirmed: %v %s %q %+v", err, run.Status, run.Error, run.Counts)
		}
		if status("user01") != store.StatusTerminated || status("user02") != store.StatusTerminated || status("user03") != store.StatusActive {
			t.Fatal("wrong people terminated")
		}
	})
}

// TestRunRetryingReconnects: a source that cannot be reached is run again
// after each wait (what `syncd sync` does, like serve); other failures
// are not retried.
func TestRunRetryingReconnects(t *testing.T) {
	st := gormtest.SQLite(t)
	r := newRunner(t, st, "r1")
	src := &memSource{name: "hr", people: []identity.Record{rec("a", "ann")}, failWith: fmt.Errorf("dial: %w", source.ErrUnreachable)}
	src.failTimes.Store(2)
	var waits []time.Duration
	run, err := pull.RunRetrying(t.Context(), r, src, pull.Options{}, []time.Duration{time.Millisecond, 2 * time.Millisecond},
		func(_ int, wait time.Duration, _ error) { waits = append(waits, wait) })
	if err != nil || run.Status != store.RunSucceeded || len(waits) != 2 || src.calls.Load() != 3 {
		t.Fatalf("retrying an unreachable source: %v %+v waits %v calls %d", err, run, waits, src.calls.Load())
	}
	src.failWith = fmt.Errorf("bind: %w", source.ErrAuth)
	src.failTimes.Store(1)
	if _, err := pull.RunRetrying(t.Context(), r, src, pull.Options{}, []time.Duration{time.Millisecond}, nil); !errors.Is(err, source.ErrAuth) || src.calls.Load() != 4 {
		t.Fatalf("an auth failure is final: %v calls %d", err, src.calls.Load())
	}
}

// slowKeys holds the link keys back until release is closed, so that a
// full run reads records before it can compare them.
type slowKeys struct {
	store.Store
	release chan struct{}
}

func (s slowKeys) ListLinkKeys(ctx context.Context, src, after string, limit int) ([]store.LinkKey, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.ListLinkKeys(ctx, src, after, limit)
}

// releasing is a source that closes release after handing out n records.
type releasing struct {
	*memSource
	n       int
	release chan struct{}
}

func (r releasing) Pull(ctx context.Context, req source.Request, sink source.Sink) (source.Result, error) {
	return r.memSource.Pull(ctx, req, &countingSink{Sink: sink, n: r.n, release: r.release})
}

type countingSink struct {
	source.Sink
	n       int
	release chan struct{}
}

func (c *countingSink) Person(ctx context.Context, r identity.Record) error {
	err := c.Sink.Person(ctx, r)
	if c.n--; c.n == 0 {
		close(c.release)
	}
	return err
}

// TestFullRunComparesRecordsReadWhileLinksLoad: a full run loads its link
// keys while the source is read; the records that arrive first are held
// and compared once the keys are in, with the same outcome as when the
// keys come first: unchanged skipped, changed updated, new created.
func TestFullRunComparesRecordsReadWhileLinksLoad(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		src := &memSource{name: "hr", people: []identity.Record{rec("a", "ann"), rec("b", "bob"), rec("c", "cid"), rec("d", "dan")}}
		if _, err := newRunner(t, st, "r1").Run(ctx, src, pull.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			releaseAfter             int // records read before the keys may load
			people                   []identity.Record
			created, updated, unchgd int
		}{
			{2, []identity.Record{rec("a", "ann"), rec("b", "bobby"), rec("c", "cid"), rec("d", "dan"), rec("e", "eve"), rec("f2", "fay2")}, 2, 1, 3},
			{6, []identity.Record{rec("a", "ann"), rec("b", "bob"), rec("c", "cid"), rec("d", "dan"), rec("e", "eve2"), rec("f6", "fay6")}, 1, 2, 3},
		} {
			src.people = tc.people
			release := make(chan struct{})
			r := newRunner(t, slowKeys{Store: st, release: release}, "r1")
			run, err := r.Run(ctx, releasing{memSource: src, n: tc.releaseAfter, release: release}, pull.Options{Full: true})
			if err != nil {
				t.Fatalf("release after %d: %v", tc.releaseAfter, err)
			}
			if c := run.Counts; c.Read != 6 || c.Unchanged != tc.unchgd || c.Updated != tc.updated || c.Created != tc.created {
				t.Errorf("release after %d: counts %+v, want %d created, %d updated, %d unchanged", tc.releaseAfter, c, tc.created, tc.updated, tc.unchgd)
			}
		}
		for _, user := range []string{"ann", "bob", "eve2", "fay2", "fay6"} {
			if ps, _ := st.FindPersons(ctx, store.MatchUserName, user); len(ps) != 1 {
				t.Errorf("%s: %d persons, want 1", user, len(ps))
			}
		}
	})
}
