//go:build unix

package putevents

import "syscall"

// processCPU returns the CPU time the process has used, on all threads
// (so including the garbage collector's), in nanoseconds.
func processCPU() (ns int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
