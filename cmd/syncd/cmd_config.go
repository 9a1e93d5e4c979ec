package main

import (
	"context"
	"flag"
	"fmt"
)

func cmdConfigValidate(_ context.Context, e env, args []string) int {
	var path string
	if _, code := flags(e, "config validate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
	}); code >= 0 {
		return code
	}
	cfg, code := mustConfig(e, "config validate", path)
	if code >= 0 {
		return code
	}
	for _, w := range cfg.securityWarnings() {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", path)
	return exitOK
}
