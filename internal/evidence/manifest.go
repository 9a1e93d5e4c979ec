package evidence

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FormatID names the canonical form and Manifest layout of this version.
const FormatID = "syncd-evidence/1"

// ManifestSheet is the last sheet of every workbook.
const ManifestSheet = "Manifest"

// Labels of the Manifest's sections and fields, in column A.
const (
	labelSheet     = "Sheet"
	labelField     = "Field"
	labelBlock     = "Block of sheet"
	labelSignature = "Signature (Ed25519, base64)"

	fieldFormat      = "Format"
	fieldWorkbook    = "Workbook"
	fieldGeneratedAt = "Generated at (UTC)"
	fieldGenerator   = "Generator"
	fieldChainSeq    = "Audit chain head event"
	fieldChainHash   = "Audit chain head hash"
	fieldKey         = "Signing key (Ed25519 public, base64)"
	fieldCanonical   = "Canonical form"
)

// ChainHead is the audit chain head at export: its last event's number and
// hash.
type ChainHead struct {
	Seq  int64
	Hash string
}

// Meta is what the Manifest says about the workbook besides the hashes.
type Meta struct {
	Title       string // what the workbook is evidence of
	GeneratedAt time.Time
	Generator   string // "syncd <version>"
	ChainHead   ChainHead
}

// signedMessage is what the Ed25519 signature covers: the format and the
// hash of the Manifest's canonical content above the signature row.
func signedMessage(manifestSum string) []byte {
	return []byte(FormatID + " manifest sha256:" + manifestSum)
}

// Finish writes the Manifest sheet (every closed sheet's hash, the chain
// head, the signature by key) and the workbook to out.
func (w *Writer) Finish(out io.Writer, meta Meta, key ed25519.PrivateKey) error {
	if w.open != nil {
		return fmt.Errorf("evidence: sheet %q still open", w.open.name)
	}
	if w.raw {
		return w.save(out)
	}
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("evidence: no signing key (evidence.signingKeyFile)")
	}
	blocks := 0
	for _, s := range w.sheets {
		blocks += len(s.blocks)
	}
	m, err := w.NewSheet(ManifestSheet, []Column{
		{Name: labelSheet, Width: 36},
		{Name: "Rows", Kind: Number, Width: 14},
		{Name: "Block size", Kind: Number, Width: 26},
		{Name: "SHA-256 of canonical content", Width: 70},
	}, SheetOptions{NoTable: true, ExpectedRows: 0})
	if err != nil {
		return err
	}
	m.digest.blockSize = 1 << 30 // the Manifest is signed whole, not in blocks
	rows := [][]any{}
	for _, s := range w.sheets[:len(w.sheets)] {
		if s.name == ManifestSheet {
			continue
		}
		rows = append(rows, []any{s.name, s.rows, s.blockSize, s.sum})
	}
	rows = append(rows,
		nil,
		[]any{labelField, "Value", "Value (ISO 8601)"},
		[]any{fieldFormat, FormatID},
		[]any{fieldWorkbook, meta.Title},
		[]any{fieldGeneratedAt, timeValue(meta.GeneratedAt), meta.GeneratedAt.UTC().Format(time.RFC3339Nano)},
		[]any{fieldGenerator, meta.Generator},
		[]any{fieldChainSeq, meta.ChainHead.Seq},
		[]any{fieldChainHash, meta.ChainHead.Hash},
		[]any{fieldKey, PublicKeyBase64(key.Public().(ed25519.PublicKey))},
		[]any{fieldCanonical, "SHA-256 over each sheet's cell values as the README (Evidence workbooks) defines; the signature covers this sheet above its last row"},
		nil,
		[]any{labelBlock, "First row", "Last row", "SHA-256 of those rows"},
	)
	for _, r := range rows {
		if err := m.Row(r...); err != nil {
			return err
		}
	}
	for _, s := range w.sheets {
		for _, b := range s.blocks {
			if err := m.Row(s.name, b.First, b.Last, b.SHA256); err != nil {
				return err
			}
		}
	}
	sum := m.digest.sum()
	sig := ed25519.Sign(key, signedMessage(sum))
	if err := m.Row(); err != nil {
		return err
	}
	m.digest = newDigest(1) // the signature row is not part of what it signs
	if err := m.Row(labelSignature, base64.StdEncoding.EncodeToString(sig)); err != nil {
		return err
	}
	m.table = false
	if err := m.Close(); err != nil {
		return err
	}
	return w.save(out)
}

// manifest is a parsed Manifest sheet.
type manifest struct {
	sheets    []manifestSheet
	fields    map[string]cell
	fieldISO  map[string]string
	blocks    map[string][]Block
	sum       string // canonical hash of the rows above the signature
	signature []byte
	sigRow    int
}

type manifestSheet struct {
	name      string
	rows      int
	blockSize int
	sum       string
}

// readManifest parses the Manifest sheet and hashes its signed part.
func readManifest(wb *workbook, ref sheetRef) (*manifest, error) {
	m := &manifest{fields: map[string]cell{}, fieldISO: map[string]string{}, blocks: map[string][]Block{}}
	d := newDigest(1 << 30)
	section := ""
	bad := func(row int, what string) error {
		return &TamperError{Sheet: ManifestSheet, FirstRow: row, LastRow: row, Reason: "unreadable manifest: " + what}
	}
	text := func(cells []cell, i int) string {
		if i < len(cells) {
			return cells[i].v
		}
		return ""
	}
	num := func(cells []cell, i int) (int, bool) {
		if i >= len(cells) || cells[i].kind != kindNumber {
			return 0, false
		}
		n, err := strconv.ParseInt(cells[i].v, 10, 64)
		return int(n), err == nil
	}
	err := wb.rows(ref, func(row int, cells []cell) error {
		if m.signature != nil {
			if _, nonEmpty := appendRow(nil, row, cells); nonEmpty {
				return bad(row, "content below the signature")
			}
			return nil
		}
		a := text(cells, 0)
		if a == labelSignature {
			sig, err := decodeSignature(text(cells, 1))
			if err != nil || len(sig) != ed25519.SignatureSize {
				return bad(row, "signature is not base64 Ed25519")
			}
			m.signature, m.sigRow = sig, row
			return nil
		}
		if err := d.add(row, cells); err != nil {
			return err
		}
		switch {
		case a == labelSheet && section == "":
			section = labelSheet
			return nil
		case a == labelField:
			section = labelField
			return nil
		case a == labelBlock:
			section = labelBlock
			return nil
		}
		if _, nonEmpty := appendRow(nil, row, cells); !nonEmpty {
			return nil
		}
		switch section {
		case labelSheet:
			rows, ok1 := num(cells, 1)
			bs, ok2 := num(cells, 2)
			if !ok1 || !ok2 || len(text(cells, 3)) != 64 {
				return bad(row, "sheet row")
			}
			m.sheets = append(m.sheets, manifestSheet{name: a, rows: rows, blockSize: bs, sum: text(cells, 3)})
		case labelField:
			if len(cells) > 1 {
				m.fields[a] = cells[1]
			}
			m.fieldISO[a] = text(cells, 2)
		case labelBlock:
			first, ok1 := num(cells, 1)
			last, ok2 := num(cells, 2)
			if !ok1 || !ok2 {
				return bad(row, "block row")
			}
			m.blocks[a] = append(m.blocks[a], Block{First: first, Last: last, SHA256: text(cells, 3)})
		default:
			return bad(row, "no header row")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m.signature == nil {
		return nil, bad(0, "no signature row")
	}
	if f := m.fields[fieldFormat]; f.v != FormatID {
		return nil, bad(0, fmt.Sprintf("format %q, this syncd reads %q", f.v, FormatID))
	}
	m.sum = d.sum()
	return m, nil
}

// decodeSignature reads the signature cell. A base64 signature can begin
// with '+', which SafeText neutralises with a leading quote when it is
// written; the quote is not in the base64 alphabet, so it is dropped.
func decodeSignature(v string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(v, "'"))
}
