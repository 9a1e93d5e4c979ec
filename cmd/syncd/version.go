package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time (see Makefile):
//
//	-ldflags "-X main.version=v1.2.3 -X main.commit=abc1234 -X main.buildDate=2026-01-02T03:04:05Z"
var (
	version   = ""
	commit    = ""
	buildDate = ""
)

func cmdVersion(_ context.Context, e env, _ []string) int {
	c, d := commit, buildDate
	// Without -ldflags, go build still stamps the VCS state.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "syncd %s\ncommit: %s\nbuilt:  %s\ngo:     %s\n", versionString(), or(c, "unknown"), or(d, "unknown"), runtime.Version())
	return exitOK
}

// versionString is the build's version, "devel" when unknown.
func versionString() string {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return v
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
