//go:build !windows

package agent

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSSMB returns a finished process's peak resident set size in MB.
func maxRSSMB(st *os.ProcessState) (float64, bool) {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20), true // bytes
	}
	return float64(ru.Maxrss) / 1024, true // KB
}
