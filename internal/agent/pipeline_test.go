package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/ship"
)

// refusingServer answers PutLogEvents with an API error.
func refusingServer(t *testing.T, status int, code string, calls *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "PutLogEvents") {
			calls.Add(1)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"__type":%q,"message":"refused by the test"}`, code)
			return
		}
		io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPark sends to a server that refuses every batch for good: the
// batches are parked as JSON, not retried, and the file's checkpoint
// advances past them.
func TestPark(t *testing.T) {
	var calls atomic.Int64
	srv := refusingServer(t, 400, "InvalidParameterException", &calls)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := newLineWriter(t, path)
	w.write(30)
	cfg := fileConfig(filepath.Join(dir, "state"), path, "g", "s")
	ra := startAgent(t, cfg, testClient(srv.URL))
	d := destKey{"g", "s"}
	deadline := time.Now().Add(10 * time.Second)
	for ra.a.metrics.dest(d).parkedEvents.Load() < 30 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ra.stop(t)
	if n := ra.a.metrics.dest(d).parkedEvents.Load(); n != 30 {
		t.Fatalf("parked %d events, want 30", n)
	}
	if c := calls.Load(); c != ra.a.metrics.dest(d).parkedBatches.Load() {
		t.Errorf("%d calls for %d parked batches: a refused batch was retried", c, ra.a.metrics.dest(d).parkedBatches.Load())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "state", "parked", "*.json"))
	var events int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var p struct {
			Group, Stream, Error string
			Events               []ship.Event
		}
		if err := json.Unmarshal(b, &p); err != nil || p.Group != "g" || !strings.Contains(p.Error, "InvalidParameterException") {
			t.Errorf("%s: %v %+v", f, err, p)
		}
		events += len(p.Events)
	}
	if events != 30 {
		t.Errorf("parked files hold %d events", events)
	}
	st, _ := openState(filepath.Join(dir, "state"))
	defer st.Close()
	es, _ := st.files("files")
	if len(es) != 1 || es[0].Offset == 0 {
		t.Errorf("checkpoint after parking: %+v", es)
	}
}

// TestSpoolFull drops what does not fit the spool while the server is
// unreachable, counts it, and still delivers what was spooled.
func TestSpoolFull(t *testing.T) {
	var calls atomic.Int64
	srv := refusingServer(t, 503, "ServiceUnavailableException", &calls)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := newLineWriter(t, path)
	cfg := fileConfig(filepath.Join(dir, "state"), path, "g", "s")
	cfg.Spool.MaxBytes = 4096
	cfg.Sources[0].BatchCount = 20
	ra := startAgent(t, cfg, testClient(srv.URL))
	w.write(400)
	d := destKey{"g", "s"}
	deadline := time.Now().Add(10 * time.Second)
	for ra.a.metrics.dest(d).spooledEvents.Load()+ra.a.metrics.dest(d).droppedEvents.Load() < 400 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ra.stop(t)
	spooled, dropped := ra.a.metrics.dest(d).spooledEvents.Load(), ra.a.metrics.dest(d).droppedEvents.Load()
	if spooled == 0 || dropped == 0 || spooled+dropped != 400 {
		t.Errorf("spooled %d, dropped %d, of 400", spooled, dropped)
	}
	if used := ra.a.metrics.spoolBytes.Load(); used > 4096 {
		t.Errorf("spool holds %d bytes, cap 4096", used)
	}
}

func TestClassify(t *testing.T) {
	f := func(err error, want failure) {
		t.Helper()
		if got := classify(err); got != want {
			t.Errorf("classify(%v) = %d, want %d", err, got, want)
		}
	}
	se := func(code string, status int) error {
		return &ship.Error{Op: "PutLogEvents", Code: code, Status: status}
	}
	f(se("InvalidParameterException", 400), failPark)
	f(se("DataAlreadyAcceptedException", 400), failDone)
	f(se("ThrottlingException", 400), failLater)
	f(se("ServiceUnavailableException", 503), failLater)
	f(se("", 0), failLater)   // no answer
	f(se("", 200), failLater) // an answer that could not be read
	f(se("AccessDeniedException", 400), failLater)
	f(se("UnrecognizedClientException", 400), failLater)
	f(se("ResourceNotFoundException", 400), failPark) // the sender creates what is missing; a refusal after that stands
	f(fmt.Errorf("PutLogEvents g/s: %w", context.Canceled), failStop)
	f(errors.New("something else"), failLater)
}

// TestBatchMarks checks that a batch keeps the last event of each origin,
// whether origins alternate or run, and origins with the same key (a new
// origin for the same file) as one.
func TestBatchMarks(t *testing.T) {
	a := &origin{source: "s", kind: originFile, file: fileEntry{ID: 1}}
	a2 := &origin{source: "s", kind: originFile, file: fileEntry{ID: 1, Path: "moved"}}
	b := &origin{source: "s", kind: originFile, file: fileEntry{ID: 2}}
	c := &origin{source: "j", kind: originCursor, cursor: "j"}
	bt := &batch{marks: map[originKey]markEntry{}}
	for i, o := range []*origin{a, a, b, a, c, c, b, a2, a2} {
		bt.mark(&event{org: o, off: int64(i)})
	}
	bt.sealMarks()
	want := map[originKey]int64{a.key(): 8, b.key(): 6, c.key(): 5}
	if len(bt.marks) != len(want) {
		t.Fatalf("%d marks, want %d", len(bt.marks), len(want))
	}
	for k, off := range want {
		if m := bt.marks[k]; m.ev.off != off || m.org.key() != k {
			t.Errorf("%v: mark at %d (%v), want %d", k, m.ev.off, m.org, off)
		}
	}
	if bt.marks[a.key()].org != a2 {
		t.Errorf("the mark of file 1 names the older origin")
	}
}
