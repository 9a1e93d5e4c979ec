package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/membership"
	"github.com/syncd-dev/syncd/internal/store"
)

// gen is one generation run.
type gen struct {
	o   Options
	rnd *rand.Rand
	now time.Time
	sum Summary

	hr      []*member // everyone, in creation order
	byEmail map[string]*member
	ids     map[string]string // HR external id → person id
}

// member is one generated person as HR asserts them.
type member struct {
	empNo, first, last, email, title, dept, manager, status string
	idpID                                                   string
}

type dept struct {
	name, head, manager string
	titles              []string
	share               int // per cent of staff
}

var depts = []dept{
	{"Engineering", "VP Engineering", "Engineering Manager", []string{"Software Engineer", "Senior Software Engineer", "Site Reliability Engineer", "QA Engineer"}, 30},
	{"Sales", "VP Sales", "Sales Manager", []string{"Account Executive", "Sales Development Rep", "Sales Engineer"}, 17},
	{"Finance", "Head of Finance", "Finance Manager", []string{"Accountant", "Senior Accountant", "Financial Analyst"}, 10},
	{"Marketing", "Head of Marketing", "Marketing Manager", []string{"Marketing Specialist", "Content Writer", "Growth Analyst"}, 9},
	{"IT", "Head of IT", "IT Manager", []string{"IT Administrator", "Helpdesk Technician", "Security Analyst"}, 9},
	{"People", "Head of People", "People Manager", []string{"HR Partner", "Recruiter"}, 6},
	{"Legal", "General Counsel", "Compliance Manager", []string{"Counsel", "Compliance Analyst", "Compliance Auditor"}, 5},
	{"Product", "VP Product", "Product Lead", []string{"Product Manager", "Product Designer"}, 8},
	{"Operations", "Head of Operations", "Operations Manager", []string{"Operations Analyst", "Facilities Coordinator"}, 6},
}

var firstNames = strings.Fields(`Aiko Amara Anders Aylin Bea Bruno Camila Chen Dara Dmitri Elena Emeka Farah Felix Greta Hamid Ines Ivan
Jana Jonas Kai Kemal Lara Leon Lina Luca Maya Mateo Nadia Niko Noor Oskar Priya Rafael Rosa Sami Sofia Tariq Tess Uma Viktor Wen Yara Zane`)

var lastNames = strings.Fields(`Abara Bauer Costa Dahl Eriksen Fischer Garcia Haddad Ito Jansen Kowalski Larsen Moreau Nakamura Olsen
Petrov Quinn Rossi Silva Tanaka Ueda Varga Weber Xu Yilmaz Zimmermann Andersson Becker Chowdhury Duarte Engel Fontaine`)

// fixed people: the CEO and the people behind the demo logins, placed
// where each login has something to show.
func (g *gen) fixed(first, last, title, dept, manager string) *member {
	return g.add(first, last, title, dept, manager, "active")
}

func (g *gen) add(first, last, title, dept, manager, status string) *member {
	email := strings.ToLower(first + "." + last + "@example.com")
	for i := 2; g.byEmail[email] != nil; i++ {
		email = strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", first, last, i))
	}
	m := &member{
		empNo: fmt.Sprintf("E%05d", 1000+len(g.hr)), first: first, last: last, email: email,
		title: title, dept: dept, manager: manager, status: status,
		idpID: fmt.Sprintf("aad-%08x", g.rnd.Uint32()),
	}
	g.hr = append(g.hr, m)
	g.byEmail[email] = m
	return m
}

func (g *gen) name() (string, string) {
	return firstNames[g.rnd.IntN(len(firstNames))], lastNames[g.rnd.IntN(len(lastNames))]
}

// plan lays out the organisation in memory.
func (g *gen) plan() {
	g.byEmail = map[string]*member{}
	ceo := g.fixed("Hana", "Sato", "Chief Executive Officer", "Executive", "")
	heads := map[string]*member{}
	for _, d := range depts {
		first, last := g.name()
		switch d.name {
		case "IT":
			first, last = "Ada", "Lindqvist"
		}
		heads[d.name] = g.fixed(first, last, d.head, d.name, ceo.empNo)
	}
	staff := g.o.People - len(g.hr)
	for _, d := range depts {
		n := staff * d.share / 100
		managers := max(1, n/12)
		var mgrs []*member
		for i := range managers {
			first, last := g.name()
			switch {
			case d.name == "Engineering" && i == 0:
				first, last = "Max", "Okafor"
			case d.name == "Legal" && i == 0:
				first, last = "Otto", "Brandt"
			}
			title := d.manager
			if first == "Otto" {
				title = "Compliance Auditor"
			}
			mgrs = append(mgrs, g.fixed(first, last, title, d.name, heads[d.name].empNo))
		}
		for i := range n - managers {
			first, last := g.name()
			title := d.titles[g.rnd.IntN(len(d.titles))]
			mgr := mgrs[i%len(mgrs)]
			switch {
			case d.name == "Engineering" && i == 0:
				first, last, title = "Eli", "Novak", "Software Engineer"
			case d.name == "Product" && i == 0:
				first, last, title = "Cora", "Mendes", "Product Manager"
			}
			status := "active"
			if first != "Eli" && first != "Cora" {
				switch r := g.rnd.IntN(100); {
				case r < 2:
					status = "disabled"
				}
			}
			g.add(first, last, title, d.name, mgr.empNo, status)
		}
	}
}

func (m *member) hrRecord() identity.Record {
	rec := identity.Record{ExternalID: m.empNo, Attributes: map[string]string{
		identity.AttrEmployeeNumber: m.empNo, identity.AttrGivenName: m.first, identity.AttrFamilyName: m.last,
		identity.AttrDisplayName: m.first + " " + m.last, identity.AttrEmail: m.email,
		identity.AttrTitle: m.title, identity.AttrDepartment: m.dept, identity.AttrStatus: m.status,
		identity.AttrCostCenter: "CC-" + strings.ToUpper(m.dept),
	}, Manager: &identity.ManagerRef{}}
	if m.manager != "" {
		rec.Manager = &identity.ManagerRef{EmployeeNumber: m.manager}
	}
	return rec
}

func (m *member) idpRecord() identity.Record {
	return identity.Record{ExternalID: m.idpID, Attributes: map[string]string{
		identity.AttrUserName: m.email, identity.AttrEmail: m.email,
		identity.AttrDisplayName: m.first + " " + m.last, identity.AttrEmployeeNumber: m.empNo,
	}}
}

// apply writes one batch at time at and records it as a sync run.
func (g *gen) apply(ctx context.Context, at time.Time, source, mode string, changes []identity.Change) (identity.Result, error) {
	svc, err := g.o.Identity(func() time.Time { return at })
	if err != nil {
		return identity.Result{}, fmt.Errorf("demo: identity: %w", err)
	}
	res, err := svc.Apply(ctx, identity.Batch{Source: source, Changes: changes})
	if err != nil {
		return res, fmt.Errorf("demo: apply %s batch: %w", source, err)
	}
	run := store.SyncRun{Source: source, Mode: mode, Status: store.RunSucceeded, StartedAt: at}
	fin := at.Add(time.Duration(2+len(changes)/50) * time.Second)
	run.FinishedAt = &fin
	run.Counts.Read = len(changes)
	for _, a := range res.Applied {
		switch {
		case a.Created:
			run.Counts.Created++
		case a.Changed:
			run.Counts.Updated++
		default:
			run.Counts.Unchanged++
		}
	}
	for _, r := range res.Rejected {
		run.Counts.Rejected++
		run.Rejections = append(run.Rejections, store.Rejection{ExternalID: r.ExternalID, Reason: r.Reason})
	}
	if _, err := g.o.Store.CreateSyncRun(ctx, run); err != nil {
		return res, fmt.Errorf("demo: record run: %w", err)
	}
	g.sum.Runs++
	return res, nil
}

// people writes the first HR load (with two records HR got wrong, which
// are rejected), then the IdP's accounts.
func (g *gen) people(ctx context.Context) error {
	g.plan()
	var changes []identity.Change
	for _, m := range g.hr {
		changes = append(changes, identity.Change{Record: m.hrRecord()})
	}
	changes = append(changes,
		identity.Change{Record: identity.Record{ExternalID: "E99998", Attributes: map[string]string{identity.AttrDisplayName: "Contractor Without Keys"}}},
		identity.Change{Record: identity.Record{ExternalID: "E99999", Attributes: map[string]string{
			identity.AttrEmployeeNumber: "E99999", identity.AttrStatus: "on-leave"}}},
	)
	res, err := g.apply(ctx, g.now.AddDate(0, 0, -120), SourceHR, "full", changes)
	if err != nil {
		return err
	}
	g.ids = map[string]string{}
	for _, a := range res.Applied {
		g.ids[a.ExternalID] = a.PersonID
	}
	g.sum.People = len(res.Applied)
	changes = changes[:0]
	for _, m := range g.hr {
		if m.status == "active" {
			changes = append(changes, identity.Change{Record: m.idpRecord()})
		}
	}
	_, err = g.apply(ctx, g.now.AddDate(0, 0, -119), SourceIdP, "push", changes)
	return err
}

// movers changes departments and titles for some people and terminates a
// few, so job-function history and mover events have content; and records
// one failed HR run.
func (g *gen) movers(ctx context.Context) error {
	var changes []identity.Change
	moved := 0
	for _, m := range g.hr {
		if m.status != "active" || strings.Contains(m.title, "Manager") || strings.HasPrefix(m.title, "Head") || strings.HasPrefix(m.title, "VP") {
			continue
		}
		if fixedName(m) {
			continue
		}
		switch {
		case m.dept == "Sales" && moved < 6:
			m.dept, m.title = "Marketing", "Growth Analyst"
		case m.dept == "Finance" && m.title == "Financial Analyst" && moved < 10:
			m.title = "Accountant"
		case m.dept == "Engineering" && m.title == "QA Engineer" && moved < 14:
			m.dept, m.title = "Product", "Product Manager"
		default:
			continue
		}
		moved++
		changes = append(changes, identity.Change{Record: m.hrRecord()})
	}
	terminated := 0
	for i := len(g.hr) - 1; i >= 0 && terminated < 12; i -= 7 {
		m := g.hr[i]
		if m.status != "active" || fixedName(m) || strings.Contains(m.title, "Manager") {
			continue
		}
		m.status = "terminated"
		terminated++
		changes = append(changes, identity.Change{Record: m.hrRecord()})
	}
	res, err := g.apply(ctx, g.now.AddDate(0, 0, -20), SourceHR, "incremental", changes)
	if err != nil {
		return err
	}
	g.sum.Movers = len(res.Applied)
	fail := g.now.Add(-26 * time.Hour)
	fin := fail.Add(30 * time.Second)
	_, err = g.o.Store.CreateSyncRun(ctx, store.SyncRun{
		Source: SourceHR, Mode: "incremental", Status: store.RunFailed, StartedAt: fail, FinishedAt: &fin,
		Error: "workday: GET /ccx/service/customreport2/workers: 503 Service Unavailable (retried 3 times)",
	})
	if err != nil {
		return fmt.Errorf("demo: record failed run: %w", err)
	}
	g.sum.Runs++
	fin2 := g.now.Add(-2*time.Hour + 40*time.Second)
	if _, err := g.o.Store.CreateSyncRun(ctx, store.SyncRun{
		Source: SourceHR, Mode: "incremental", Status: store.RunSucceeded, StartedAt: g.now.Add(-2 * time.Hour), FinishedAt: &fin2,
		Counts: store.RunCounts{Read: 4, Unchanged: 4},
	}); err != nil {
		return fmt.Errorf("demo: record run: %w", err)
	}
	g.sum.Runs++
	// The IdP's latest push failed half-way: what a failed source looks
	// like on the sync page.
	fin3 := g.now.Add(-50*time.Minute + 12*time.Second)
	if _, err := g.o.Store.CreateSyncRun(ctx, store.SyncRun{
		Source: SourceIdP, Mode: "push", Status: store.RunFailed, StartedAt: g.now.Add(-50 * time.Minute), FinishedAt: &fin3,
		Counts: store.RunCounts{Read: 12, Updated: 9, Rejected: 3},
		Error:  "scim: 3 of 12 PATCH requests rejected; the IdP stopped the batch",
		Rejections: []store.Rejection{
			{ExternalID: "aad-0badc0de", Reason: "matches person E01042, which is already linked to record \"aad-1f00ba47\" of source \"entra\""},
			{ExternalID: "aad-0badf00d", Reason: "new person without any match key (employeeNumber, email, userName)"},
			{ExternalID: "aad-deadbeef", Reason: "status \"suspended\" is not active, disabled or terminated"},
		},
	}); err != nil {
		return fmt.Errorf("demo: record failed run: %w", err)
	}
	g.sum.Runs++
	return nil
}

func fixedName(m *member) bool {
	for _, l := range Logins() {
		if strings.EqualFold(l.Email, m.email) {
			return true
		}
	}
	return m.first == "Hana" && m.last == "Sato"
}

// groups creates the IdP's groups and their members.
func (g *gen) groups(ctx context.Context) error {
	members := map[string][]string{}
	order := []string{"All Staff", "VPN Users", "Production Access"}
	for _, m := range g.hr {
		id := g.ids[m.empNo]
		if id == "" || m.status != "active" {
			continue
		}
		members["All Staff"] = append(members["All Staff"], id)
		team := m.dept + " Team"
		if _, ok := members[team]; !ok {
			order = append(order, team)
		}
		members[team] = append(members[team], id)
		if g.rnd.IntN(10) < 4 || m.dept == "IT" {
			members["VPN Users"] = append(members["VPN Users"], id)
		}
		if m.title == "Site Reliability Engineer" || m.dept == "IT" {
			members["Production Access"] = append(members["Production Access"], id)
		}
	}
	for _, name := range order {
		grp, err := g.o.Store.CreateGroup(ctx, store.Group{Source: SourceIdP, ExternalID: "grp-" + strings.ToLower(strings.ReplaceAll(name, " ", "-")), DisplayName: name})
		if err != nil {
			return fmt.Errorf("demo: group %s: %w", name, err)
		}
		err = g.o.Store.InTx(ctx, func(tx store.Tx) error {
			return membership.Write(ctx, tx, g.now, func(mw *membership.Writes) error {
				_, err := mw.Apply(ctx, "demo", membership.Delta{GroupID: grp.ID, Source: SourceIdP, Name: name, Add: members[name]})
				return err
			})
		})
		if err != nil {
			return fmt.Errorf("demo: members of %s: %w", name, err)
		}
		g.sum.Groups++
	}
	return nil
}
