//go:build !unix

package segment

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
