//go:build !unix

// Package cputime reads the CPU time the process has used, for benchmarks
// that report CPU figures.
package cputime

import "time"

// Process returns false: the CPU time is not known on this system.
func Process() (time.Duration, bool) { return 0, false }
