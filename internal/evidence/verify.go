package evidence

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// TamperError says where a workbook no longer matches its Manifest: the
// first edited sheet and, where the block hashes tell, its rows; or a sheet
// added or removed; or a signature that does not hold.
type TamperError struct {
	Sheet             string
	FirstRow, LastRow int // 0 when not known
	Reason            string
}

func (e *TamperError) Error() string {
	switch {
	case e.FirstRow > 0 && e.FirstRow == e.LastRow:
		return fmt.Sprintf("sheet %q, row %d: %s", e.Sheet, e.FirstRow, e.Reason)
	case e.FirstRow > 0:
		return fmt.Sprintf("sheet %q, rows %d to %d: %s", e.Sheet, e.FirstRow, e.LastRow, e.Reason)
	}
	return fmt.Sprintf("sheet %q: %s", e.Sheet, e.Reason)
}

// ChainLookup answers whether an event with this number and hash is part of
// the current audit chain.
type ChainLookup interface {
	HasChainEvent(ctx context.Context, seq int64, hash string) (bool, error)
}

// VerifyOptions say what to check besides the sheet hashes.
type VerifyOptions struct {
	// PublicKey checks the Manifest's signature; nil leaves it unchecked.
	PublicKey ed25519.PublicKey
	// Chain checks the recorded chain head against a store; nil skips it.
	Chain ChainLookup
}

// Report is what a successful verification found.
type Report struct {
	Title            string
	GeneratedAt      string
	Generator        string
	Sheets           []SheetReport
	ChainHead        ChainHead
	SigningKey       string // base64, as the Manifest records it
	SignatureChecked bool
	ChainChecked     bool
}

// SheetReport is one verified sheet.
type SheetReport struct {
	Name   string
	Rows   int
	SHA256 string
}

// ErrChainHeadMissing is returned when the recorded chain head is not an
// event of the current audit chain.
var ErrChainHeadMissing = errors.New("evidence: the recorded audit chain head is not in the current chain")

// Verify checks a workbook against its Manifest: every sheet's canonical
// hash, no sheet added or removed, the signature (when opts has a key) and
// the chain head (when opts has a chain). A mismatch is a *TamperError.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (Report, error) {
	var rep Report
	wb, err := openWorkbook(r, size)
	if err != nil {
		return rep, err
	}
	var mref *sheetRef
	present := map[string]sheetRef{}
	for i, s := range wb.sheets {
		if s.name == ManifestSheet {
			mref = &wb.sheets[i]
			continue
		}
		present[s.name] = s
	}
	if mref == nil {
		return rep, &TamperError{Sheet: ManifestSheet, Reason: "sheet removed (the workbook has no Manifest)"}
	}
	m, err := readManifest(wb, *mref)
	if err != nil {
		return rep, err
	}
	rep.Title = m.fields[fieldWorkbook].v
	rep.GeneratedAt = m.fieldISO[fieldGeneratedAt]
	rep.Generator = m.fields[fieldGenerator].v
	rep.SigningKey = m.fields[fieldKey].v
	seq, _ := strconv.ParseInt(m.fields[fieldChainSeq].v, 10, 64)
	rep.ChainHead = ChainHead{Seq: seq, Hash: m.fields[fieldChainHash].v}

	if opts.PublicKey != nil {
		if !ed25519.Verify(opts.PublicKey, signedMessage(m.sum), m.signature) {
			reason := "the signature does not hold against the public key (the manifest was edited or signed with another key)"
			if rep.SigningKey != PublicKeyBase64(opts.PublicKey) {
				reason = "the signature does not hold against the public key: the manifest names another signing key (" + rep.SigningKey + "), it was re-signed"
			}
			return rep, &TamperError{Sheet: ManifestSheet, Reason: reason}
		}
		rep.SignatureChecked = true
	}

	listed := map[string]bool{}
	for _, s := range m.sheets {
		listed[s.name] = true
		if _, ok := present[s.name]; !ok {
			return rep, &TamperError{Sheet: s.name, Reason: "sheet removed"}
		}
	}
	for _, s := range wb.sheets {
		if s.name != ManifestSheet && !listed[s.name] {
			return rep, &TamperError{Sheet: s.name, Reason: "sheet added (not in the Manifest)"}
		}
	}
	for _, s := range m.sheets {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		d := newDigest(s.blockSize)
		if err := wb.rows(present[s.name], d.add); err != nil {
			return rep, err
		}
		sum := d.sum()
		if sum != s.sum {
			return rep, locate(s, d, m.blocks[s.name])
		}
		rep.Sheets = append(rep.Sheets, SheetReport{Name: s.name, Rows: d.rows, SHA256: sum})
	}

	if opts.Chain != nil {
		ok, err := opts.Chain.HasChainEvent(ctx, rep.ChainHead.Seq, rep.ChainHead.Hash)
		if err != nil {
			return rep, fmt.Errorf("evidence: check chain head: %w", err)
		}
		if !ok {
			return rep, fmt.Errorf("%w (event %d, hash %s)", ErrChainHeadMissing, rep.ChainHead.Seq, rep.ChainHead.Hash)
		}
		rep.ChainChecked = true
	}
	return rep, nil
}

// locate names the first block of a sheet whose rows differ from the
// Manifest's block hashes.
func locate(s manifestSheet, d *digest, want []Block) error {
	got := d.blocks
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return &TamperError{Sheet: s.name, FirstRow: want[i].First, LastRow: want[i].Last, Reason: "rows removed"}
		case i >= len(want):
			return &TamperError{Sheet: s.name, FirstRow: got[i].First, LastRow: got[i].Last, Reason: "rows added"}
		case got[i].First != want[i].First:
			b := want[i]
			reason := "rows removed or moved"
			if got[i].First < want[i].First {
				b, reason = got[i], "rows added or moved"
			}
			return &TamperError{Sheet: s.name, FirstRow: b.First, LastRow: b.Last, Reason: reason}
		case got[i].SHA256 != want[i].SHA256:
			return &TamperError{Sheet: s.name, FirstRow: got[i].First, LastRow: got[i].Last, Reason: "content edited"}
		}
	}
	return &TamperError{Sheet: s.name, Reason: "content edited (its hash does not match the Manifest)"}
}

// keyFromBase64 decodes a raw Ed25519 public key in base64.
func keyFromBase64(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("evidence: %q is not a base64 Ed25519 public key", s)
	}
	return ed25519.PublicKey(b), nil
}
