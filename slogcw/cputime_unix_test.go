//go:build unix

package slogcw_test

import "syscall"

// processCPU returns the CPU time the process has used on all threads, in
// nanoseconds: on a shared machine it measures work where wall time
// measures waiting too.
func processCPU() (ns int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
