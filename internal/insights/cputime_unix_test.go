//go:build unix

package insights

import "syscall"

// processCPUTime returns the user and system CPU time the process has used
// in nanoseconds (0 if unknown), for benchmarks that report cpu-ns/op.
func processCPUTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
