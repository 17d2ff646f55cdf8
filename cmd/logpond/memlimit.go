package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/logpond/logpond/internal/store"
)

// The server's soft heap limit. The store bounds what it holds (the head
// waits for seals at twice --head-max-bytes, the block cache has
// --cache-bytes), so the live heap stays near 150 MB while ingesting at
// full speed with the defaults; without a limit the collector lets the
// heap grow to twice the live heap before it runs. The limit makes it run
// earlier when memory is short and costs nothing when it is not. Unless
// set, it follows the store's bounds: the cache, the head at its limit
// twice over (sealing copies), and room for requests and queries; with the
// defaults 256 MiB.
const memoryHeadroom = 64 << 20

// memoryLimit returns the limit to apply: --memory-limit, or one computed
// from --cache-bytes and --head-max-bytes when it is -1.
func memoryLimit(cfg serverConfig) int64 {
	if cfg.memoryLimit >= 0 {
		return cfg.memoryLimit
	}
	head, cache := cfg.headMaxBytes, cfg.cacheBytes
	if head <= 0 {
		head = store.DefaultHeadMaxBytes
	}
	if cache <= 0 {
		cache = store.DefaultCacheBytes
	}
	return cache + 4*head + memoryHeadroom
}

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
