package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		cfg  serverConfig
		want int64
	}{
		{serverConfig{memoryLimit: -1}, 256 << 20},
		{serverConfig{memoryLimit: -1, cacheBytes: 1 << 30}, 1<<30 + 128<<20 + 64<<20},
		{serverConfig{memoryLimit: -1, headMaxBytes: 8 << 20}, 64<<20 + 32<<20 + 64<<20},
		{serverConfig{memoryLimit: 0}, 0},
		{serverConfig{memoryLimit: 100 << 20}, 100 << 20},
	} {
		if got := memoryLimit(tc.cfg); got != tc.want {
			t.Errorf("memoryLimit(%+v) = %d, want %d", tc.cfg, got, tc.want)
		}
	}
}
