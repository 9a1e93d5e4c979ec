package main

import (
	"context"
	"io"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// ExportRequests implements webui.RequestEvidenceExporter: the
// access-request workbook of [from, to), read in one snapshot as
// `syncd evidence export --requests` reads it.
func (c campaignEvidence) ExportRequests(ctx context.Context, from, to time.Time, w io.Writer) error {
	return c.st.InSnapshot(ctx, func(tx store.Reader) error { return c.ex.ExportRequests(ctx, tx, from, to, w) })
}
