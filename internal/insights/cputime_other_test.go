//go:build !unix

package insights

func processCPUTime() int64 { return 0 }
