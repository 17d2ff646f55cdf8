package store

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/cputime"
	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/query"
)

// corpusBatches makes n events of the loadgen corpus in batches for streams.
func corpusBatches(n, batch int, now int64) [][]InputEvent {
	c := loadgen.NewCorpus(1)
	var out [][]InputEvent
	for i := 0; i < n; i += batch {
		b := make([]InputEvent, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			ts := now - 3_600_000 + int64(j)*3_600_000/int64(n)
			b = append(b, InputEvent{Timestamp: ts, Message: c.Next(ts)})
		}
		out = append(out, b)
	}
	return out
}

// BenchmarkPutLogEvents measures the store's write path (WAL append with
// fsync and group commit, head insert) with 1,000-event batches from 8
// goroutines. Reports events/s.
func BenchmarkPutLogEvents(b *testing.B) {
	c := &clock{t: time.Now()}
	s, err := Open(Options{Dir: b.TempDir(), Now: c.now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.CreateLogGroup(sc, "g", GroupOptions{})
	const streams = 8
	for i := 0; i < streams; i++ {
		s.CreateLogStream(sc, "g", fmt.Sprint("s", i))
	}
	// Messages from the corpus; timestamps advance with every batch, as a
	// shipper of current logs sends them.
	batches := corpusBatches(64_000, 1000, c.now().UnixMilli())
	base := c.now().UnixMilli() - 3_600_000
	var next atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			batch := make([]InputEvent, 1000)
			for j, e := range batches[i%int64(len(batches))] {
				batch[j] = InputEvent{Timestamp: base + i, Message: e.Message}
			}
			if _, err := s.PutLogEvents(sc, "g", fmt.Sprint("s", i%streams), batch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
}

// loaded returns a store with n corpus events in 8 streams.
func loaded(b *testing.B, n int) *Store {
	b.Helper()
	c := &clock{t: time.Now()}
	s, err := Open(Options{Dir: b.TempDir(), Now: c.now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.CreateLogGroup(sc, "g", GroupOptions{})
	for i := 0; i < 8; i++ {
		s.CreateLogStream(sc, "g", fmt.Sprint("s", i))
	}
	for i, batch := range corpusBatches(n, 4000, c.now().UnixMilli()) {
		if _, err := s.PutLogEvents(sc, "g", fmt.Sprint("s", i%8), batch); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkFilter searches 1M head events (no index yet: a full scan).
func BenchmarkFilter(b *testing.B) {
	s := loaded(b, 1_000_000)
	for _, pat := range []string{loadgen.Needles[0].Term, `"POST /api/v1/orders"`, `{ $.level = "ERROR" && $.service = "payments" }`} {
		fp, err := query.ParseFilterPattern(pat)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(pat, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n := 0
				var after *Key
				for {
					r, err := s.FilterLogEvents(sc, "g", FilterQuery{Range: AllTime, Match: fp.Match, After: after})
					if err != nil {
						b.Fatal(err)
					}
					n += len(r.Events)
					if r.Next == nil {
						break
					}
					after = r.Next
				}
				if n == 0 {
					b.Fatal("no matches")
				}
			}
		})
	}
}

// BenchmarkGetLogEvents reads the newest page and a deep page of one stream.
func BenchmarkGetLogEvents(b *testing.B) {
	s := loaded(b, 1_000_000)
	st, _ := s.GetStream(sc, "g", "s0")
	mid := Key{Timestamp: (st.FirstEventTimestamp + st.LastEventTimestamp) / 2}
	b.Run("newest", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if r, _ := s.GetLogEvents(sc, "g", "s0", GetQuery{Range: AllTime, Backward: true, Limit: 100}); len(r.Events) != 100 {
				b.Fatal("short page")
			}
		}
	})
	b.Run("deep", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if r, _ := s.GetLogEvents(sc, "g", "s0", GetQuery{Range: AllTime, From: &mid, Limit: 100}); len(r.Events) != 100 {
				b.Fatal("short page")
			}
		}
	})
}

// sealedStore returns a store with n corpus events in 8 streams, sealed and
// merged, and the bytes its segments take.
func sealedStore(b *testing.B, n int) (*Store, int64) {
	b.Helper()
	c := &clock{t: time.Now()}
	dir := b.TempDir()
	s, err := Open(Options{Dir: dir, Now: c.now, HeadMaxBytes: -1, SealInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.CreateLogGroup(sc, "g", GroupOptions{})
	for i := 0; i < 8; i++ {
		s.CreateLogStream(sc, "g", fmt.Sprint("s", i))
	}
	const sealEvery = 250_000 // events per seal, like a 64 MiB head
	for i, batch := range corpusBatches(n, 4000, c.now().UnixMilli()) {
		if _, err := s.PutLogEvents(sc, "g", fmt.Sprint("s", i%8), batch); err != nil {
			b.Fatal(err)
		}
		if (i+1)*4000%sealEvery == 0 {
			if err := s.Seal(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Seal(); err != nil {
		b.Fatal(err)
	}
	if err := s.Merge(); err != nil {
		b.Fatal(err)
	}
	var size int64
	for l := 0; l <= maxMergeLevel; l++ {
		_, by := s.segmentFigures(l)
		size += by
	}
	return s, size
}

// BenchmarkSealed reports bytes on disk per event after sealing and
// merging 1M corpus events, and FilterLogEvents latency over them for a
// rare term (block skipping by bloom filters) and a common term.
// LOGPOND_BENCH_EVENTS overrides the 1M.
func BenchmarkSealed(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("LOGPOND_BENCH_EVENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	s, size := sealedStore(b, n)
	b.Logf("%d events: %d segment bytes, %.1f B/event", n, size, float64(size)/float64(n))
	// Needles[0] is in every 100,003rd event, Needles[1] in every
	// 1,000,003rd; the phrase and ERROR are common (a full scan).
	for _, pat := range []string{loadgen.Needles[0].Term, loadgen.Needles[1].Term, `"POST /api/v1/orders"`, "ERROR", `{ $.level = "ERROR" && $.service = "payments" }`} {
		fp, err := query.ParseFilterPattern(pat)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("filter/"+pat, func(b *testing.B) {
			cpu0, ok := cputime.Process()
			defer func() {
				if cpu1, ok1 := cputime.Process(); ok && ok1 {
					b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
				}
			}()
			for i := 0; i < b.N; i++ {
				n := 0
				var after *Key
				for {
					r, err := s.FilterLogEvents(sc, "g", FilterQuery{Range: AllTime, Match: fp.Match, Terms: fp.RequiredTerms(), TermsUnlessEscaped: fp.TermsUnlessEscaped(), After: after})
					if err != nil {
						b.Fatal(err)
					}
					n += len(r.Events)
					if r.Next == nil {
						break
					}
					after = r.Next
				}
				if n == 0 {
					b.Fatal("no matches")
				}
			}
		})
	}
	b.Run("get/newest", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if r, _ := s.GetLogEvents(sc, "g", "s0", GetQuery{Range: AllTime, Backward: true, Limit: 100}); len(r.Events) != 100 {
				b.Fatal("short page")
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		dir := s.opts.Dir
		s.Close()
		for i := 0; i < b.N; i++ {
			s2, err := Open(Options{Dir: dir, HeadMaxBytes: -1, SealInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			s2.Close()
		}
	})
}

// BenchmarkOpenManySegments measures start-up with 1,000 unmerged segments
// of 1,000 events each.
func BenchmarkOpenManySegments(b *testing.B) {
	c := &clock{t: time.Now()}
	dir := b.TempDir()
	opts := Options{Dir: dir, Now: c.now, HeadMaxBytes: -1, SealInterval: -1}
	s, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	s.CreateLogGroup(sc, "g", GroupOptions{})
	s.CreateLogStream(sc, "g", "s")
	for _, batch := range corpusBatches(1_000_000, 1000, c.now().UnixMilli()) {
		if _, err := s.PutLogEvents(sc, "g", "s", batch); err != nil {
			b.Fatal(err)
		}
		if err := s.Seal(); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Open(opts)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
