package slogcw_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/slogcw"
)

// These tests and benchmarks ship to an in-process logpond server through
// the AWS SDK.

func noRetries(o *cwl.Options) { o.Retryer = aws.NopRetryer{} }

func TestConcurrentLoggingArrivesInOrder(t *testing.T) {
	const goroutines, perGoroutine = 32, 1000
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA, noRetries)
	h, err := slogcw.New(t.Context(), slogcw.Options{
		Client: c, LogGroup: "app", LogStream: "test", CreateLogGroup: true,
		FlushInterval: 50 * time.Millisecond,
		BufferBytes:   64 << 20, // room for all: this test is about order, not drops
	})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(h).With("service", "test")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			l := logger.WithGroup("w").With("g", g)
			for i := range perGoroutine {
				l.Info("work", "i", i)
			}
		})
	}
	wg.Wait()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Sent != goroutines*perGoroutine || st.Dropped != 0 || st.Failed != 0 {
		t.Fatalf("stats %+v", st)
	}

	next := make([]int, goroutines)
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String("app"), LogStreamNames: []string{"test"}})
	for p.HasMorePages() {
		page, err := p.NextPage(servertest.Ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			var rec struct {
				Msg     string
				Service string
				W       struct{ G, I int }
			}
			if err := json.Unmarshal([]byte(*e.Message), &rec); err != nil {
				t.Fatalf("event %s: %v", *e.Message, err)
			}
			g, i := rec.W.G, rec.W.I
			if rec.Msg != "work" || rec.Service != "test" || i != next[g] {
				t.Fatalf("goroutine %d: got %s after record %d", g, *e.Message, next[g]-1)
			}
			next[g]++
		}
	}
	for g, n := range next {
		if n != perGoroutine {
			t.Fatalf("goroutine %d: %d records arrived, want %d", g, n, perGoroutine)
		}
	}
}

// discard is a Client that accepts everything at once: the benchmarks of
// the caller's path measure the handler, not a server.
type discard struct{}

func (discard) PutLogEvents(context.Context, *cwl.PutLogEventsInput, ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error) {
	return &cwl.PutLogEventsOutput{}, nil
}

func (discard) CreateLogStream(context.Context, *cwl.CreateLogStreamInput, ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error) {
	return &cwl.CreateLogStreamOutput{}, nil
}

func (discard) CreateLogGroup(context.Context, *cwl.CreateLogGroupInput, ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error) {
	return &cwl.CreateLogGroupOutput{}, nil
}

var fiveAttrs = []slog.Attr{
	slog.String("method", "GET"),
	slog.String("path", "/api/v1/items"),
	slog.Int("status", 200),
	slog.Duration("elapsed", 1234*time.Microsecond),
	slog.String("request_id", "7f3c9a2e-1b4d-4c8e-9f00-2a6b1d3e5c7a"),
}

func newBenchHandler(b *testing.B) *slogcw.Handler {
	h, err := slogcw.New(context.Background(), slogcw.Options{Client: discard{}, LogGroup: "g", LogStream: "s", BufferBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

// reportCPU adds cpu-ns/op: the process's CPU time per operation, all
// threads (so the handler's shipping goroutine and the GC) included; and,
// on Linux, caller-ns/op: the CPU time of the logging goroutine's own
// thread, the cost on the caller's path.
func reportCPU(b *testing.B, run func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	th0, thOK := threadCPU()
	reportProcessCPU(b, run)
	th1, _ := threadCPU()
	if thOK {
		b.ReportMetric(float64(th1-th0)/float64(b.N), "caller-ns/op")
	}
}

// reportProcessCPU adds cpu-ns/op only: for RunParallel, whose goroutines
// run on other threads than the caller's.
func reportProcessCPU(b *testing.B, run func()) {
	cpu0, ok := processCPU()
	run()
	cpu1, _ := processCPU()
	if ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkHandle is the caller's cost of one record with five attributes,
// through slog.Logger; the shipping goroutine sends to a client that
// discards. JSONHandlerReference is slog's own JSON handler writing to
// io.Discard, for scale on the machine at hand.
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	b.Run("LogAttrs", func(b *testing.B) {
		h := newBenchHandler(b)
		l := slog.New(h)
		b.ReportAllocs()
		reportCPU(b, func() {
			for b.Loop() {
				l.LogAttrs(ctx, slog.LevelInfo, "request served", fiveAttrs...)
			}
		})
		b.ReportMetric(float64(h.Stats().Dropped), "dropped")
	})
	b.Run("Info", func(b *testing.B) {
		h := newBenchHandler(b)
		l := slog.New(h)
		b.ReportAllocs()
		reportCPU(b, func() {
			for b.Loop() {
				l.Info("request served", "method", "GET", "path", "/api/v1/items", "status", 200, "elapsed", 1234*time.Microsecond, "request_id", "7f3c9a2e-1b4d-4c8e-9f00-2a6b1d3e5c7a")
			}
		})
	})
	b.Run("Parallel", func(b *testing.B) {
		h := newBenchHandler(b)
		l := slog.New(h)
		b.ReportAllocs()
		reportProcessCPU(b, func() {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.LogAttrs(ctx, slog.LevelInfo, "request served", fiveAttrs...)
				}
			})
		})
	})
	b.Run("HandleOnly", func(b *testing.B) { // without slog.Logger's own work (runtime.Callers, time.Now)
		h := newBenchHandler(b)
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request served", 0)
		r.AddAttrs(fiveAttrs...)
		b.ReportAllocs()
		reportCPU(b, func() {
			for b.Loop() {
				h.Handle(ctx, r)
			}
		})
	})
	b.Run("JSONHandlerReference", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		b.ReportAllocs()
		reportCPU(b, func() {
			for b.Loop() {
				l.LogAttrs(ctx, slog.LevelInfo, "request served", fiveAttrs...)
			}
		})
	})
}

// BenchmarkShipToLogpond measures records per second from the caller to
// events stored in an in-process logpond server: logging, encoding,
// batching, the SDK, HTTP, and the server's ingest (WAL with fsync).
// Records are logged in rounds that fit the buffer, each followed by
// Flush, so nothing is dropped.
func BenchmarkShipToLogpond(b *testing.B) {
	in := servertest.Start(b, servertest.Options{})
	c := in.Client(servertest.KeyA, noRetries)
	h, err := slogcw.New(context.Background(), slogcw.Options{
		Client: c, LogGroup: "bench", LogStream: "s", CreateLogGroup: true, BufferBytes: 64 << 20,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	l := slog.New(h)
	ctx := context.Background()
	const round = 50_000
	b.ResetTimer()
	start := time.Now()
	reportCPU(b, func() {
		for i := 0; i < b.N; i++ {
			l.LogAttrs(ctx, slog.LevelInfo, "request served", fiveAttrs...)
			if (i+1)%round == 0 || i == b.N-1 {
				if err := h.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	st := h.Stats()
	if st.Dropped != 0 || st.Sent != int64(b.N) {
		b.Fatalf("stats %+v after %d records", st, b.N)
	}
	b.ReportMetric(float64(st.Sent)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(st.Bytes)/elapsed.Seconds()/1e6, "MB/s")
}
