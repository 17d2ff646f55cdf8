package insights

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/store"
)

// plainSource hides the store's ScanQuery: the manager then reads every
// event with its message.
type plainSource struct{ st *store.Store }

func (p plainSource) Scan(ctx context.Context, sc store.Scope, group string, r store.TimeRange, names []string, prefix string, fn func(*store.FilteredEvent) bool) error {
	return p.st.Scan(ctx, sc, group, r, names, prefix, fn)
}

// TestJSONOnlyScan checks that queries reading only JSON fields, for which
// the store leaves out the messages of segments that are not JSON objects,
// give the rows and statistics of a scan with every message, over head and
// segment data with JSON objects led by white space and near misses.
func TestJSONOnlyScan(t *testing.T) {
	// A cache too small for any block: segments are read the way each
	// query asks, not served whole from the cache.
	st, err := store.Open(store.Options{Dir: t.TempDir(), HeadMaxBytes: -1, SealInterval: -1, CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UnixMilli()
	forms := []string{
		`{"a":%d,"b":"x%d"}`,
		"  \t{\"a\":%d,\"b\":\"y%d\"}",
		"\n\r {\"a\":%d, \"b\":\"x%d\"}\n",
		`a=%d b=x%d`,
		`x {"a":%d,"b":"x%d"}`,
		"\v{\"a\":%d,\"b\":\"x%d\"}",
		`[{"a":%d,"b":"x%d"}]`,
		`{"a":"%d","b":"x%d","c":[1,2]}`,
	}
	// Two groups over the same hour, three streams each: blank events
	// skipped in one stream come before events of the others.
	for gi, g := range []string{"g", "g2"} {
		if err := st.CreateLogGroup(sc, g, store.GroupOptions{}); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 3; round++ {
			for k := range 3 {
				stream := fmt.Sprint("s", k)
				if round == 0 {
					st.CreateLogStream(sc, g, stream)
				}
				evs := make([]store.InputEvent, 400)
				for i := range evs {
					j := round*400 + i
					ts := now - 3_600_000 + int64(j)*1000 + int64(k*300+gi*100)
					evs[i] = store.InputEvent{Timestamp: ts, Message: fmt.Sprintf(forms[(j*(k+1)+gi)%len(forms)], i*7%101, (i+k)%3)}
				}
				if _, err := st.PutLogEvents(sc, g, stream, evs); err != nil {
					t.Fatal(err)
				}
			}
			if round < 2 { // the last round stays in the head
				if err := st.Seal(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// A group whose only events without JSON come last, in a segment:
	// counted when its scan ends, before the next group's events.
	if err := st.CreateLogGroup(sc, "g3", store.GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	st.CreateLogStream(sc, "g3", "s")
	evs := make([]store.InputEvent, 50)
	for i := range evs {
		evs[i] = store.InputEvent{Timestamp: now - 60_000 + int64(i), Message: fmt.Sprintf(`{"a":%d,"b":"z%d"}`, i, i%2)}
		if i >= 45 {
			evs[i].Message = "a=1 b=z1"
		}
	}
	if _, err := st.PutLogEvents(sc, "g3", "s", evs); err != nil {
		t.Fatal(err)
	}
	if err := st.Seal(); err != nil {
		t.Fatal(err)
	}
	// Left out: without a message (JSONOnly), or skipped and counted
	// (Skipped); either way every event and byte is accounted for.
	var all, left, sum int64
	var skipped store.Skipped
	for _, skip := range []bool{false, true} {
		q := store.ScanQuery{Range: store.AllTime, JSONOnly: true}
		if skip {
			q.Skipped = func(s store.Skipped) { skipped.Add(s) }
		}
		var n, size int64
		err = st.ScanQuery(context.Background(), sc, "g", q, func(e *store.FilteredEvent) bool {
			if e.Message == "" && e.Size > 0 {
				left++
			}
			n, size = n+1, size+int64(e.Size)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if !skip {
			all, sum = n, size
		} else if n+skipped.Events != all || size+skipped.Bytes != sum {
			t.Errorf("skipping scan: %d events, %d bytes and skipped %+v; all %d events, %d bytes", n, size, skipped, all, sum)
		}
	}
	if left == 0 || skipped.Events == 0 || left < skipped.Events {
		t.Fatalf("JSONOnly scans left out %d messages, skipped %d events", left, skipped.Events)
	}
	skip, _ := New(Options{Source: st})
	defer skip.Close()
	skip1, _ := New(Options{Source: st, Parallel: 1}) // each group in one piece
	defer skip1.Close()
	plain, _ := New(Options{Source: plainSource{st}})
	defer plain.Close()
	for _, src := range []string{
		"stats count(*) as n, sum(a) as s, pct(a, 90) as p by b",
		"stats count(*) as n by b",
		"stats count(*), count(a)",
		"filter a > 50 | stats count(*) by b",
		`filter b = "x1" | stats count(*), avg(a)`,
		"fields a, b | filter ispresent(a) | sort a desc | limit 20",
	} {
		q := mustParse(t, src)
		if !q.ReadsOnlyJSON() {
			t.Fatalf("%s: ReadsOnlyJSON false", src)
		}
		// g3 first: its blanks, counted last, come before g's events;
		// g first: its streams' first blanks are counted early.
		for _, groups := range [][]string{{"g3", "g", "g2"}, {"g", "g2", "g3"}} {
			want := sameOnEach(t, fmt.Sprintf("%s over %v", src, groups), StartInput{Scope: sc, Groups: groups, Start: 0, End: now + 1, Query: q}, plain, skip, skip1)
			if len(want.Rows) == 0 {
				t.Errorf("%s: no rows", src)
			}
		}
	}
	for src, want := range map[string]bool{
		"stats count(*) by bin(1h)":                       false, // reads no message
		"fields @message | filter a > 1":                  false,
		"parse @message 'a=*' as x | stats count(*) by x": false,
		"stats count(*) by @requestId, a":                 false, // Lambda's fields
		"filter a > 1 | fields @timestamp":                true,
	} {
		if got := mustParse(t, src).ReadsOnlyJSON(); got != want {
			t.Errorf("%s: ReadsOnlyJSON = %v, want %v", src, got, want)
		}
	}
}
