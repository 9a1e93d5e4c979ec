package webui

import (
	"bytes"
	"context"
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// bar is one labelled value; the layout fields are filled by layoutChart.
type bar struct {
	Label               string
	Value               int
	Color               string
	Y, W, TextY, ValueX int
}

type chart struct {
	Title                                string
	Width, Height, LabelWidth, BarHeight int
	Bars                                 []bar
}

// layoutChart places horizontal bars scaled to the largest value.
func layoutChart(title string, bars []bar) chart {
	c := chart{Title: title, Width: 360, LabelWidth: 130, BarHeight: 22, Bars: bars}
	c.Height = 12 + len(bars)*(c.BarHeight+10)
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	span := c.Width - c.LabelWidth - 50
	for i := range c.Bars {
		b := &c.Bars[i]
		b.Y = 6 + i*(c.BarHeight+10)
		b.W = b.Value * span / maxV
		if b.Value > 0 && b.W < 2 {
			b.W = 2
		}
		b.TextY = b.Y + c.BarHeight/2 + 4
		b.ValueX = c.LabelWidth + b.W + 6
	}
	return c
}

func (s *Server) identitiesByStatus(ctx context.Context) ([]bar, error) {
	colors := map[store.Status]string{store.StatusActive: "#116329", store.StatusDisabled: "#9a6700", store.StatusTerminated: "#a40e26"}
	var bars []bar
	for _, st := range []store.Status{store.StatusActive, store.StatusDisabled, store.StatusTerminated} {
		n, err := s.Store.CountPersons(ctx, store.PersonQuery{Status: st})
		if err != nil {
			return nil, err
		}
		bars = append(bars, bar{Label: string(st), Value: n, Color: colors[st]})
	}
	return bars, nil
}

func (s *Server) writeChart(w http.ResponseWriter, r *http.Request, c chart) {
	var buf bytes.Buffer
	if err := s.chart.ExecuteTemplate(&buf, "barchart", c); err != nil {
		s.internal(w, r, "chart", err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	buf.WriteTo(w)
}

// identitiesChart: people by status, for admins and auditors.
func (s *Server) identitiesChart(w http.ResponseWriter, r *http.Request) {
	if !auth.PrincipalFrom(r.Context()).SeesAll() {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "Charts are for administrators and auditors.")
		return
	}
	bars, err := s.identitiesByStatus(r.Context())
	if err != nil {
		s.internal(w, r, "identities chart", err)
		return
	}
	s.writeChart(w, r, layoutChart("People by status", bars))
}

// findingsChart: open orphan findings by rule, for admins and auditors.
func (s *Server) findingsChart(w http.ResponseWriter, r *http.Request) {
	if !auth.PrincipalFrom(r.Context()).SeesAll() {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "Charts are for administrators and auditors.")
		return
	}
	if s.Findings == nil {
		s.notFound(w, r, "Chart")
		return
	}
	bars, err := s.findingsByRule(r.Context())
	if err != nil {
		s.internal(w, r, "findings chart", err)
		return
	}
	s.writeChart(w, r, layoutChart("Open orphan findings by rule", bars))
}

// findingsByRule counts open orphan findings per rule, the known rules
// first and in their order.
func (s *Server) findingsByRule(ctx context.Context) ([]bar, error) {
	counts, err := s.Findings.CountOpenFindingsByRule(ctx)
	if err != nil {
		return nil, err
	}
	rules := slices.Clone(OrphanRules)
	for rule := range counts {
		if !slices.Contains(rules, rule) {
			rules = append(rules, rule)
		}
	}
	var bars []bar
	for _, rule := range rules {
		bars = append(bars, bar{Label: rule, Value: counts[rule], Color: "#a40e26"})
	}
	return bars, nil
}
