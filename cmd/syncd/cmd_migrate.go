package main

import (
	"context"
	"flag"
	"fmt"
)

func cmdMigrate(ctx context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "migrate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	cfg, code := mustConfig(e, "migrate", path)
	if code >= 0 {
		return code
	}
	st, err := openStore(ctx, cfg, newLogger(e.stderr, cfg.Log))
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd migrate: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	before, _, err := st.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd migrate: %v\n", err)
		return exitFailure
	}
	after, err := st.Migrate(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd migrate: %v\n", err)
		return exitFailure
	}
	if after == before {
		fmt.Fprintf(e.stdout, "schema version %d (%s): up to date\n", after, cfg.Storage.Driver)
	} else {
		fmt.Fprintf(e.stdout, "schema version %d (%s): migrated from %d\n", after, cfg.Storage.Driver, before)
	}
	return exitOK
}
