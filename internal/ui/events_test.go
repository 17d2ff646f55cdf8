package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server"
	"github.com/logpond/logpond/internal/server/servertest"
)

type histogram struct {
	StartTime int64
	BucketMs  int64
	Counts    []int64
	Total     int64
	Scanned   int64
	Complete  bool
}

func TestHistogramCountsMatchesPerBucketAcrossGroups(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	base := time.Now().Add(-time.Hour).Truncate(time.Minute).UnixMilli()
	var a, c []string
	for i := 0; i < 120; i++ {
		a = append(a, fmt.Sprintf("GET /x status=%d", 200+300*(i%2))) // every other is a 500
	}
	b.seed("web", "s1", base, a...)
	for i := 0; i < 30; i++ {
		c = append(c, "ERROR 500 upstream")
	}
	b.seed("api", "s1", base+60_000, c...)

	var h histogram
	r := b.do("POST", "/ui/api/histogram", map[string]any{
		"logGroupNames": []string{"web", "api"}, "filterPattern": "500",
		"startTime": base, "endTime": base + 10*60_000 - 1, "buckets": 10,
	}, nil)
	if r.status != 200 {
		t.Fatalf("histogram: %d %s", r.status, r.body)
	}
	r.json(t, &h)
	if h.BucketMs != 60_000 || h.StartTime != base || len(h.Counts) != 10 || !h.Complete {
		t.Fatalf("buckets: %+v", h)
	}
	if h.Total != 90 || h.Counts[0] != 60 || h.Counts[1] != 30 || h.Scanned != 150 {
		t.Fatalf("counts: %+v", h)
	}

	// A wrong pattern says where it is wrong.
	r = b.do("POST", "/ui/api/histogram", map[string]any{
		"logGroupNames": []string{"web"}, "filterPattern": `{ $.x = `, "startTime": base, "endTime": base + 1,
	}, nil)
	var e struct {
		Type     string `json:"__type"`
		Message  string
		Position int
	}
	r.json(t, &e)
	if r.status != 400 || e.Type != "InvalidParameterException" || e.Position < 1 || !strings.Contains(e.Message, "Invalid filter pattern") {
		t.Fatalf("bad pattern: %d %s", r.status, r.body)
	}
	// A missing group is not found, a missing range is an error.
	if r := b.do("POST", "/ui/api/histogram", map[string]any{"logGroupNames": []string{"nope"}, "startTime": base, "endTime": base + 1}, nil); r.status != 404 {
		t.Fatalf("missing group: %d %s", r.status, r.body)
	}
	if r := b.do("POST", "/ui/api/histogram", map[string]any{"logGroupNames": []string{"web"}}, nil); r.status != 400 {
		t.Fatalf("no range: %d %s", r.status, r.body)
	}
}

type uiEvent struct {
	LogGroupName  string
	LogStreamName string
	Timestamp     int64
	Message       string
	EventID       string
}

func TestContextReturnsNeighboursInTheEventsStream(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	base := time.Now().Add(-time.Minute).UnixMilli()
	var msgs []string
	for i := 0; i < 10; i++ {
		msgs = append(msgs, fmt.Sprintf("line %d", i))
	}
	b.seed("g", "s", base, msgs...)
	b.seed("g", "other", base, "noise in another stream", "more noise")

	// Event ids come from FilterLogEvents, as the app gets them.
	var found struct{ Events []uiEvent }
	b.op("FilterLogEvents", map[string]any{"logGroupName": "g", "filterPattern": `"line 5"`}, &found)
	if len(found.Events) != 1 {
		t.Fatalf("filter: %+v", found)
	}
	var ctx struct {
		Events                []uiEvent
		Index                 int
		MoreBefore, MoreAfter bool
	}
	r := b.do("POST", "/ui/api/context", map[string]any{"logGroupName": "g", "logStreamName": "s", "eventId": found.Events[0].EventID, "before": 2, "after": 3}, nil)
	if r.status != 200 {
		t.Fatalf("context: %d %s", r.status, r.body)
	}
	r.json(t, &ctx)
	var got []string
	for _, e := range ctx.Events {
		got = append(got, e.Message)
	}
	if strings.Join(got, ",") != "line 3,line 4,line 5,line 6,line 7,line 8" || ctx.Index != 2 || !ctx.MoreBefore || !ctx.MoreAfter {
		t.Fatalf("context = %v index %d more %v %v", got, ctx.Index, ctx.MoreBefore, ctx.MoreAfter)
	}
	// The context's event ids are FilterLogEvents' own.
	if ctx.Events[2].EventID != found.Events[0].EventID {
		t.Fatalf("event id %s, FilterLogEvents said %s", ctx.Events[2].EventID, found.Events[0].EventID)
	}
	r = b.do("POST", "/ui/api/context", map[string]any{"logGroupName": "g", "logStreamName": "s", "eventId": ctx.Events[0].EventID, "before": 50, "after": 1}, nil)
	r.json(t, &ctx)
	if len(ctx.Events) != 5 || ctx.Index != 3 || ctx.MoreBefore || !ctx.MoreAfter || ctx.Events[0].Message != "line 0" {
		t.Fatalf("context at the start: %+v", ctx)
	}
	// An id of no event is not found; a malformed one is refused.
	if r := b.do("POST", "/ui/api/context", map[string]any{"logGroupName": "g", "logStreamName": "other", "eventId": found.Events[0].EventID}, nil); r.status != 404 {
		t.Fatalf("event of another stream: %d %s", r.status, r.body)
	}
	if r := b.do("POST", "/ui/api/context", map[string]any{"logGroupName": "g", "logStreamName": "s", "eventId": "x"}, nil); r.status != 400 {
		t.Fatalf("bad id: %d %s", r.status, r.body)
	}
}

// sse reads server-sent events from a live tail.
type sse struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func openTail(t *testing.T, b *browser, query string) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", b.base+"/ui/api/tail?"+query, nil)
	c := *b.client
	c.Timeout = 0
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("tail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next event's name and data, skipping comments.
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	var name, data string
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "" && name != "":
			return name, data
		case strings.HasPrefix(line, "event: "):
			name = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
	t.Fatalf("stream ended: %v", s.sc.Err())
	return "", ""
}

type tailMessage struct {
	Events  []uiEvent
	Backlog bool
	Dropped int
}

func TestLiveTailSendsNewMatchingEvents(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	now := time.Now().UnixMilli()
	b.seed("g", "s", now-5000, "old error", "old info")
	s := openTail(t, b, "logGroupName=g&filterPattern=error&backlog=10")
	name, data := s.next(t)
	var m tailMessage
	json.Unmarshal([]byte(data), &m)
	if name != "events" || !m.Backlog || len(m.Events) != 1 || m.Events[0].Message != "old error" || m.Events[0].LogGroupName != "g" {
		t.Fatalf("backlog: %s %s", name, data)
	}
	putAt := time.Now()
	b.op("PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s", "logEvents": []map[string]any{
		{"timestamp": putAt.UnixMilli(), "message": "new info"},
		{"timestamp": putAt.UnixMilli(), "message": "new error <script>"},
	}}, nil)
	name, data = s.next(t)
	m = tailMessage{}
	json.Unmarshal([]byte(data), &m)
	if name != "events" || m.Backlog || len(m.Events) != 1 || m.Events[0].Message != "new error <script>" {
		t.Fatalf("new events: %s %s", name, data)
	}
	if d := time.Since(putAt); d > 2*time.Second {
		t.Fatalf("the event took %v to arrive", d)
	}
	// Signing out ends the stream.
	b.do("DELETE", "/ui/api/session", nil, nil)
	if name, data := s.next(t); name != "end" || !strings.Contains(data, "signed-out") {
		t.Fatalf("after sign out: %s %s", name, data)
	}
}

func TestLiveTailRefusesBadRequests(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	b.seed("g", "s", time.Now().UnixMilli(), "x")
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"", 400},
		{"logGroupName=nope", 404},
		{"logGroupName=g&filterPattern=%7B+%24.x", 400},
		{"logGroupName=g&backlog=100000", 400},
	} {
		if r := b.do("GET", "/ui/api/tail?"+tc.query, nil, nil); r.status != tc.status {
			t.Errorf("tail?%s = %d %s, want %d", tc.query, r.status, r.body, tc.status)
		}
	}
	if r := newBrowser(t, in.URL).do("GET", "/ui/api/tail?logGroupName=g", nil, nil); r.status != 401 {
		t.Errorf("tail without a session = %d", r.status)
	}
}

// TestShutdownEndsLiveTails checks that http.Server.Shutdown does not wait
// for open live tails.
func TestShutdownEndsLiveTails(t *testing.T) {
	keys := auth.Keys{}
	keys.Add(servertest.KeyA)
	srv, err := server.Open(server.Options{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	b := newBrowser(t, hs.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	b.seed("g", "s", time.Now().UnixMilli(), "x")
	s := openTail(t, b, "logGroupName=g")
	s.next(t) // the backlog: the stream is open
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := hs.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}
