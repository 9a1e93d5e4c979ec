package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func cmdVersion(_ context.Context, e env, _ []string) int {
	fmt.Fprintf(e.stdout, "syncd %s\n", versionString())
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
