package wal

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// noSyncFS is the OS file system with Sync turned into a no-op: it measures
// the commit pipeline (checksum, copy into the batch buffer, write call)
// without the device's fsync latency.
type noSyncFS struct{ osFS }

func (n noSyncFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := n.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

type noSyncFile struct{ File }

func (noSyncFile) Sync() error { return nil }

// BenchmarkAppendParallel measures group commit: g goroutines append 20 KiB
// records as fast as they can. MB/s counts record payload; fsyncs/s and
// records/fsync show how well appends are batched.
func BenchmarkAppendParallel(b *testing.B) {
	const size = 20 << 10
	fses := []struct {
		name string
		fs   FS
	}{{"os", osFS{}}, {"nosync", noSyncFS{}}}
	for _, fsys := range fses {
		for _, g := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("fs=%s/goroutines=%d/size=20KiB", fsys.name, g), func(b *testing.B) {
				l := mustOpen(b, fsys.fs, b.TempDir(), Options{})
				rec := make([]byte, size)
				for i := range rec {
					rec[i] = byte(rand.Uint32())
				}
				b.SetBytes(size)
				b.ReportAllocs()
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range g {
					wg.Go(func() {
						for next.Add(1) <= int64(b.N) {
							if err := l.Append(rec); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				st := l.Stats()
				b.ReportMetric(float64(st.Fsyncs)/elapsed.Seconds(), "fsyncs/s")
				b.ReportMetric(float64(st.Appends)/float64(max(st.Fsyncs, 1)), "records/fsync")
				mustClose(b, l)
			})
		}
	}
}

// BenchmarkReplay measures start-up: Open and Replay of 64 MiB of 20 KiB
// records. Each Open adds an empty file, which does not matter here.
func BenchmarkReplay(b *testing.B) {
	const size, n = 20 << 10, 64 << 20 / (20 << 10)
	dir := b.TempDir()
	l := mustOpen(b, noSyncFS{}, dir, Options{})
	rec := make([]byte, size)
	for range n {
		mustAppend(b, l, rec)
	}
	mustClose(b, l)
	b.SetBytes(size * n)
	b.ReportAllocs()
	for b.Loop() {
		l := mustOpen(b, noSyncFS{}, dir, Options{})
		if _, err := l.Replay(func([]byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
		mustClose(b, l)
	}
}
