package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"
)

// cmdHealthcheck asks a running daemon whether it is ready: for container
// HEALTHCHECKs in images without curl. Exit 0 when /readyz answers 200.
func cmdHealthcheck(ctx context.Context, e env, args []string) int {
	var url string
	var timeout time.Duration
	if _, code := flags(e, "healthcheck", args, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "http://127.0.0.1:8080/readyz", "readiness URL")
		fs.DurationVar(&timeout, "timeout", 3*time.Second, "give up after")
	}); code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd healthcheck: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd healthcheck: %v\n", err)
		return exitFailure
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "syncd healthcheck: %s answered %d\n", url, resp.StatusCode)
		return exitFailure
	}
	return exitOK
}
