package evidence

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWorkbookReadBack(t *testing.T) {
	path := writeSample(t, testKey(t, 1), nil)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "People,Notes,Manifest" {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := f.GetRows("People", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"Person id", "Display name", "Count", "Seen at", "Seen at (ISO 8601)", "Score"}
	if strings.Join(rows[0], "|") != strings.Join(wantHeader, "|") {
		t.Fatalf("header = %q", rows[0])
	}
	if rows[1][1] != "Ada Lovelace" || rows[1][2] != "3" || rows[1][4] != "2026-11-30T09:15:30.123456Z" || rows[1][5] != "0.3" {
		t.Errorf("row 2 = %q", rows[1])
	}
	for i, h := range hostile[:3] {
		if got := rows[i+2][1]; got != "'"+h {
			t.Errorf("hostile %d stored as %q, want the quoted text", i, got)
		}
	}
	// Hostile names are text cells, never formulas.
	for r := 2; r <= 7; r++ {
		ref, _ := excelize.CoordinatesToCellName(2, r)
		if fo, _ := f.GetCellFormula("People", ref); fo != "" {
			t.Errorf("%s has formula %q", ref, fo)
		}
		if ty, _ := f.GetCellType("People", ref); ty != excelize.CellTypeInlineString && ty != excelize.CellTypeSharedString {
			t.Errorf("%s has type %v, want text", ref, ty)
		}
	}
	// Timestamps: a number with the explicit date-time format, shown in UTC.
	shown, err := f.GetCellValue("People", "D2")
	if err != nil {
		t.Fatal(err)
	}
	if shown != "2026-11-30 09:15:30" {
		t.Errorf("D2 shows %q, want 2026-11-30 09:15:30", shown)
	}
	if ty, _ := f.GetCellType("People", "D2"); ty != excelize.CellTypeNumber && ty != excelize.CellTypeUnset {
		t.Errorf("D2 type %v, want a number", ty)
	}
	if rows[3][3] != "" || rows[3][4] != "" {
		t.Errorf("a missing time leaves both cells empty, got %q", rows[3])
	}
	// Frozen header, table with autofilter and style.
	panes, err := f.GetPanes("People")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the header row frozen", panes, err)
	}
	tables, err := f.GetTables("People")
	if err != nil || len(tables) != 1 || tables[0].StyleName == "" || tables[0].Range != "A1:F7" {
		t.Errorf("tables = %+v, %v", tables, err)
	}
	if w, _ := f.GetColWidth("People", "B"); w < 10 {
		t.Errorf("column B width %v", w)
	}
	// The Manifest lists the sheets and is signed.
	man, err := f.GetRows("Manifest", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if man[1][0] != "People" || man[1][1] != "7" || man[2][0] != "Notes" {
		t.Errorf("manifest = %q", man[:3])
	}
	if last := man[len(man)-1]; last[0] != labelSignature || len(last[1]) != 88 {
		t.Errorf("last manifest row %q", last)
	}
}

func TestVerifyUnedited(t *testing.T) {
	key := testKey(t, 1)
	path := writeSample(t, key, nil)
	rep, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.SignatureChecked || len(rep.Sheets) != 2 || rep.ChainHead.Seq != 42 || rep.ChainHead.Hash != "ab12" {
		t.Fatalf("report = %+v", rep)
	}
	rep, err = verifyFile(t, path, VerifyOptions{})
	if err != nil || rep.SignatureChecked {
		t.Fatalf("without a key: %+v, %v", rep, err)
	}
}

// TestVerifyAfterExcelizeResave: another library's re-save (excelize's own
// open and save, which rewrites inline strings as shared strings) keeps the
// canonical content.
func TestVerifyAfterExcelizeResave(t *testing.T) {
	key := testKey(t, 1)
	path := writeSample(t, key, nil)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyTamper(t *testing.T) {
	key := testKey(t, 1)
	pub := key.Public().(ed25519.PublicKey)
	edit := func(fn func(f *excelize.File) error) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := fn(f); err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	for _, tc := range []struct {
		name        string
		tamper      func(t *testing.T, path string)
		noKey       bool
		sheet       string
		first, last int
	}{
		{name: "edit a text cell", sheet: "People", first: 4, last: 4,
			tamper: edit(func(f *excelize.File) error { return f.SetCellStr("People", "B4", "Somebody else") })},
		{name: "edit a number cell", sheet: "People", first: 6, last: 6,
			tamper: edit(func(f *excelize.File) error { return f.SetCellInt("People", "C6", 0) })},
		{name: "edit a timestamp", sheet: "People", first: 2, last: 2,
			tamper: edit(func(f *excelize.File) error { return f.SetCellFloat("People", "D2", 46356.5, -1, 64) })},
		{name: "turn text into a formula", sheet: "People", first: 3, last: 3,
			tamper: edit(func(f *excelize.File) error { return f.SetCellFormula("People", "B3", "1+1") })},
		{name: "delete a row", sheet: "People", first: 5, last: 5,
			tamper: edit(func(f *excelize.File) error { return f.RemoveRow("People", 5) })},
		{name: "edit the header", sheet: "People", first: 1, last: 1,
			tamper: edit(func(f *excelize.File) error { return f.SetCellStr("People", "A1", "Id") })},
		{name: "add a row", sheet: "People", first: 8, last: 8,
			tamper: edit(func(f *excelize.File) error { return f.SetSheetRow("People", "A8", &[]any{"p-7", "Mallory"}) })},
		{name: "add a sheet", sheet: "Extra",
			tamper: edit(func(f *excelize.File) error {
				_, err := f.NewSheet("Extra")
				if err == nil {
					err = f.SetCellStr("Extra", "A1", "x")
				}
				return err
			})},
		{name: "remove a sheet", sheet: "Notes",
			tamper: edit(func(f *excelize.File) error { return f.DeleteSheet("Notes") })},
		{name: "remove the manifest", sheet: ManifestSheet,
			tamper: edit(func(f *excelize.File) error { return f.DeleteSheet(ManifestSheet) })},
		{name: "edit the manifest", sheet: ManifestSheet,
			tamper: edit(func(f *excelize.File) error { return f.SetCellStr(ManifestSheet, "A3", "Renamed") })},
		{name: "edit a cell without a key", noKey: true, sheet: "Notes", first: 2, last: 2,
			tamper: edit(func(f *excelize.File) error { return f.SetCellStr("Notes", "A2", "something else") })},
		{name: "edit a cell and re-sign with another key", sheet: ManifestSheet,
			tamper: func(t *testing.T, path string) {
				forged := writeSample(t, testKey(t, 2), func(rows [][]any) { rows[0][1] = "Eve" })
				copyFile(t, forged, path)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeSample(t, key, nil)
			tc.tamper(t, path)
			opts := VerifyOptions{PublicKey: pub}
			if tc.noKey {
				opts.PublicKey = nil
			}
			_, err := verifyFile(t, path, opts)
			wantTamper(t, err, tc.sheet, tc.first, tc.last)
		})
	}
}

// TestForgedWithoutKeyHoldsHashes documents the limit: a forger who
// re-signs passes a check without a key, which is why verify says so.
func TestForgedWithoutKeyHoldsHashes(t *testing.T) {
	forged := writeSample(t, testKey(t, 2), func(rows [][]any) { rows[0][1] = "Eve" })
	rep, err := verifyFile(t, forged, VerifyOptions{})
	if err != nil || rep.SignatureChecked {
		t.Fatalf("got %+v, %v", rep, err)
	}
}
