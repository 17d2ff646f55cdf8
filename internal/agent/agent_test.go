package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/server/servertest"
)

// TestRotationEndToEnd writes lines to a file while it is rotated both
// ways, by rename and by copy-and-truncate, and checks that every line
// arrives in logpond exactly once and in order.
func TestRotationEndToEnd(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := newLineWriter(t, path)
	w.write(50) // before the agent starts: start_of_file

	// Rotations come every 50ms or so, slower than the agent scans (order
	// is kept for rotations the agent sees; docs/agent.md).
	cfg := fileConfig(filepath.Join(dir, "state"), path+"*", "rot", "s")
	cfg.Sources[0].ScanInterval = cfg.Sources[0].PollInterval
	startAgent(t, cfg, c)
	for round := range 12 {
		for range 5 {
			w.write(40)
			time.Sleep(10 * time.Millisecond)
		}
		if round%2 == 0 {
			w.rotateRename(3)
		} else {
			w.rotateCopyTruncate(3)
		}
	}
	w.write(40)
	got := waitStream(t, c, "rot", "s", w.next, 20*time.Second)
	time.Sleep(300 * time.Millisecond) // anything extra would show now
	got = waitStream(t, c, "rot", "s", w.next, 0)
	checkExactlyOnce(t, got, w.next)
}

// switchable forwards to a handler while up; while down it drops every
// connection, as an unreachable server does.
type switchable struct {
	next http.Handler
	down atomic.Bool
	hits atomic.Int64 // requests refused while down
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		s.hits.Add(1)
		panic(http.ErrAbortHandler)
	}
	s.next.ServeHTTP(w, r)
}

// TestServerDown takes the server away while lines are written and the
// file is rotated both ways (the oldest rotations deleted): the agent
// spools, and once the server is back every line arrives, once, in order.
func TestServerDown(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	sw := &switchable{next: in.Server.Handler()}
	hs := httptest.NewServer(sw)
	defer hs.Close()
	c := testClient(hs.URL)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := newLineWriter(t, path)
	cfg := fileConfig(filepath.Join(dir, "state"), path+"*", "down", "s")
	cfg.Sources[0].BatchCount = 100
	cfg.Sources[0].RetentionInDays = 7
	ra := startAgent(t, cfg, c)

	w.write(100)
	waitStream(t, c, "down", "s", 100, 10*time.Second)
	sw.down.Store(true)
	for round := range 8 {
		w.write(150)
		time.Sleep(60 * time.Millisecond)
		if round%2 == 0 {
			w.rotateRename(2) // app.log.2 is deleted by the next shift
		} else {
			w.rotateCopyTruncate(2)
		}
	}
	w.write(50)
	deadline := time.Now().Add(10 * time.Second)
	for ra.a.metrics.dest(destKey{"down", "s"}).spooledEvents.Load() < int64(w.next-100) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	spooled := ra.a.metrics.dest(destKey{"down", "s"}).spooledEvents.Load()
	if sw.hits.Load() == 0 || spooled == 0 {
		t.Fatalf("the server was never missed (refused %d, spooled %d)", sw.hits.Load(), spooled)
	}
	var m strings.Builder
	ra.a.metrics.write(&m)
	if !strings.Contains(m.String(), "logpond_agent_spool_bytes ") || strings.Contains(m.String(), "logpond_agent_spool_bytes 0\n") {
		t.Errorf("metrics while spooling:\n%s", m.String())
	}
	sw.down.Store(false)
	got := waitStream(t, c, "down", "s", w.next, 30*time.Second)
	time.Sleep(200 * time.Millisecond)
	got = waitStream(t, c, "down", "s", w.next, 0)
	checkExactlyOnce(t, got, w.next)
	t.Logf("%d lines, %d spooled while down, %d refused requests", w.next, spooled, sw.hits.Load())

	// The group was created with its retention.
	out, err := c.DescribeLogGroups(servertest.Ctx(t), &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("down")})
	if err != nil || len(out.LogGroups) != 1 || aws.ToInt32(out.LogGroups[0].RetentionInDays) != 7 {
		t.Errorf("group: %+v %v", out, err)
	}
	ra.stop(t)
	if used := ra.a.metrics.spoolBytes.Load(); used != 0 {
		t.Errorf("spool holds %d bytes after draining", used)
	}
}

// TestStdin ships standard input and returns when it ends.
func TestStdin(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	var b strings.Builder
	for i := range 500 {
		b.WriteString(lineText(i) + "\n")
	}
	b.WriteString(lineText(500)) // no final newline
	cfg := &Config{Sources: []SourceConfig{{Type: TypeStdin, Group: "pipe", Stream: "in"}}}
	a, err := New(context.Background(), Options{Config: cfg, API: c, Stdin: strings.NewReader(b.String()), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run did not return at the end of stdin")
	}
	got, err := readStream(ctx, c, "pipe", "in")
	if err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, got, 501)
}

// TestReloadAndMetrics reloads the configuration while lines are written
// (as SIGHUP does): a new source starts, the old one goes on without
// losing or repeating lines. /metrics counts what happened.
func TestReloadAndMetrics(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	dir := t.TempDir()
	wa := newLineWriter(t, filepath.Join(dir, "a.log"))
	wb := newLineWriter(t, filepath.Join(dir, "b.log"))
	state := filepath.Join(dir, "state")
	cfg := fileConfig(state, filepath.Join(dir, "a.log"), "reload", "{filename}")
	cfg.MetricsListen = "127.0.0.1:0"
	ra := startAgent(t, cfg, c)
	wa.write(100)
	wb.write(100)
	waitStream(t, c, "reload", "a.log", 100, 10*time.Second)

	cfg2 := fileConfig(state, filepath.Join(dir, "a.log"), "reload", "{filename}")
	cfg2.Sources = append(cfg2.Sources, cfg2.Sources[0])
	cfg2.Sources[1].Name, cfg2.Sources[1].Paths = "b", []string{filepath.Join(dir, "b.log")}
	for i := range 5 {
		wa.write(50)
		if i == 2 {
			if err := ra.a.Reload(cfg2); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkExactlyOnce(t, waitStream(t, c, "reload", "a.log", wa.next, 10*time.Second), wa.next)
	checkExactlyOnce(t, waitStream(t, c, "reload", "b.log", wb.next, 10*time.Second), wb.next)

	bad := fileConfig(filepath.Join(dir, "elsewhere"), "/x", "g", "s")
	if err := ra.a.Reload(bad); err == nil {
		t.Error("a reload that moves the state dir was accepted")
	}

	wants := []string{
		`logpond_agent_lines_read_total{source="b",type="file"} 100`,
		`logpond_agent_events_shipped_total{group="reload",stream="a.log"} 350`,
		`logpond_agent_source_unacked_events{source="b",type="file"} 0`,
		`logpond_agent_reloads_total 1`,
		`logpond_agent_reload_errors_total 1`,
		"# TYPE logpond_agent_spool_bytes gauge",
	}
	// The counts follow the acknowledgements a moment later. (Lines read
	// by the old configuration but not yet handed to a stream when it
	// stopped are read again by the new one: lines_read of "files" may
	// exceed 350.)
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; {
		rec := httptest.NewRecorder()
		ra.a.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body = rec.Body.String()
		missing := 0
		for _, want := range wants {
			if !strings.Contains(body, want) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestEndOfFile starts at the end of files present at the first start,
// and at the start of files that appear later; a restart resumes where
// the agent left off.
func TestEndOfFile(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	dir := t.TempDir()
	old := newLineWriter(t, filepath.Join(dir, "old.log"))
	old.write(30)
	cfg := fileConfig(filepath.Join(dir, "state"), filepath.Join(dir, "*.log"), "eof", "s")
	cfg.Sources[0].InitialPosition = "end_of_file"
	ra := startAgent(t, cfg, c)
	time.Sleep(200 * time.Millisecond)
	ra.stop(t)
	ra = startAgent(t, cfg, c) // the file is not new to it now
	time.Sleep(100 * time.Millisecond)
	nu := newLineWriter(t, filepath.Join(dir, "new.log"))
	nu.next = 1000
	nu.write(10)
	old.write(5)
	got := waitStream(t, c, "eof", "s", 15, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	got = waitStream(t, c, "eof", "s", 15, 0)
	seen := map[string]bool{}
	for _, m := range got {
		seen[m] = true
	}
	if len(got) != 15 || seen[lineText(0)] || !seen[lineText(30)] || !seen[lineText(1000)] {
		t.Errorf("got %d events: %q", len(got), got)
	}
	ra.stop(t)
}
