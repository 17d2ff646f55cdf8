package query

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/logpond/logpond/internal/cputime"
	"github.com/logpond/logpond/internal/loadgen"
)

// corpusEvents is 1,000,000 events of the loadgen corpus over 24 hours in
// 8 streams, made once.
var corpusEvents = sync.OnceValue(func() []*Event {
	const n = 1_000_000
	c := loadgen.NewCorpus(1)
	start := int64(1_767_225_600_000) // 2026-01-01
	evs := make([]Event, n)
	out := make([]*Event, n)
	streams := []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"}
	for i := range evs {
		ts := start + int64(i)*86_400_000/n
		evs[i] = Event{Timestamp: ts, Ingestion: ts, Seq: uint64(i + 1), Message: c.Next(ts), Stream: streams[i%8], Group: "bench", Account: "123456789012"}
		out[i] = &evs[i]
	}
	return out
})

func benchInsights(b *testing.B, src string) {
	q, err := ParseInsights(src)
	if err != nil {
		b.Fatal(err)
	}
	events := corpusEvents()
	b.ResetTimer()
	var res *Result
	cpu0, ok := cputime.Process()
	for b.Loop() {
		if res, err = q.Execute(slices.Values(events), RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, ok1 := cputime.Process(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(res.Matched), "matched")
	b.ReportMetric(float64(len(res.Rows)), "rows")
}

// The three queries of issue 4's targets, over 1M events (engine only, no
// store).

func BenchmarkInsightsCountByBin(b *testing.B) { benchInsights(b, "stats count(*) by bin(1h)") }

func BenchmarkInsightsPctByService(b *testing.B) {
	benchInsights(b, "stats pct(latency_ms, 99) by service")
}

func BenchmarkInsightsFilterSortLimit(b *testing.B) {
	benchInsights(b, `filter level = "ERROR" | sort @timestamp desc | limit 100`)
}

func BenchmarkParseInsights(b *testing.B) {
	src := `filter @message like /Exception/ and status >= 500 | parse @message "[*] *" as lvl, rest | stats count(*) as n, pct(ms, 99) by bin(5m), svc | sort n desc | limit 20`
	for b.Loop() {
		if _, err := ParseInsights(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsightsParallel runs the stats queries of issue 4's targets
// the way the query manager does on a machine with several cores: the
// events split into GOMAXPROCS consecutive parts, a run per part in its
// own goroutine, the runs merged (Run.Merge).
func BenchmarkInsightsParallel(b *testing.B) {
	for _, src := range []string{"stats count(*) by bin(1h)", "stats pct(latency_ms, 99) by service"} {
		b.Run(src, func(b *testing.B) {
			q, err := ParseInsights(src)
			if err != nil {
				b.Fatal(err)
			}
			events := corpusEvents()
			k := runtime.GOMAXPROCS(0)
			cpu0, ok := cputime.Process()
			for b.Loop() {
				runs := make([]*Run, k)
				var wg sync.WaitGroup
				for i := range k {
					wg.Add(1)
					go func() {
						defer wg.Done()
						runs[i] = q.NewRun(RunOptions{})
						for _, e := range events[i*len(events)/k : (i+1)*len(events)/k] {
							runs[i].Add(e)
						}
					}()
				}
				wg.Wait()
				for _, r := range runs[1:] {
					if err := runs[0].Merge(r); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := runs[0].Finish(); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok1 := cputime.Process(); ok && ok1 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkInsightsPctProjected is BenchmarkInsightsPctByService over
// what the store hands over from segments: JSON messages projected onto
// the query's fields, the others empty, every event with its size.
func BenchmarkInsightsPctProjected(b *testing.B) {
	q, err := ParseInsights("stats pct(latency_ms, 99) by service")
	if err != nil {
		b.Fatal(err)
	}
	var evs []Event
	for _, e := range corpusEvents() {
		p := Event{Timestamp: e.Timestamp, Seq: e.Seq, Stream: e.Stream, Group: e.Group, Account: e.Account, Size: len(e.Message)}
		if m := e.Message; strings.HasPrefix(m, "{") {
			svc := m[strings.Index(m, `"service":`):]
			svc = svc[:strings.Index(svc, `",`)+1]
			lat := m[strings.Index(m, `"latency_ms":`):]
			lat = lat[:strings.IndexByte(lat, ',')]
			p.Message = "{" + svc + "," + lat + "}"
		}
		evs = append(evs, p)
	}
	ptrs := make([]*Event, len(evs))
	for i := range evs {
		ptrs[i] = &evs[i]
	}
	cpu0, ok := cputime.Process()
	for b.Loop() {
		if _, err = q.Execute(slices.Values(ptrs), RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, ok1 := cputime.Process(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}
