package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the server's soft heap limit. The store bounds
// what it holds (the head waits for seals at twice --head-max-bytes, the
// block cache has --cache-bytes), so the live heap stays near 150 MB while
// ingesting at full speed; without a limit the collector lets the heap
// grow to twice the live heap before it runs. The limit makes it run
// earlier when memory is short and costs nothing when it is not.
const defaultMemoryLimit = 256 << 20

// applyMemoryLimit sets the Go runtime's soft memory limit, unless the
// GOMEMLIMIT environment variable already did.
func applyMemoryLimit(limit int64, logger *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		logger.Info("memory limit from GOMEMLIMIT", "limit", os.Getenv("GOMEMLIMIT"))
		return
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}
