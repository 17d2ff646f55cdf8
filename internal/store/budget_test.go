package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadMemory reads a group of many streams whose events interleave,
// in several segments, with a read budget far below one block per stream:
// scans, searches (paged, both ways) and listings give the events of an
// unbounded read, blocks are released and decoded again, and what the
// read holds stays within the budget but for the source in use.
func TestReadMemory(t *testing.T) {
	const streams = 40
	r := rand.New(rand.NewPCG(3, 3))
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	s := roundsStore(t, streams, 60, func(round, k, i int) InputEvent {
		// Streams interleave: event i of every stream within the same millisecond or two.
		ts := t0 + int64(round*60+i)*10 + int64(k%3)
		return InputEvent{Timestamp: ts, Message: fmt.Sprintf("round=%d stream=%d i=%d %s", round, k, i, strings.Repeat("x", r.IntN(120)))}
	})
	var ends []readMemory
	testReadEnded = func(m *readMemory) { ends = append(ends, *m) }
	defer func() { testReadEnded = nil }()

	scan := func(q ScanQuery) []string {
		var out []string
		err := s.ScanQuery(context.Background(), sc, "g", q, func(e *FilteredEvent) bool {
			out = append(out, fmt.Sprint(e.Stream, e.Timestamp, e.Seq, e.Size, e.Message))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	search := func(backward bool) []string {
		var out []string
		q := FilterQuery{Range: AllTime, Match: func(m string) bool { return strings.Contains(m, "i=1") }, Terms: []string{"i=1"}, Backward: backward, Limit: 37}
		for {
			res, err := s.FilterLogEvents(sc, "g", q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Events {
				out = append(out, fmt.Sprint(e.Stream, e.Timestamp, e.Seq, e.Message))
			}
			if res.Next == nil {
				return out
			}
			q.After = res.Next
		}
	}
	get := func() []string {
		var out []string
		for k := range streams {
			res, err := s.GetLogEvents(sc, "g", fmt.Sprint("s", k), GetQuery{Range: AllTime})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, messages(res.Events)...)
		}
		return out
	}
	type reads struct{ all, json, fwd, back, get []string }
	run := func() reads {
		return reads{
			all:  scan(ScanQuery{Range: AllTime}),
			json: scan(ScanQuery{Range: AllTime, JSONOnly: true}),
			fwd:  search(false),
			back: search(true),
			get:  get(),
		}
	}
	s.opts.ReadMemory = 1 << 40
	want := run()
	if len(want.all) != 3*streams*60 || len(want.fwd) == 0 {
		t.Fatalf("%d events, %d found", len(want.all), len(want.fwd))
	}
	for _, m := range ends {
		if m.releases > 0 {
			t.Fatalf("unbounded read released blocks: %+v", m)
		}
	}
	ends = nil
	const budget = 16 << 10
	s.opts.ReadMemory = budget
	got := run()
	for name, pair := range map[string][2][]string{"scan": {got.all, want.all}, "JSON-only scan": {got.json, want.json}, "search": {got.fwd, want.fwd}, "backward search": {got.back, want.back}, "listing": {got.get, want.get}} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s with a budget: %d events, want %d", name, len(pair[0]), len(pair[1]))
		}
	}
	released, reloaded := 0, 0
	for _, m := range ends {
		released, reloaded = released+m.releases, reloaded+m.reloads
		if m.peak > budget+m.most {
			t.Errorf("read held %d bytes, over the budget %d and one source's %d", m.peak, budget, m.most)
		}
	}
	if released == 0 || reloaded == 0 || reloaded > released {
		t.Errorf("%d blocks released, %d decoded again", released, reloaded)
	}
	t.Logf("%d reads released %d blocks and decoded %d again", len(ends), released, reloaded)
}
