package slogcw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/slogtest"
	"testing/synctest"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/ship/shiptest"
)

func newHandler(t *testing.T, ctx context.Context, fake Client, o Options) *Handler {
	t.Helper()
	o.Client = fake
	o.LogGroup, o.LogStream = "g", "s"
	h, err := New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestSlogtest(t *testing.T) {
	var fake *shiptest.Fake
	var h *Handler
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		fake = shiptest.NewFake("g", "s")
		h = newHandler(t, t.Context(), fake, Options{})
		return h
	}, func(t *testing.T) map[string]any {
		if err := h.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		msgs := fake.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d events, want 1", len(msgs))
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(msgs[0]), &m); err != nil {
			t.Fatalf("event %s: %v", msgs[0], err)
		}
		return m
	})
}

type logFunc func(l *slog.Logger)

type textMarshaler struct{}

func (textMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"custom":true}`), nil }

type valuer struct{ v any }

func (v valuer) LogValue() slog.Value { return slog.AnyValue(v.v) }

type badJSON struct{ C chan int }

// TestLikeJSONHandler compares the events with slog.JSONHandler's lines
// for the same records, byte for byte (times apart).
func TestLikeJSONHandler(t *testing.T) {
	when := time.Date(2025, 3, 4, 5, 6, 7, 890123456, time.UTC)
	records := map[string]logFunc{
		"plain": func(l *slog.Logger) { l.Info("hello") },
		"kinds": func(l *slog.Logger) {
			l.Warn("kinds", "s", "x\"y\\z\n\t\x01<>&", "i", -3, "u", uint64(math.MaxUint64), "f", 1.5, "tiny", 1e-9, "huge", 1e22,
				"b", true, "d", 1500*time.Millisecond, "t", when, "err", errors.New("boom"), "nil", nil,
				"m", textMarshaler{}, "slice", []int{1, 2}, "map", map[string]int{"a": 1}, "bytes", []byte("hi"), "lvl", slog.LevelDebug)
		},
		"unicode": func(l *slog.Logger) { l.Info("héllo \u2028 \xff end", "k\u00e9y", "ü") },
		"groups": func(l *slog.Logger) {
			l.Info("g", slog.Group("a", "b", 1, slog.Group("c", "d", 2)), slog.Group("", "inline", 3))
		},
		"empty":    func(l *slog.Logger) { l.Info("e", slog.Group("none"), slog.Attr{}, "k", 1) },
		"valuer":   func(l *slog.Logger) { l.Info("v", "lv", valuer{42}, "nested", valuer{valuer{"deep"}}) },
		"with":     func(l *slog.Logger) { l.With("w", 1).WithGroup("G").With("x", 2).Info("with", "y", 3) },
		"withG":    func(l *slog.Logger) { l.WithGroup("G").WithGroup("H").Info("withG", "y", 3) },
		"withGnil": func(l *slog.Logger) { l.WithGroup("G").Info("nothing") },
		"levels":   func(l *slog.Logger) { l.Log(context.Background(), slog.LevelError+2, "custom level") },
		"badjson":  func(l *slog.Logger) { l.Info("bad", "c", badJSON{make(chan int)}) },
		"dupkeys":  func(l *slog.Logger) { l.With("a", 1).Info("dup", "a", 2) },
	}
	rep := func(groups []string, a slog.Attr) slog.Attr {
		switch {
		case a.Key == slog.TimeKey && len(groups) == 0:
			return slog.Attr{}
		case a.Key == "drop":
			return slog.Attr{}
		case a.Key == "d":
			return slog.String("d", strings.Join(groups, ".")+":"+a.Value.String())
		}
		return a
	}
	repRecords := map[string]logFunc{
		"rep": func(l *slog.Logger) {
			l.Info("r", "d", 1, "drop", 2, slog.Group("g", "d", 3, "drop", 4), slog.Group("only", "drop", 5))
		},
		"rep with":  func(l *slog.Logger) { l.WithGroup("G").With("d", 1, "drop", 2).WithGroup("H").Info("r", "d", 3) },
		"rep level": func(l *slog.Logger) { l.Error("lvl") },
	}
	check := func(name string, opts slog.HandlerOptions, log logFunc) {
		t.Helper()
		var want bytes.Buffer
		log(slog.New(slog.NewJSONHandler(&want, &opts)))
		fake := shiptest.NewFake("g", "s")
		h := newHandler(t, t.Context(), fake, Options{Level: opts.Level, AddSource: opts.AddSource, ReplaceAttr: opts.ReplaceAttr})
		log(slog.New(h))
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(fake.Messages(), "\n")
		wantS := strings.TrimSuffix(want.String(), "\n")
		// Times differ between the two calls; compare them apart.
		if opts.ReplaceAttr == nil {
			got, wantS = stripTime(t, got), stripTime(t, wantS)
		}
		if testing.Verbose() {
			t.Logf("%s: %s", name, got)
		}
		if got != wantS {
			t.Errorf("%s:\n got %s\nwant %s", name, got, wantS)
		}
	}
	for name, log := range records {
		check(name, slog.HandlerOptions{}, log)
	}
	for name, log := range repRecords {
		check(name, slog.HandlerOptions{ReplaceAttr: rep}, log)
	}
	check("source", slog.HandlerOptions{AddSource: true, ReplaceAttr: rep}, func(l *slog.Logger) { l.Info("src") })
	check("level", slog.HandlerOptions{Level: slog.LevelWarn}, func(l *slog.Logger) { l.Info("no"); l.Warn("yes") })
}

// stripTime removes the "time" member each line starts with.
func stripTime(t *testing.T, s string) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, `{"time":"`) {
			t.Fatalf("line without time first: %s", line)
		}
		end := strings.Index(line[9:], `"`)
		out = append(out, "{"+line[9+end+2:])
	}
	return strings.Join(out, "\n")
}

func TestCloseFlushes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		h := newHandler(t, t.Context(), fake, Options{FlushInterval: time.Hour})
		l := slog.New(h)
		for i := range 1000 {
			l.Info("m", "i", i)
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.Messages()); n != 1000 {
			t.Fatalf("%d records sent by Close, want 1000", n)
		}
		l.Info("after close")
		if st := h.Stats(); st.Sent != 1000 || st.Dropped != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestContextCancelFlushesAndCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		ctx, cancel := context.WithCancel(t.Context())
		h := newHandler(t, ctx, fake, Options{FlushInterval: time.Hour})
		l := slog.New(h)
		for i := range 10 {
			l.Info("m", "i", i)
		}
		cancel()
		synctest.Wait()
		if n := len(fake.Messages()); n != 10 {
			t.Fatalf("%d records sent after cancel, want 10", n)
		}
		l.Info("after cancel")
		if st := h.Stats(); st.Dropped != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestFlushInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		h := newHandler(t, t.Context(), fake, Options{FlushInterval: 2 * time.Second})
		slog.New(h).Info("tick")
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(fake.Messages()); n != 0 {
			t.Fatalf("sent %d before the interval", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(fake.Messages()); n != 1 {
			t.Fatalf("sent %d after the interval, want 1", n)
		}
	})
}

func TestNeverBlocksAndCountsDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		block := make(chan struct{})
		fake.Fail = func(string, int) error { <-block; return nil }
		h := newHandler(t, t.Context(), fake, Options{BufferBytes: 300_000, MaxEventBytes: 1000})
		l := slog.New(h)
		start := time.Now()
		for i := range 20_000 { // ~1.6 MB: far more than the buffer
			l.Info("filler", "i", i)
		}
		if time.Since(start) != 0 {
			t.Fatal("logging waited")
		}
		st := h.Stats()
		if st.Dropped == 0 || st.Dropped >= 20_000 {
			t.Fatalf("stats %+v", st)
		}
		close(block)
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		st = h.Stats()
		if st.Sent+st.Dropped != 20_000 {
			t.Fatalf("sent %d + dropped %d != 20000", st.Sent, st.Dropped)
		}
	})
}

// logsItself is a Client whose calls log through the handler that uses
// it, as an instrumented HTTP transport might.
type logsItself struct {
	*shiptest.Fake
	logger *slog.Logger
}

func (c *logsItself) PutLogEvents(ctx context.Context, in *cwl.PutLogEventsInput, o ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error) {
	c.logger.InfoContext(ctx, "sending", "events", len(in.LogEvents)) // with the call's context: recognised
	return c.Fake.PutLogEvents(ctx, in, o...)
}

func TestNoRecursion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &logsItself{Fake: shiptest.NewFake("g", "s")}
		var errs int
		h := newHandler(t, t.Context(), c, Options{FlushInterval: time.Second, OnError: func(error) { errs++ }})
		c.logger = slog.New(h)
		old := slog.Default()
		slog.SetDefault(c.logger)
		defer slog.SetDefault(old)

		slog.Info("one")
		time.Sleep(10 * time.Second) // ten intervals: the handler's own log must not feed it
		synctest.Wait()
		if got := c.Messages(); len(got) != 1 || !strings.Contains(got[0], `"msg":"one"`) {
			t.Fatalf("sent %q", got)
		}
		if st := h.Stats(); st.Recursive != 1 || st.Sent != 1 {
			t.Fatalf("stats %+v", st)
		}
		if errs != 0 {
			t.Fatalf("%d errors", errs)
		}
	})
}

func TestErrorsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		fake.Fail = func(string, int) error { return shiptest.APIError(400, "AccessDeniedException", "no") }
		var got []error
		h := newHandler(t, t.Context(), fake, Options{OnError: func(err error) { got = append(got, err) }})
		slog.New(h).Info("x")
		if err := h.Close(); err == nil || len(got) != 1 || !strings.Contains(got[0].Error(), "AccessDeniedException") {
			t.Fatalf("Close: %v, OnError got %v", err, got)
		}
		if st := h.Stats(); st.Failed != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestOversize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		h := newHandler(t, t.Context(), fake, Options{MaxEventBytes: 100})
		slog.New(h).Info(strings.Repeat("x", 200))
		h.Close()
		msgs := fake.Messages()
		if len(msgs) != 1 || len(msgs[0]) > 100 || !strings.HasSuffix(msgs[0], "…[truncated]") {
			t.Fatalf("sent %q", msgs)
		}
		if st := h.Stats(); st.Truncated != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestNewValidates(t *testing.T) {
	fake := shiptest.NewFake("g", "s")
	for i, o := range []Options{
		{},
		{Client: fake, LogStream: "s"},
		{Client: fake, LogGroup: "g"},
		{Client: fake, LogGroup: "g", LogStream: "s", BufferBytes: 10},
		{Client: fake, LogGroup: "g", LogStream: "s", MaxEventBytes: 2 << 20},
	} {
		if h, err := New(t.Context(), o); err == nil {
			h.Close()
			t.Errorf("case %d accepted", i)
		}
	}
}

func ExampleNew() {
	// A client of logpond or CloudWatch Logs, e.g.
	// cloudwatchlogs.NewFromConfig(cfg); here an in-memory stand-in.
	client := shiptest.NewFake("app", "")
	h, err := New(context.Background(), Options{Client: client, LogGroup: "app", LogStream: "host-1"})
	if err != nil {
		panic(err)
	}
	logger := slog.New(h)
	logger.Info("started", "port", 8080)
	h.Close()
	fmt.Println(strings.TrimPrefix(client.Messages()[0][strings.Index(client.Messages()[0], `"level"`):], ""))
	// Output: "level":"INFO","msg":"started","port":8080}
}
