//go:build !linux

package slogcw_test

func threadCPU() (ns int64, ok bool) { return 0, false }
