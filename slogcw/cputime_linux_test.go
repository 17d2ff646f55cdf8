//go:build linux

package slogcw_test

import "syscall"

// threadCPU returns the CPU time of the calling OS thread, in nanoseconds.
// With the goroutine locked to its thread it is the caller's own cost:
// the shipping goroutine and the GC's background workers run elsewhere.
func threadCPU() (ns int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
