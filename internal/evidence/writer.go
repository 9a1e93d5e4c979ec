package evidence

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Kind is what a column holds.
type Kind int

const (
	// Text columns hold strings (neutralised by SafeText).
	Text Kind = iota
	// Number columns hold ints or floats.
	Number
	// Time columns take two cells: the UTC date-time as a number with an
	// explicit date-time format, and beside it the ISO-8601 text.
	Time
)

// Column is one logical column of a sheet.
type Column struct {
	Name  string
	Kind  Kind
	Width float64 // 0: a default for the kind
}

// dateTimeFormat is the explicit number format of timestamp cells: without
// one, spreadsheet programs show the serial number or guess a local format.
const dateTimeFormat = "yyyy-mm-dd hh:mm:ss"

// isoSuffix names the text column beside each timestamp.
const isoSuffix = " (ISO 8601)"

// Writer streams a workbook sheet by sheet with bounded memory and records
// each sheet's canonical hash for the Manifest.
type Writer struct {
	f         *excelize.File
	timeStyle int
	sheets    []sheetRecord
	open      *Sheet
	// raw makes the writer a plain StreamWriter of the same cells: no
	// neutralising, hashing, table or Manifest. Only the benchmark's
	// baseline uses it.
	raw bool
}

type sheetRecord struct {
	name      string
	rows      int
	blockSize int
	sum       string
	blocks    []Block
}

// NewWriter starts an empty workbook.
func NewWriter() (*Writer, error) {
	f := excelize.NewFile()
	format := dateTimeFormat
	st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("evidence: date style: %w", err)
	}
	return &Writer{f: f, timeStyle: st}, nil
}

// Close releases the workbook's temporary files; safe after Finish.
func (w *Writer) Close() error { return w.f.Close() }

// Sheet is a sheet being written: a header row, frozen, then data rows.
type Sheet struct {
	w        *Writer
	name     string
	sw       *excelize.StreamWriter
	cols     []Column
	width    int // physical columns
	row      int
	digest   *digest
	values   []any
	cells    []cell
	table    bool
	finished bool
}

// SheetOptions shape a sheet.
type SheetOptions struct {
	// ExpectedRows sizes the Manifest's block hashes (about 1000 per
	// sheet); a wrong guess costs only precision when naming edited rows.
	ExpectedRows int
	// NoTable leaves out the table (style and autofilter): for sheets that
	// are not one table, like the Manifest.
	NoTable bool
}

// NewSheet adds a sheet (names are at most 31 characters) and writes its
// header row. The previous sheet must be closed.
func (w *Writer) NewSheet(name string, cols []Column, opts SheetOptions) (*Sheet, error) {
	if w.open != nil {
		return nil, fmt.Errorf("evidence: sheet %q still open", w.open.name)
	}
	if len(name) > 31 || name == "" || strings.ContainsAny(name, `[]:*?/\`) {
		return nil, fmt.Errorf("evidence: sheet name %q is not allowed", name)
	}
	if len(w.sheets) == 0 {
		if err := w.f.SetSheetName("Sheet1", name); err != nil {
			return nil, fmt.Errorf("evidence: sheet %q: %w", name, err)
		}
	} else if _, err := w.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("evidence: sheet %q: %w", name, err)
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("evidence: sheet %q: %w", name, err)
	}
	s := &Sheet{w: w, name: name, sw: sw, cols: cols, digest: newDigest(blockSizeFor(opts.ExpectedRows + 1)), table: !opts.NoTable}
	var header []string
	for _, c := range cols {
		switch c.Kind {
		case Time:
			header = append(header, c.Name, c.Name+isoSuffix)
		default:
			header = append(header, c.Name)
		}
	}
	s.width = len(header)
	s.values = make([]any, s.width)
	s.cells = make([]cell, s.width)
	col := 1
	for _, c := range cols {
		width := c.Width
		switch {
		case c.Kind == Time:
			if width == 0 {
				width = 20
			}
			if err := sw.SetColWidth(col, col, width); err != nil {
				return nil, fmt.Errorf("evidence: sheet %q: %w", name, err)
			}
			col++
			width = 28
		case width == 0 && c.Kind == Number:
			width = 12
		case width == 0:
			width = 24
		}
		if err := sw.SetColWidth(col, col, width); err != nil {
			return nil, fmt.Errorf("evidence: sheet %q: %w", name, err)
		}
		col++
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("evidence: sheet %q: freeze header: %w", name, err)
	}
	// Printed pages (and PDFs) carry the sheet name: an auditor filing a
	// printout must see which sheet a page belongs to.
	if err := w.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&\"-,Bold\"&A", OddFooter: "&RPage &P of &N",
	}); err != nil {
		return nil, fmt.Errorf("evidence: sheet %q: page header: %w", name, err)
	}
	w.open = s
	hv := make([]any, len(header))
	for i, h := range header {
		hv[i] = h
	}
	if err := s.writePhysical(hv); err != nil {
		return nil, err
	}
	return s, nil
}

// Row writes the next row, one value per logical column: string, int,
// int64, float64, bool (written "yes"/"no"), time.Time or *time.Time (zero
// or nil leave both cells empty) or nil. A Time column given a non-time
// value writes it in the first cell and leaves the ISO cell empty.
func (s *Sheet) Row(values ...any) error {
	if len(values) > len(s.cols) {
		return fmt.Errorf("evidence: sheet %q: %d values for %d columns", s.name, len(values), len(s.cols))
	}
	phys := s.values[:0]
	for i, c := range s.cols {
		var v any
		if i < len(values) {
			v = values[i]
		}
		if c.Kind == Time {
			t, isTime, err := asTime(v)
			if err != nil {
				return fmt.Errorf("evidence: sheet %q column %q: %w", s.name, c.Name, err)
			}
			if isTime {
				if t.IsZero() {
					phys = append(phys, nil, nil)
				} else {
					phys = append(phys, timeValue(t), t.UTC().Format(time.RFC3339Nano))
				}
				continue
			}
			phys = append(phys, v, nil)
			continue
		}
		phys = append(phys, v)
	}
	return s.writePhysical(phys)
}

// timeCell marks a serial date-time for the date style.
type timeCell float64

// timeValue is t as a spreadsheet serial (days since 1899-12-30, UTC),
// rounded as the canonical form keeps numbers.
func timeValue(t time.Time) timeCell {
	const unixEpochSerial = 25569
	us := t.UTC().UnixMicro()
	return timeCell(roundNumber(float64(us)/86400e6 + unixEpochSerial))
}

func asTime(v any) (time.Time, bool, error) {
	switch t := v.(type) {
	case time.Time:
		return t, true, nil
	case *time.Time:
		if t == nil {
			return time.Time{}, true, nil
		}
		return *t, true, nil
	}
	return time.Time{}, false, nil
}

// writePhysical writes one row of physical cells and hashes it.
func (s *Sheet) writePhysical(vals []any) error {
	s.row++
	if s.w.raw {
		return s.writeRaw(vals)
	}
	cells := s.cells[:len(vals)]
	for i, v := range vals {
		var c cell
		switch x := v.(type) {
		case nil:
			vals[i] = nil
		case string:
			if x == "" {
				vals[i] = nil
				break
			}
			x = cellText(x)
			vals[i], c = x, cell{kindText, x}
		case bool:
			t := "no"
			if x {
				t = "yes"
			}
			vals[i], c = t, cell{kindText, t}
		case int:
			vals[i], c = s.intCell(int64(x))
		case int64:
			vals[i], c = s.intCell(x)
		case float64:
			n, err := formatNumber(x)
			if err != nil {
				return fmt.Errorf("evidence: sheet %q row %d: %w", s.name, s.row, err)
			}
			vals[i], c = roundNumber(x), cell{kindNumber, n}
		case timeCell:
			n, _ := formatNumber(float64(x))
			vals[i], c = excelize.Cell{StyleID: s.w.timeStyle, Value: float64(x)}, cell{kindNumber, n}
		case time.Time:
			if x.IsZero() {
				vals[i] = nil
				break
			}
			t := x.UTC().Format(time.RFC3339Nano)
			vals[i], c = t, cell{kindText, t}
		default:
			return fmt.Errorf("evidence: sheet %q row %d: cannot write a %T", s.name, s.row, v)
		}
		cells[i] = c
	}
	if err := s.digest.add(s.row, cells); err != nil {
		return err
	}
	cellRef, _ := excelize.CoordinatesToCellName(1, s.row)
	if err := s.sw.SetRow(cellRef, vals); err != nil {
		return fmt.Errorf("evidence: sheet %q row %d: %w", s.name, s.row, err)
	}
	return nil
}

// writeRaw writes vals as a plain StreamWriter caller would.
func (s *Sheet) writeRaw(vals []any) error {
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			if x == "" {
				vals[i] = nil
			}
		case bool:
			vals[i] = "no"
			if x {
				vals[i] = "yes"
			}
		case timeCell:
			vals[i] = excelize.Cell{StyleID: s.w.timeStyle, Value: float64(x)}
		case time.Time:
			vals[i] = x.UTC().Format(time.RFC3339Nano)
		}
	}
	cellRef, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cellRef, vals)
}

func (s *Sheet) intCell(n int64) (any, cell) {
	if n > -1e15 && n < 1e15 {
		return n, cell{kindNumber, strconv.FormatInt(n, 10)}
	}
	f := float64(n)
	v, _ := formatNumber(f)
	return roundNumber(f), cell{kindNumber, v}
}

// Rows is the number of rows written, the header included.
func (s *Sheet) Rows() int { return s.row }

// Close adds the table (style and autofilter over header and rows), ends
// the sheet and records its hash.
func (s *Sheet) Close() error {
	if s.finished {
		return nil
	}
	s.finished = true
	s.w.open = nil
	if s.table && s.width > 0 && !s.w.raw {
		last := s.row
		if last < 2 {
			// A table needs a data row; the empty one it takes is
			// not content (the canonical form skips empty rows).
			last = 2
		}
		ref, _ := excelize.CoordinatesToCellName(s.width, last)
		showStripes := true
		if err := s.sw.AddTable(&excelize.Table{
			Range:          "A1:" + ref,
			Name:           tableName(s.name),
			StyleName:      "TableStyleMedium2",
			ShowRowStripes: &showStripes,
		}); err != nil {
			return fmt.Errorf("evidence: sheet %q: table: %w", s.name, err)
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("evidence: sheet %q: %w", s.name, err)
	}
	s.w.sheets = append(s.w.sheets, sheetRecord{
		name:      s.name,
		rows:      s.digest.rows,
		blockSize: s.digest.blockSize,
		sum:       s.digest.sum(),
		blocks:    s.digest.blocks,
	})
	return nil
}

// maxCellChars is the most a cell holds (UTF-16 code units); excelize cuts
// longer text there, so the canonical form must see the cut text too.
const maxCellChars = 32767

// cellText is s as a text cell stores it: neutralised (SafeText), with
// characters XML cannot carry replaced by U+FFFD (as the XML encoder would)
// and cut to what a cell holds.
func cellText(s string) string {
	s = SafeText(s)
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return utf8.RuneError
	}, s)
	if len(s) <= maxCellChars {
		return s
	}
	units := 0
	for i, r := range s {
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > maxCellChars {
			return s[:i]
		}
		units += n
	}
	return s
}

// tableName derives a table name (letters, digits, underscores) from a
// sheet name.
func tableName(sheet string) string {
	var b strings.Builder
	b.WriteString("T_")
	for _, r := range sheet {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// save writes the workbook. The first sheet is the active one already;
// SetActiveSheet would read every streamed sheet back into memory.
//
// excelize's WriteTo builds the whole zip in a bytes.Buffer first (over a
// gigabyte at a million review items); its zip writer hook lets the
// archive go straight to out instead, and the buffer stays empty. (The
// hook's only cost: excelize's patch of local headers for parts over 4 GiB
// uncompressed, which reads that buffer, does not apply; archive/zip still
// writes the zip64 records.) The benchmark's raw baseline keeps excelize's
// own WriteTo.
func (w *Writer) save(out io.Writer) error {
	dst := io.Discard
	if !w.raw {
		zw := zip.NewWriter(out)
		w.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	} else {
		dst = out
	}
	if _, err := w.f.WriteTo(dst); err != nil {
		return fmt.Errorf("evidence: write workbook: %w", err)
	}
	return nil
}
