package evidence

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// workbook reads an .xlsx as the canonical form sees it, streaming each
// sheet's XML (archive/zip and encoding/xml; excelize is for writing), so
// verification works on files any spreadsheet program wrote.
type workbook struct {
	zr      *zip.Reader
	sheets  []sheetRef // in workbook order
	strings []string   // shared strings, loaded on first need
	loaded  bool
}

type sheetRef struct {
	name string
	part string // zip path of the worksheet
}

func openWorkbook(r io.ReaderAt, size int64) (*workbook, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("evidence: not an xlsx file: %w", err)
	}
	wb := &workbook{zr: zr}
	rels := map[string]string{}
	if err := wb.decode("xl/_rels/workbook.xml.rels", func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local == "Relationship" {
			rels[attr(se, "Id")] = attr(se, "Target")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := wb.decode("xl/workbook.xml", func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "sheet" {
			return nil
		}
		var id string
		for _, a := range se.Attr {
			if a.Name.Local == "id" && (a.Name.Space != "" || id == "") {
				id = a.Value
			}
		}
		target, ok := rels[id]
		if !ok {
			return fmt.Errorf("evidence: sheet %q has no part", attr(se, "name"))
		}
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join("xl", target)
		}
		wb.sheets = append(wb.sheets, sheetRef{name: attr(se, "name"), part: target})
		return nil
	}); err != nil {
		return nil, err
	}
	return wb, nil
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (wb *workbook) file(name string) *zip.File {
	for _, f := range wb.zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// decode calls fn for each start element of a part.
func (wb *workbook) decode(part string, fn func(*xml.Decoder, xml.StartElement) error) error {
	f := wb.file(part)
	if f == nil {
		return fmt.Errorf("evidence: %s missing", part)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("evidence: %s: %w", part, err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("evidence: %s: %w", part, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(d, se); err != nil {
				return err
			}
		}
	}
}

// sharedStrings loads xl/sharedStrings.xml (absent in workbooks with only
// inline strings).
func (wb *workbook) sharedStrings() ([]string, error) {
	if wb.loaded {
		return wb.strings, nil
	}
	wb.loaded = true
	if wb.file("xl/sharedStrings.xml") == nil {
		return nil, nil
	}
	err := wb.decode("xl/sharedStrings.xml", func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "si" {
			return nil
		}
		s, err := readText(d, "si")
		wb.strings = append(wb.strings, s)
		return err
	})
	return wb.strings, err
}

// readText concatenates the <t> texts inside the element end (plain or
// rich-text runs), leaving out phonetic runs, and decodes _xHHHH_ escapes.
func readText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	depthPh, inT := 0, false
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", fmt.Errorf("evidence: text: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "rPh":
				depthPh++
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "rPh":
				depthPh--
			case "t":
				inT = false
			case end:
				return decodeXString(b.String()), nil
			}
		case xml.CharData:
			if inT && depthPh == 0 {
				b.Write(t)
			}
		}
	}
}

// decodeXString undoes the ST_Xstring escapes (_xHHHH_) of OOXML text.
func decodeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '_' && i+7 <= len(s) && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// rows streams the rows of sheet as canonical cells. fn gets the row number
// and its cells indexed by column (0 is A); the slice is reused.
func (wb *workbook) rows(sheet sheetRef, fn func(row int, cells []cell) error) error {
	shared, err := wb.sharedStrings()
	if err != nil {
		return err
	}
	var (
		cells    []cell
		rowNum   int
		col      int
		inRow    bool
		cur      cell
		typ      string
		curCol   int
		text     strings.Builder
		inV, inF bool
		formula  strings.Builder
	)
	return wb.decode(sheet.part, func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "row" {
			return nil
		}
		if r := attr(se, "r"); r != "" {
			n, err := strconv.Atoi(r)
			if err != nil {
				return fmt.Errorf("evidence: sheet %q: row number %q", sheet.name, r)
			}
			rowNum = n
		} else {
			rowNum++
		}
		cells, col, inRow = cells[:0], 0, true
		for inRow {
			tok, err := d.RawToken()
			if err != nil {
				return fmt.Errorf("evidence: sheet %q row %d: %w", sheet.name, rowNum, err)
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "c":
					typ, cur, inV, inF = "n", cell{}, false, false
					text.Reset()
					formula.Reset()
					curCol = col
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "t":
							typ = a.Value
						case "r":
							c, err := columnIndex(a.Value)
							if err != nil {
								return fmt.Errorf("evidence: sheet %q: %w", sheet.name, err)
							}
							curCol = c
						}
					}
				case "v":
					inV = true
				case "f":
					inF = true
				case "is":
					s, err := readText(d, "is")
					if err != nil {
						return err
					}
					text.WriteString(s)
				}
			case xml.CharData:
				if inV {
					text.Write(t)
				} else if inF {
					formula.Write(t)
				}
			case xml.EndElement:
				switch t.Name.Local {
				case "v":
					inV = false
				case "f":
					inF = false
				case "c":
					v := text.String()
					switch {
					case formula.Len() > 0:
						cur = cell{kindFormula, formula.String()}
					case v == "":
					case typ == "s":
						i, err := strconv.Atoi(v)
						if err != nil || i < 0 || i >= len(shared) {
							return fmt.Errorf("evidence: sheet %q row %d: shared string %q out of range", sheet.name, rowNum, v)
						}
						cur = cell{kindText, shared[i]}
					case typ == "inlineStr", typ == "str":
						if typ == "str" {
							v = decodeXString(v)
						}
						cur = cell{kindText, v}
					case typ == "b":
						cur = cell{kindBool, v}
					case typ == "e":
						cur = cell{kindError, v}
					case typ == "d":
						cur = cell{kindText, v}
					default:
						n, err := canonicalNumber(v)
						if err != nil {
							return fmt.Errorf("evidence: sheet %q row %d: %w", sheet.name, rowNum, err)
						}
						cur = cell{kindNumber, n}
					}
					for len(cells) <= curCol {
						cells = append(cells, cell{})
					}
					cells[curCol] = cur
					col = curCol + 1
				case "row":
					inRow = false
				}
			}
		}
		return fn(rowNum, cells)
	})
}

// columnIndex is the zero-based column of a cell reference like "AB12".
func columnIndex(ref string) (int, error) {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
	}
	if i == 0 || n > 16384 {
		return 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return n - 1, nil
}
