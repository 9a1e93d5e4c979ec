package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/syncd-dev/syncd/internal/audit"
)

func cmdAuditVerify(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "audit verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	cfg, code := mustConfig(e, "audit verify", path)
	if code >= 0 {
		return code
	}
	st, err := openStore(ctx, cfg, newLogger(e.stderr, cfg.Log))
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd audit verify: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	// Events a crash left queued, committed but not yet chained (docs/adr/0020).
	if _, err := st.SealAudit(ctx); err != nil {
		fmt.Fprintf(e.stderr, "syncd audit verify: %v\n", err)
		return exitFailure
	}
	rep, err := audit.Verify(ctx, st)
	var brk *audit.Break
	switch {
	case errors.As(err, &brk):
		fmt.Fprintf(e.stdout, "FAIL: %v\n", brk)
		return exitFailure
	case err != nil:
		fmt.Fprintf(e.stderr, "syncd audit verify: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "ok: %d events, chain intact, head %d %s\n", rep.Events, rep.LastSeq, rep.LastHash)
	return exitOK
}
