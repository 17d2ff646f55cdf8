//go:build !unix

package putevents

// processCPU is not implemented on this system.
func processCPU() (ns int64, ok bool) { return 0, false }
