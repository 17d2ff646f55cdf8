package insights

import (
	"context"
	"fmt"
	"slices"
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
	st, err := store.Open(store.Options{Dir: t.TempDir(), HeadMaxBytes: -1, SealInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateLogGroup(sc, "g", store.GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	st.CreateLogStream(sc, "g", "s")
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
	for round := 0; round < 3; round++ {
		evs := make([]store.InputEvent, 400)
		for i := range evs {
			ts := now - 3_600_000 + int64(round*400+i)*1000
			evs[i] = store.InputEvent{Timestamp: ts, Message: fmt.Sprintf(forms[(i+round)%len(forms)], i*7%101, i%3)}
		}
		if _, err := st.PutLogEvents(sc, "g", "s", evs); err != nil {
			t.Fatal(err)
		}
		if round < 2 { // the last round stays in the head
			if err := st.Seal(); err != nil {
				t.Fatal(err)
			}
		}
	}
	left := 0 // events that came without their message
	err = st.ScanQuery(context.Background(), sc, "g", store.ScanQuery{Range: store.AllTime, JSONOnly: true}, func(e *store.FilteredEvent) bool {
		if e.Message == "" && e.Size > 0 {
			left++
		}
		return true
	})
	if err != nil || left == 0 {
		t.Fatalf("JSONOnly scan left out %d messages (%v)", left, err)
	}
	skip, _ := New(Options{Source: st})
	defer skip.Close()
	plain, _ := New(Options{Source: plainSource{st}})
	defer plain.Close()
	for _, src := range []string{
		"stats count(*) as n, sum(a) as s, pct(a, 90) as p by b",
		"filter a > 50 | stats count(*) by b",
		`filter b = "x1" | stats count(*), avg(a)`,
		"fields a, b | filter ispresent(a) | sort a desc | limit 20",
	} {
		q := mustParse(t, src)
		if !q.ReadsOnlyJSON() {
			t.Fatalf("%s: ReadsOnlyJSON false", src)
		}
		var res [2]Results
		for i, m := range []*Manager{skip, plain} {
			id, err := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, Start: 0, End: now + 1, Query: q})
			if err != nil {
				t.Fatal(err)
			}
			res[i] = wait(t, m, id, Complete, Failed)
		}
		if res[0].Status != Complete || !slices.EqualFunc(res[0].Rows, res[1].Rows, slices.Equal) || res[0].Stats != res[1].Stats {
			t.Errorf("%s:\n got %+v\nwant %+v", src, res[0], res[1])
		}
		if len(res[1].Rows) == 0 {
			t.Errorf("%s: no rows", src)
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
