package main

import "runtime/debug"

// version is set at build time with -ldflags "-X main.version=..."; by
// default it is the module version (or "devel").
var version = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}()
