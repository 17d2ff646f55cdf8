//go:build windows

package agent

import "os"

// maxRSSMB is not measured on Windows.
func maxRSSMB(*os.ProcessState) (float64, bool) { return 0, false }
