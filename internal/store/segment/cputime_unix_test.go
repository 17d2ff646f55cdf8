//go:build unix

package segment

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time the process has used,
// so benchmarks can report CPU figures, which other load on a shared machine
// does not inflate the way it inflates wall-clock time.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
