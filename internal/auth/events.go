package auth

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Recorder writes security events into the audit chain, rate-limited per
// client address and overall, so an attacker cannot flood the chain: past
// PerClient events a minute from one address (or Total from all), one
// auth.records_dropped event says so and the rest of that minute's events
// go to the log only.
type Recorder struct {
	Store     store.Store
	Now       func() time.Time
	Logger    *slog.Logger
	PerClient int
	Total     int

	mu      sync.Mutex
	window  time.Time
	counts  map[string]int
	overall int
}

// NewRecorder records at most 30 events a minute per client address and
// 600 overall.
func NewRecorder(st store.Store, now func() time.Time, logger *slog.Logger) *Recorder {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{Store: st, Now: now, Logger: logger, PerClient: 30, Total: 600}
}

// Record appends one security event for r's client.
func (rc *Recorder) Record(r *http.Request, actor, action, target string, details map[string]string) {
	if rc == nil {
		return
	}
	client := ClientAddr(r)
	if details == nil {
		details = map[string]string{}
	}
	details["client"] = client
	if id := r.Header.Get("X-Request-Id"); id != "" {
		details["requestId"] = id
	}
	if actor == "" {
		actor = "anonymous"
	}
	switch rc.admit(client) {
	case admitDrop:
		rc.Logger.Warn("security event not recorded (rate)", "action", action, "actor", actor, "target", target, "client", client)
		return
	case admitLast:
		rc.append(r.Context(), "system", audit.ActionRecordsDropped, "client:"+client,
			map[string]string{"client": client, "reason": "more security events than allowed this minute; the rest go to the log only"})
		rc.Logger.Warn("security event not recorded (rate)", "action", action, "actor", actor, "target", target, "client", client)
		return
	}
	rc.append(r.Context(), actor, action, target, details)
}

func (rc *Recorder) append(ctx context.Context, actor, action, target string, details map[string]string) {
	ctx = context.WithoutCancel(ctx)
	err := rc.Store.InTx(ctx, func(tx store.Tx) error {
		_, err := audit.Append(ctx, tx, rc.Now(), audit.Entry{Actor: actor, Action: action, Target: target, Details: details})
		return err
	})
	if err != nil {
		rc.Logger.Error("record security event", "action", action, "err", err)
	}
}

type admission int

const (
	admitOK admission = iota
	admitLast
	admitDrop
)

func (rc *Recorder) admit(client string) admission {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	now := rc.Now()
	if now.Sub(rc.window) >= time.Minute || rc.counts == nil {
		rc.window, rc.counts, rc.overall = now, map[string]int{}, 0
	}
	rc.counts[client]++
	rc.overall++
	n := rc.counts[client]
	switch {
	case n <= rc.PerClient && rc.overall <= rc.Total:
		return admitOK
	case n == rc.PerClient+1 || rc.overall == rc.Total+1:
		return admitLast
	}
	return admitDrop
}

// ClientAddr is the request's client address: the connection's peer.
// Forwarded headers are not trusted (any client can send them).
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Limiter counts failed authentications per client address in one-minute
// windows. It never slows a success: callers ask it only after a failure,
// and answer 429 with Retry-After instead of the failure once an address
// is over the limit.
type Limiter struct {
	PerMinute int
	Now       func() time.Time

	mu     sync.Mutex
	window time.Time
	counts map[string]int
}

// NewLimiter allows perMinute failures per address per minute.
func NewLimiter(perMinute int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{PerMinute: perMinute, Now: now}
}

// Fail counts a failure for r's client; blocked reports whether the client
// is now over the limit, and retry how long until the window resets.
func (l *Limiter) Fail(r *http.Request) (blocked bool, retry time.Duration) {
	if l == nil {
		return false, 0
	}
	client := ClientAddr(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if now.Sub(l.window) >= time.Minute || l.counts == nil {
		l.window, l.counts = now, map[string]int{}
	}
	l.counts[client]++
	return l.counts[client] > l.PerMinute, l.window.Add(time.Minute).Sub(now)
}

// TooMany writes 429 with Retry-After in whole seconds (RFC 9110 §10.2.3).
func TooMany(w http.ResponseWriter, retry time.Duration) {
	secs := int(retry.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}
