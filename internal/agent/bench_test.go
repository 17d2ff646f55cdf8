package agent

// Benchmarks of the agent, reported in docs/benchmarks.md; none asserts a
// number.
//
//	go test ./internal/agent -run XXX -bench AgentThroughput -benchtime 1x -agentbench.mb 256
//	go test ./internal/agent -run XXX -bench Latency -benchtime 1x
//	go test ./internal/agent -run XXX -bench Pipeline

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship"
)

var benchMB = flag.Int("agentbench.mb", 128, "MB of log lines BenchmarkAgentThroughput ships")

// writeCorpus writes about mb MB of loadgen's mixed nginx/JSON corpus to
// path and returns the number of lines.
func writeCorpus(tb testing.TB, path string, mb int) (lines int, bytes int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	c := loadgen.NewCorpus(1)
	ts := time.Now().UnixMilli()
	for bytes < int64(mb)<<20 {
		s := c.Next(ts)
		w.WriteString(s)
		w.WriteByte('\n')
		bytes += int64(len(s) + 1)
		lines++
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return lines, bytes
}

// fastSink answers every CloudWatch Logs call with success after reading
// the request: the cheapest server there can be.
func fastSink() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, "{}")
	})
}

func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var shippedRE = regexp.MustCompile(`(?m)^logpond_agent_events_shipped_total\{[^}]*\} (\S+)$`)

// scrapeShipped reads events shipped from the agent's /metrics.
func scrapeShipped(url string) int64 {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var n int64
	for _, m := range shippedRE.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		n += int64(v)
	}
	return n
}

// BenchmarkAgentThroughput runs the agent as a child process (this test
// binary, see TestMain) on a file of the loadgen corpus, shipping to a
// fast sink over HTTP with SigV4, and reports MB of lines read, batched
// and shipped per second of the agent's CPU time (user + system), the
// wall-clock rate, and the agent's peak RSS.
func BenchmarkAgentThroughput(b *testing.B) {
	dir := b.TempDir()
	lines, size := writeCorpus(b, filepath.Join(dir, "app.log"), *benchMB)
	sink := httptest.NewServer(fastSink())
	defer sink.Close()
	metricsAddr := freeAddr(b)
	cfg := fileConfig(filepath.Join(dir, "state"), filepath.Join(dir, "app.log"), "bench", "s")
	cfg.MetricsListen = metricsAddr
	src := &cfg.Sources[0]
	// Default intervals, but a short flush so that the last, partial
	// batch does not add a second to the wall-clock time.
	src.PollInterval, src.ScanInterval, src.FlushInterval = Duration(DefaultPollInterval), Duration(DefaultScanInterval), Duration(50*time.Millisecond)
	b.ResetTimer()
	for b.Loop() {
		os.RemoveAll(filepath.Join(dir, "state"))
		proc := newAgentProc(b, cfg, sink.URL)
		start := time.Now()
		proc.start()
		for scrapeShipped("http://"+metricsAddr+"/metrics") < int64(lines) {
			if time.Since(start) > 10*time.Minute {
				b.Fatal("not shipped within 10 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		wall := time.Since(start)
		p := proc.process()
		proc.term()
		st := procState(b, p)
		cpu := st.UserTime() + st.SystemTime()
		mb := float64(size) / (1 << 20)
		b.ReportMetric(mb/cpu.Seconds(), "MB/cpu-s")
		b.ReportMetric(mb/wall.Seconds(), "MB/s")
		b.ReportMetric(float64(lines)/cpu.Seconds(), "lines/cpu-s")
		if rss, ok := maxRSSMB(st); ok {
			b.ReportMetric(rss, "maxRSS-MB")
		}
		b.Logf("%d lines, %.0f MB in %v wall, %v agent CPU (user %v, system %v)", lines, mb, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), st.UserTime().Round(time.Millisecond), st.SystemTime().Round(time.Millisecond))
	}
}

// procState waits for the (already signalled) process and returns its
// state with resource usage.
func procState(tb testing.TB, p *os.Process) *os.ProcessState {
	tb.Helper()
	if p == nil {
		tb.Fatal("no agent process")
	}
	// agentProc's goroutine waits for the process; wait4 on the same pid
	// would race it, so read what it collected.
	agentProcStates.mu.Lock()
	defer agentProcStates.mu.Unlock()
	st := agentProcStates.m[p.Pid]
	if st == nil {
		tb.Fatal("agent process state not collected")
	}
	return st
}

// BenchmarkLatency measures the time from a line written to a file to
// the line readable in an in-process logpond, with the agent's default
// poll and flush intervals.
func BenchmarkLatency(b *testing.B) {
	in := servertest.Start(b, servertest.Options{})
	c := testClient(in.URL)
	dir := b.TempDir()
	cfg := &Config{StateDir: filepath.Join(dir, "state"), Sources: []SourceConfig{{Name: "f", Paths: []string{filepath.Join(dir, "app.log")}, Group: "lat", Stream: "s"}}}
	w := newLineWriter(b, filepath.Join(dir, "app.log"))
	startAgent(b, cfg, c)
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		for i := range 20 {
			time.Sleep(time.Duration(50+i*37%200) * time.Millisecond)
			n := w.next
			t0 := time.Now()
			w.write(1)
			for {
				got, err := readStream(ctx, c, "lat", "s")
				if err != nil {
					b.Fatal(err)
				}
				if len(got) > n {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Milliseconds()), "p95-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
}

// nullAPI acknowledges every call without looking at it.
type nullAPI struct{ events atomic.Int64 }

func (n *nullAPI) PutLogEvents(_ context.Context, in *cwl.PutLogEventsInput, _ ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error) {
	n.events.Add(int64(len(in.LogEvents)))
	return &cwl.PutLogEventsOutput{}, nil
}
func (*nullAPI) CreateLogStream(context.Context, *cwl.CreateLogStreamInput, ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error) {
	return &cwl.CreateLogStreamOutput{}, nil
}
func (*nullAPI) CreateLogGroup(context.Context, *cwl.CreateLogGroupInput, ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error) {
	return &cwl.CreateLogGroupOutput{}, nil
}
func (*nullAPI) PutRetentionPolicy(context.Context, *cwl.PutRetentionPolicyInput, ...func(*cwl.Options)) (*cwl.PutRetentionPolicyOutput, error) {
	return &cwl.PutRetentionPolicyOutput{}, nil
}

// BenchmarkPipeline measures the agent in-process without HTTP: the file
// source, batching and checkpoints, with an API client that acknowledges
// at once. It isolates the agent's own work from the SDK's encoding and
// signing (BenchmarkAgentThroughput includes them).
func BenchmarkPipeline(b *testing.B) {
	dir := b.TempDir()
	lines, size := writeCorpus(b, filepath.Join(dir, "app.log"), 32)
	b.SetBytes(size)
	for b.Loop() {
		api := &nullAPI{}
		os.RemoveAll(filepath.Join(dir, "state"))
		cfg := &Config{StateDir: filepath.Join(dir, "state"), Sources: []SourceConfig{{Name: "f", Paths: []string{filepath.Join(dir, "app.log")}, Group: "g", Stream: "s", PollInterval: Duration(10 * time.Millisecond), ScanInterval: Duration(time.Second), FlushInterval: Duration(10 * time.Millisecond)}}}
		a, err := New(context.Background(), Options{Config: cfg, API: api, Retry: ship.Retry{MaxAttempts: 1}})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		for api.events.Load() < int64(lines) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
