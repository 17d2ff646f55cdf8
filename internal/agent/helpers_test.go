package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship"
)

// testClient returns an SDK client of account A for the server at url,
// retrying nothing itself (the agent retries), as the agent's own client.
func testClient(url string) *cwl.Client {
	c := (&servertest.Instance{URL: url}).Client(servertest.KeyA, func(o *cwl.Options) { o.Retryer = aws.NopRetryer{} })
	return ship.Tune(c)
}

// testLogger logs to the test's output when -v is given.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// fastRetry makes failed sends go to the spool quickly.
var fastRetry = ship.Retry{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, CallTimeout: 5 * time.Second}

// runningAgent is an agent run by a test.
type runningAgent struct {
	a      *Agent
	cancel context.CancelFunc
	done   chan error
}

// startAgent runs an agent with cfg against api until the test ends (or
// stop is called).
func startAgent(t testing.TB, cfg *Config, api API) *runningAgent {
	t.Helper()
	a, err := New(context.Background(), Options{Config: cfg, API: api, Logger: testLogger(t), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ra := &runningAgent{a: a, cancel: cancel, done: make(chan error, 1)}
	go func() { ra.done <- a.Run(ctx) }()
	t.Cleanup(func() { ra.stop(t) })
	return ra
}

// stop stops the agent and waits for Run to return.
func (ra *runningAgent) stop(t testing.TB) {
	t.Helper()
	if ra.cancel == nil {
		return
	}
	ra.cancel()
	ra.cancel = nil
	select {
	case err := <-ra.done:
		if err != nil {
			t.Errorf("agent: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not stop within 30s")
	}
}

// fileConfig is a one-source configuration for files matching glob.
func fileConfig(stateDir, glob, group, stream string) *Config {
	return &Config{
		StateDir: stateDir,
		Sources: []SourceConfig{{
			Name: "files", Paths: []string{glob}, Group: group, Stream: stream,
			PollInterval: Duration(20 * time.Millisecond), ScanInterval: Duration(50 * time.Millisecond),
			RotateWait: Duration(300 * time.Millisecond), FlushInterval: Duration(100 * time.Millisecond),
		}},
		ShutdownTimeout: Duration(5 * time.Second),
	}
}

// readStream returns every message of a stream, oldest first; a missing
// stream is empty.
func readStream(ctx context.Context, c *cwl.Client, group, stream string) ([]string, error) {
	in := &cwl.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)}
	p := cwl.NewGetLogEventsPaginator(c, in, func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, nil
		}
		if err != nil {
			return out, err
		}
		for _, e := range page.Events {
			out = append(out, aws.ToString(e.Message))
		}
	}
	return out, nil
}

// waitStream polls a stream until it holds at least n messages, and
// returns them.
func waitStream(t testing.TB, c *cwl.Client, group, stream string, n int, timeout time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		got, err := readStream(ctx, c, group, stream)
		if err != nil {
			t.Fatalf("read %s/%s: %v", group, stream, err)
		}
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitAllLines polls a stream until every line 0..n-1 is in it (at least
// once), and returns its messages.
func waitAllLines(t testing.TB, c *cwl.Client, group, stream string, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := waitStream(t, c, group, stream, n, 0)
		seen := map[string]bool{}
		for _, m := range got {
			seen[m] = true
		}
		all := true
		for i := range n {
			if !seen[lineText(i)] {
				all = false
				break
			}
		}
		if all || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lineWriter appends numbered lines to a file, rotating it on request.
type lineWriter struct {
	t    testing.TB
	path string
	f    *os.File
	next int
}

func newLineWriter(t testing.TB, path string) *lineWriter {
	w := &lineWriter{t: t, path: path}
	w.open()
	t.Cleanup(func() { w.f.Close() })
	return w
}

func (w *lineWriter) open() {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f = f
}

func lineText(i int) string { return fmt.Sprintf("line %06d %s", i, strings.Repeat("x", i%37)) }

// write appends n lines.
func (w *lineWriter) write(n int) {
	var b strings.Builder
	for range n {
		b.WriteString(lineText(w.next))
		b.WriteByte('\n')
		w.next++
	}
	if _, err := w.f.WriteString(b.String()); err != nil {
		w.t.Fatal(err)
	}
}

// rotateRename renames the file to path.1 (after shifting path.1 to
// path.2, and so on up to keep) and starts a new one.
func (w *lineWriter) rotateRename(keep int) {
	for i := keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", w.path, i), fmt.Sprintf("%s.%d", w.path, i+1))
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		w.t.Fatal(err)
	}
	w.f.Close()
	w.open()
}

// rotateCopyTruncate copies the file to path.1 (after shifting) and
// truncates it in place, as logrotate's copytruncate does.
func (w *lineWriter) rotateCopyTruncate(keep int) {
	for i := keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", w.path, i), fmt.Sprintf("%s.%d", w.path, i+1))
	}
	b, err := os.ReadFile(w.path)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(w.path+".1", b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	if err := w.f.Truncate(0); err != nil {
		w.t.Fatal(err)
	}
}

// checkExactlyOnce fails unless got is exactly lines 0..n-1, in order.
func checkExactlyOnce(t testing.TB, got []string, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range got {
		seen[m]++
	}
	problems := 0
	for i := range n {
		if c := seen[lineText(i)]; c != 1 {
			if problems++; problems <= 10 {
				t.Errorf("line %d arrived %d times", i, c)
			}
		}
	}
	if len(got) != n {
		t.Errorf("got %d events, want %d", len(got), n)
	}
	if problems == 0 {
		for i, m := range got {
			if m != lineText(i) {
				t.Errorf("event %d is %q, want %q (out of order)", i, m, lineText(i))
				break
			}
		}
	}
}
