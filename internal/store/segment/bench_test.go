package segment

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/logpond/logpond/internal/cputime"
	"github.com/logpond/logpond/internal/loadgen"
)

// The benchmark corpus: 1M loadgen events (mixed nginx/JSON, ~213 bytes) in
// 8 streams, about 3.5 ms apart, ingested in batches of 100.
const (
	benchEvents  = 1_000_000
	benchStreams = 8
)

var benchData = sync.OnceValue(func() []Event {
	c := loadgen.NewCorpus(1)
	r := rand.New(rand.NewPCG(1, 2))
	evs := make([]Event, 0, benchEvents)
	ts := int64(1767225600000)
	ing := ts
	for i := 0; i < benchEvents; i++ {
		ts += int64(r.IntN(8))
		if i%100 == 0 {
			ing = ts + int64(r.IntN(2000))
		}
		evs = append(evs, Event{Stream: uint64(1 + r.IntN(benchStreams)), Timestamp: ts, Ingestion: ing, Seq: uint64(i + 1), Message: c.Next(ts)})
	}
	sortEvents(evs)
	return evs
})

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkWrite encodes the corpus into one segment; it reports bytes on
// disk per event and, for comparison, plain zstd of the raw text.
func BenchmarkWrite(b *testing.B) {
	evs := benchData()
	for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		b.Run(lvl.String(), func(b *testing.B) {
			var cw countingWriter
			b.ResetTimer()
			clk := startCPU()
			for b.Loop() {
				cw = countingWriter{}
				w, err := NewWriter(&cw, Options{Level: lvl})
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range evs {
					if err := w.Add(e); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			clk.report(b, float64(len(evs)))
			b.ReportMetric(float64(cw.n)/float64(len(evs)), "B/event")
			b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkPlainZstd compresses the raw text (one message a line, in time
// order) as one zstd stream: the baseline for B/event.
func BenchmarkPlainZstd(b *testing.B) {
	evs := slicesCloneByTime(benchData())
	var raw bytes.Buffer
	for _, e := range evs {
		raw.WriteString(e.Message)
		raw.WriteByte('\n')
	}
	for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		b.Run(lvl.String(), func(b *testing.B) {
			var n int
			for b.Loop() {
				var cw countingWriter
				zw, _ := zstd.NewWriter(&cw, zstd.WithEncoderLevel(lvl), zstd.WithEncoderConcurrency(1))
				zw.Write(raw.Bytes())
				zw.Close()
				n = int(cw.n)
			}
			b.ReportMetric(float64(n)/float64(len(evs)), "B/event")
			b.ReportMetric(float64(raw.Len())/float64(len(evs)), "raw-B/event")
		})
	}
}

func slicesCloneByTime(evs []Event) []Event {
	out := append([]Event(nil), evs...)
	// Back to arrival order: sequence numbers were given in time order.
	for i := range out {
		for out[i].Seq != uint64(i+1) {
			j := int(out[i].Seq - 1)
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

var benchFile struct {
	once sync.Once
	dir  string
	path string
}

// benchSegment writes the corpus to a segment file once per process.
func benchSegment(b *testing.B) *Reader {
	b.Helper()
	benchFile.once.Do(func() {
		dir, err := os.MkdirTemp("", "segment-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchFile.dir = dir
		benchFile.path = filepath.Join(dir, "bench.seg")
		w, err := Create(benchFile.path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range benchData() {
			if err := w.Add(e); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	})
	r, err := Open(benchFile.path, ReaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// scanStreams runs q over every stream of r, calling fn at each event, and
// returns the events read or skipped (Query.Need).
func scanStreams(b *testing.B, r *Reader, q Query, fn func(*Cursor)) int {
	n := 0
	for _, s := range r.Streams() {
		q.Stream = s.Stream
		c := r.Cursor(q)
		for c.Next() {
			n++
			fn(c)
		}
		if c.Err() != nil {
			b.Fatal(c.Err())
		}
		n += c.Stats().EventsSkipped
	}
	return n
}

// BenchmarkScan reads every event of every stream and counts those holding
// a common term, without a cache: "all" rebuilds every message, "need"
// only those whose templates hold the term (Query.Need), as the store's
// FilterLogEvents does, and "need-prefetch" reads ahead too.
func BenchmarkScan(b *testing.B) {
	r := benchSegment(b)
	for _, m := range []struct {
		name string
		q    Query
	}{{"all", Query{}}, {"need", Query{Need: []string{"ERROR"}}}, {"need-prefetch", Query{Need: []string{"ERROR"}, Prefetch: true}}} {
		b.Run(m.name, func(b *testing.B) {
			var n, hits int
			clk := startCPU()
			for b.Loop() {
				hits = 0
				n = scanStreams(b, r, m.q, func(c *Cursor) {
					if strings.Contains(c.Event().Message, "ERROR") {
						hits++
					}
				})
			}
			clk.report(b, float64(n))
			if n != benchEvents {
				b.Fatalf("scanned %d events", n)
			}
			b.ReportMetric(float64(hits), "hits")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
		})
	}
}

// BenchmarkRareTerm searches the 1M events for a planted needle and for one
// trace ID, using the bloom filters and the templates, the way
// FilterLogEvents does: a cursor per stream, each event matched.
func BenchmarkRareTerm(b *testing.B) {
	r := benchSegment(b)
	traceRe := regexp.MustCompile(`"trace_id":"([0-9a-f]{32})"`)
	var trace string
	for _, e := range benchData()[benchEvents/3:] {
		if m := traceRe.FindStringSubmatch(e.Message); m != nil {
			trace = m[1]
			break
		}
	}
	for _, tc := range []struct {
		name, term string
		want       int
	}{
		{"needle", loadgen.Needles[0].Term, loadgen.NeedleCount(0, benchEvents)},
		{"traceid", trace, 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var found int
			var st CursorStats
			clk := startCPU()
			for b.Loop() {
				found = 0
				st = CursorStats{}
				for _, s := range r.Streams() {
					c := r.Cursor(Query{Stream: s.Stream, Terms: []string{tc.term}, Need: []string{tc.term}})
					for c.Next() {
						if strings.Contains(c.Event().Message, tc.term) {
							found++
						}
					}
					if c.Err() != nil {
						b.Fatal(c.Err())
					}
					cs := c.Stats()
					st.BlocksRead += cs.BlocksRead
					st.BlocksSkipped += cs.BlocksSkipped
				}
			}
			clk.report(b, 0)
			if found != tc.want {
				b.Fatalf("found %d, want %d", found, tc.want)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
			b.ReportMetric(float64(st.BlocksRead), "blocks-read")
			b.ReportMetric(float64(st.BlocksSkipped), "blocks-skipped")
		})
	}
}

// cpuClock measures process CPU time across a benchmark's loop.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	d, ok := cputime.Process()
	return cpuClock{d, ok}
}

// report adds "cpu-<unit>" = CPU time per op in the given unit, and events
// per CPU-second when events > 0.
func (c cpuClock) report(b *testing.B, events float64) {
	end, ok := cputime.Process()
	if !ok || !c.ok {
		return
	}
	cpu := (end - c.start).Seconds()
	b.ReportMetric(cpu*1000/float64(b.N), "cpu-ms/op")
	if events > 0 {
		b.ReportMetric(events*float64(b.N)/cpu, "events/cpu-s")
	}
}

// BenchmarkScanModes reads every event of every stream, without a cache,
// with every message rebuilt, with only the JSON ones (Query.JSONOnly), and
// with none (Query.NoMessages).
func BenchmarkScanModes(b *testing.B) {
	r := benchSegment(b)
	for _, m := range []struct {
		name string
		q    Query
	}{{"all", Query{}}, {"json", Query{JSONOnly: true}}, {"json-fields", Query{JSONOnly: true, JSONFields: []string{"latency_ms", "service"}}}, {"none", Query{NoMessages: true}}} {
		b.Run(m.name, func(b *testing.B) {
			var n, size int
			clk := startCPU()
			for b.Loop() {
				size = 0
				n = scanStreams(b, r, m.q, func(c *Cursor) { size += c.MessageSize() })
			}
			clk.report(b, float64(n))
			if n != benchEvents {
				b.Fatalf("scanned %d events", n)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
		})
	}
}

// BenchmarkDecodeJSON decodes every block of the benchmark segment (read
// and checked beforehand, so no I/O) with JSON messages only: rendered
// whole, or projected onto the two fields of issue 4's pct query.
func BenchmarkDecodeJSON(b *testing.B) {
	r := benchSegment(b)
	type raw struct {
		h    blockHeader
		body []byte
	}
	var blocks []raw
	for i := range r.blocks {
		var buf []byte
		p, err := r.readBlock(i, &buf)
		if err != nil {
			b.Fatal(err)
		}
		h := r.blocks[i].blockHeader
		h.dict = r.version >= 2
		blocks = append(blocks, raw{h, p[blockHeaderSize:]})
	}
	pct := []string{"latency_ms", "service"}
	for _, m := range []struct {
		name   string
		fields []string
		spread bool
		batch  bool
	}{{"whole", nil, false, false}, {"projected", pct, false, false}, {"projected-spread", pct, true, false}, {"batch", pct, true, true}} {
		b.Run(m.name, func(b *testing.B) {
			clk := startCPU()
			n := 0
			for b.Loop() {
				n = 0
				for i := range blocks {
					blk, why := decodeJSONOnly(&blocks[i].h, blocks[i].body, m.fields, m.spread, m.batch)
					if why != "" {
						b.Fatal(why)
					}
					n += len(blk.ts)
				}
			}
			clk.report(b, float64(n))
		})
	}
}
