package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
)

// The canonical content of a sheet is what its hash is taken over. It is
// defined over cell values, not file bytes, so a workbook re-saved unedited
// by another spreadsheet program still verifies (README, "Evidence
// workbooks", spells it out for anyone recomputing it):
//
//   - rows in ascending row number; a row with no non-empty cell is left out;
//   - a row is its decimal row number, then for each column from A up to its
//     last non-empty cell a "|" followed, for a non-empty cell, by its kind
//     letter, the byte length of its value in decimal, ":" and the value;
//     then "\n";
//   - kinds: s text (shared, inline or formula-result strings, the text as
//     stored, UTF-8), n number, b boolean ("0" or "1"), e error, f formula
//     (the formula text: syncd never writes one, so any is an edit);
//   - a number is parsed as an IEEE-754 double, rounded to 15 significant
//     digits (the precision spreadsheets keep) and written in shortest
//     round-trip decimal form without exponent (Go's
//     strconv.FormatFloat(x, 'f', -1, 64)); -0 is 0;
//   - an empty text cell counts as an empty cell.
//
// The sheet hash is the hex SHA-256 of these bytes. Block hashes are the same
// over the rows whose numbers fall in [first, last], which lets verify name
// the rows where content changed.

// Cell kinds of the canonical form.
const (
	kindText    = 's'
	kindNumber  = 'n'
	kindBool    = 'b'
	kindError   = 'e'
	kindFormula = 'f'
)

// cell is one cell as the canonical form sees it; kind 0 is empty.
type cell struct {
	kind byte
	v    string
}

// canonicalNumber normalises a number's stored text (see above).
func canonicalNumber(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", fmt.Errorf("evidence: number %q: %w", s, err)
	}
	return formatNumber(f)
}

func formatNumber(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("evidence: number %v is not finite", f)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if r == 0 {
		return "0", nil
	}
	return strconv.FormatFloat(r, 'f', -1, 64), nil
}

// roundNumber is f as the canonical form keeps it, so that what the writer
// stores and what the canonical form hashes are the same number.
func roundNumber(f float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if r == 0 {
		return 0
	}
	return r
}

// appendRow appends the canonical bytes of row rowNum to b; ok is false when
// the row has no non-empty cell (it is then left out).
func appendRow(b []byte, rowNum int, cells []cell) (_ []byte, ok bool) {
	last := -1
	for i, c := range cells {
		if c.kind != 0 && !(c.kind == kindText && c.v == "") {
			last = i
		}
	}
	if last < 0 {
		return b, false
	}
	b = strconv.AppendInt(b, int64(rowNum), 10)
	for _, c := range cells[:last+1] {
		b = append(b, '|')
		if c.kind == 0 || (c.kind == kindText && c.v == "") {
			continue
		}
		b = append(b, c.kind)
		b = strconv.AppendInt(b, int64(len(c.v)), 10)
		b = append(b, ':')
		b = append(b, c.v...)
	}
	return append(b, '\n'), true
}

// Block is the hash of the canonical rows numbered First to Last.
type Block struct {
	First, Last int
	SHA256      string
}

// digest hashes a sheet's canonical content as rows arrive in order, with
// block hashes every blockSize row numbers.
type digest struct {
	all       hash.Hash
	block     hash.Hash
	blockSize int
	blockIdx  int // index of the open block, -1 for none
	blocks    []Block
	rows      int // non-empty rows
	lastRow   int
	buf       []byte
}

func newDigest(blockSize int) *digest {
	if blockSize < 1 {
		blockSize = 1
	}
	return &digest{all: sha256.New(), block: sha256.New(), blockSize: blockSize, blockIdx: -1}
}

// blockSizeFor spreads a sheet of about n rows over at most ~1000 blocks.
func blockSizeFor(n int) int {
	if n <= 1000 {
		return 1
	}
	return (n + 999) / 1000
}

// add hashes row rowNum; rows must come in ascending order.
func (d *digest) add(rowNum int, cells []cell) error {
	if rowNum <= d.lastRow {
		return fmt.Errorf("evidence: row %d after row %d", rowNum, d.lastRow)
	}
	var ok bool
	d.buf, ok = appendRow(d.buf[:0], rowNum, cells)
	if !ok {
		return nil
	}
	d.lastRow = rowNum
	idx := (rowNum - 1) / d.blockSize
	if idx != d.blockIdx {
		d.closeBlock()
		d.blockIdx = idx
	}
	d.rows++
	d.all.Write(d.buf)
	d.block.Write(d.buf)
	return nil
}

func (d *digest) closeBlock() {
	if d.blockIdx < 0 {
		return
	}
	d.blocks = append(d.blocks, Block{
		First:  d.blockIdx*d.blockSize + 1,
		Last:   (d.blockIdx + 1) * d.blockSize,
		SHA256: hex.EncodeToString(d.block.Sum(nil)),
	})
	d.block.Reset()
	d.blockIdx = -1
}

// sum closes the digest and returns the sheet hash.
func (d *digest) sum() string {
	d.closeBlock()
	return hex.EncodeToString(d.all.Sum(nil))
}
