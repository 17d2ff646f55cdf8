//go:build !unix

package slogcw_test

func processCPU() (ns int64, ok bool) { return 0, false }
