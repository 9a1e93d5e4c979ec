package nhi_test

import (
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const importFile = `kind,name,environment,owner,project,expires,rotated,description
service-account,svc-backup,prod,alice,apollo,2027-01-31,2026-05-01,nightly backups
api-key,key-ci,dev,alice@example.com,,,,
robot,svc-bad-kind,prod,alice,,,,
api-key,key-bad-date,prod,alice,,31/01/2027,,
token,tok-ghost,prod,ghost,,,,
certificate,svc-backup,prod,alice,,,,duplicate name
workload,wl-bad-project,prod,alice,nope,,,
token,tok-two-problems,prod,ghost,,soon,,
`

func TestImport(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		alice := f.person(t, "alice", "", "")
		if _, err := f.svc.CreateProject(ctx, "test", nhi.ProjectInput{Name: "apollo", Owner: "alice"}); err != nil {
			t.Fatal(err)
		}
		rows, err := nhi.ParseCSV(strings.NewReader(importFile))
		if err != nil {
			t.Fatal(err)
		}
		wantInvalid := map[int]string{
			4: `kind: unknown kind "robot"`,
			5: `expires: "31/01/2027" is not a date`,
			6: `owner: "ghost" matches no person`,
			7: `name: "svc-backup" appears again in source "import" (first on line 2)`,
			8: `project: no project with id or name "nope"`,
			9: `expires: "soon" is not a date`,
		}
		check := func(rep nhi.ImportReport, action string) {
			t.Helper()
			if rep.Invalid != 6 || len(rep.Rows) != 8 {
				t.Fatalf("report %+v", rep)
			}
			for _, r := range rep.Rows {
				if want, bad := wantInvalid[r.Line]; bad {
					if r.Line == 9 { // both problems of the row, parse and store, at once
						if len(r.Errors) != 2 || !strings.Contains(r.Errors[1].Error(), `owner: "ghost" matches no person`) {
							t.Fatalf("line 9: %+v", r.Errors)
						}
						r.Errors = r.Errors[:1]
					}
					if r.Action != nhi.ImportInvalid || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Error(), want) {
						t.Fatalf("line %d: %+v, want error containing %q", r.Line, r, want)
					}
				} else if r.Action != action {
					t.Fatalf("line %d: action %s, want %s (%+v)", r.Line, r.Action, action, r)
				}
			}
		}

		dry, err := f.svc.Import(ctx, "import:test", rows, true)
		if err != nil {
			t.Fatal(err)
		}
		check(dry, nhi.ImportCreate)
		if n, _ := s.CountNHIs(ctx, store.NHIQuery{}); n != 0 {
			t.Fatalf("dry run stored %d NHIs", n)
		}
		if fs := openFindings(t, s); len(fs) != 0 {
			t.Fatalf("dry run stored findings %v", fs)
		}

		rep, err := f.svc.Import(ctx, "import:test", rows, false)
		if err != nil {
			t.Fatal(err)
		}
		check(rep, nhi.ImportCreate)
		if rep.Created != 2 {
			t.Fatalf("created %d", rep.Created)
		}
		got, err := s.ListNHIs(ctx, store.NHIQuery{Source: "import"})
		if err != nil || len(got) != 2 {
			t.Fatalf("stored %v %+v", err, got)
		}
		for _, n := range got {
			if n.OwnerID != alice.ID {
				t.Fatalf("owner of %s: %q", n.Name, n.OwnerID)
			}
			if n.Name == "svc-backup" && (n.ExpiresAt == nil || n.ExpiresAt.Format("2006-01-02") != "2027-01-31" || n.ProjectID == "" || n.Environment != "prod") {
				t.Fatalf("svc-backup stored as %+v", n)
			}
		}

		again, err := f.svc.Import(ctx, "import:test", rows, false)
		if err != nil {
			t.Fatal(err)
		}
		check(again, nhi.ImportUnchanged)

		changed, err := nhi.ParseCSV(strings.NewReader("name,kind,owner\nkey-ci,api-key,\n"))
		if err != nil {
			t.Fatal(err)
		}
		up, err := f.svc.Import(ctx, "import:test", changed, false)
		if err != nil || up.Updated != 1 {
			t.Fatalf("update: %v %+v", err, up)
		}
		wantStrings(t, "findings after dropping the owner", openFindings(t, s), []string{"key-ci no-owner"})
	})
}

func TestParseCSVHeader(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"unknown column", "kind,name,colour\n", `column 3 "colour" is unknown`},
		{"missing name", "kind,owner\n", `lacks the required column "name"`},
		{"duplicate", "kind,name,kind\n", `"kind" appears twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nhi.ParseCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	rows, err := nhi.ParseCSV(strings.NewReader("\ufeffName,KIND\nx,token\n\ny,token,extra\n\"z,token\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Line != 2 || len(rows[0].Errors) != 0 || rows[1].Line != 4 || len(rows[1].Errors) != 1 || rows[2].Line != 5 || len(rows[2].Errors) != 1 {
		t.Fatalf("rows %+v", rows)
	}
}

// FuzzParseCSV: any input either fails as a whole with an error or gives
// rows whose line numbers increase and whose error-free rows hold a valid
// kind and a name.
func FuzzParseCSV(f *testing.F) {
	f.Add(importFile)
	f.Add("kind,name\n")
	f.Add("name,kind,expires\nx,token,2026-13-01\n")
	f.Add("kind,name\n\"a\nb\",c\n")
	f.Add("kind,name,co_owners\ntoken,t,a;b;;c\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := nhi.ParseCSV(strings.NewReader(in))
		if err != nil {
			if rows != nil {
				t.Fatal("rows returned with an error")
			}
			return
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
			if len(r.Errors) == 0 && (!r.Input.Kind.Valid() || r.Input.Name == "" || r.Input.Source == "") {
				t.Fatalf("row without errors is invalid: %+v", r)
			}
		}
	})
}
