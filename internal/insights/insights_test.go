package insights

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/cputime"
	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// fakeSource yields n events per group, then waits for gate (nil: no wait).
type fakeSource struct {
	n    int
	gate chan struct{}
}

func (f fakeSource) Scan(ctx context.Context, sc store.Scope, group string, r store.TimeRange, _ []string, _ string, fn func(*store.FilteredEvent) bool) error {
	e := store.FilteredEvent{Stream: "s"}
	for i := 0; i < f.n; i++ {
		e.Timestamp, e.Seq, e.Message = r.Start+int64(i), uint64(i+1), fmt.Sprintf(`{"n":%d}`, i%3)
		if !fn(&e) {
			return nil
		}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

var sc = store.Scope{Account: "111111111111", Region: "us-east-1"}

func mustParse(t *testing.T, s string) *query.Insights {
	t.Helper()
	q, err := query.ParseInsights(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// sameOnEach runs the query of in on each manager and reports, under
// name, a result that is not Complete with the rows and statistics of
// the first manager's. It returns the first manager's result.
func sameOnEach(t *testing.T, name string, in StartInput, ms ...*Manager) Results {
	t.Helper()
	var want Results
	for i, m := range ms {
		id, err := m.Start(in)
		if err != nil {
			t.Fatal(err)
		}
		got := wait(t, m, id, Complete, Failed)
		if i == 0 {
			want = got
		} else if got.Status != Complete || !slices.EqualFunc(got.Rows, want.Rows, slices.Equal) || got.Stats != want.Stats {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	return want
}

func wait(t *testing.T, m *Manager, id string, want ...Status) Results {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		res, err := m.Results(sc, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if res.Status == w {
				return res
			}
		}
	}
	t.Fatalf("query %s never reached %v", id, want)
	return Results{}
}

func TestPartialResultsThenComplete(t *testing.T) {
	gate := make(chan struct{})
	m, _ := New(Options{Source: fakeSource{n: 10_000, gate: gate}, PartialEvery: time.Nanosecond})
	defer m.Close()
	id, err := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, Start: 0, End: 1 << 40, Query: mustParse(t, "stats count(*) as c")})
	if err != nil {
		t.Fatal(err)
	}
	// Partial results appear while the query is held.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		res, _ := m.Results(sc, id)
		if res.Status == Running && len(res.Rows) == 1 && res.Stats.RecordsScanned > 0 {
			if res.Rows[0][0].Value == "10000" {
				t.Fatal("partial result is already the final one")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no partial results: %+v", res)
		}
	}
	close(gate)
	res := wait(t, m, id, Complete)
	if got := res.Rows[0][0].Value; got != "10000" || res.Stats.RecordsScanned != 10_000 {
		t.Errorf("count %s, scanned %v", got, res.Stats.RecordsScanned)
	}
}

// TestStoreScanPaths runs queries through the manager over a real store,
// with events in segments and in the head of several groups, and checks
// that the store's shortcuts (time bounds, index terms, no messages,
// newest first with an early stop) give the rows and byte count that the
// engine gives over every event in the usual order.
func TestStoreScanPaths(t *testing.T) {
	// A cache too small for any block: segments are read the way each
	// query asks, not served whole from the cache.
	st, err := store.Open(store.Options{Dir: t.TempDir(), HeadMaxBytes: -1, SealInterval: -1, CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	groups := []string{"g1", "g2", "g3"}
	now := time.Now().UnixMilli()
	c := loadgen.NewCorpus(3)
	var all []*query.Event // in the usual order: by group, then key
	for gi, g := range groups {
		if err := st.CreateLogGroup(sc, g, store.GroupOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"a", "b", "esc"} {
			st.CreateLogStream(sc, g, s)
		}
		for round := 0; round < 3; round++ {
			for si, s := range []string{"a", "b"} {
				evs := make([]store.InputEvent, 300)
				for j := range evs {
					ts := now - 3_600_000 + int64(round*600+j*2+si)*1000 + int64(gi)
					if j%7 == 0 {
						ts = now - 3_600_000 + int64(round*600)*1000 // ties on @timestamp
					}
					evs[j] = store.InputEvent{Timestamp: ts, Message: c.Next(ts)}
				}
				slices.SortFunc(evs, func(a, b store.InputEvent) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
				if _, err := st.PutLogEvents(sc, g, s, evs); err != nil {
					t.Fatal(err)
				}
			}
			if round == 0 {
				// Values spelled with escapes: the store must not skip
				// them by their templates.
				esc := make([]store.InputEvent, 20)
				for j := range esc {
					ts := now - 3_600_000 + int64(j*37+gi)*1000
					esc[j] = store.InputEvent{Timestamp: ts, Message: fmt.Sprintf(`{"level":"\u0045RROR","service":"pay\u006dents","host":"h%d","latency_ms":%d}`, j%3, j)}
				}
				if _, err := st.PutLogEvents(sc, g, "esc", esc); err != nil {
					t.Fatal(err)
				}
			}
			if round < 2 { // the last round stays in the head
				if err := st.Seal(); err != nil {
					t.Fatal(err)
				}
			}
		}
		err := st.Scan(context.Background(), sc, g, store.AllTime, nil, "", func(e *store.FilteredEvent) bool {
			all = append(all, &query.Event{Timestamp: e.Timestamp, Ingestion: e.Ingestion, Seq: e.Seq, Message: e.Message, Stream: e.Stream, Group: g, Account: sc.Account})
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	mid := strconv.FormatInt(now-2_700_000, 10) // events span the hour before now-1_800_000
	// Stats queries are split into time ranges scanned at once
	// (parallel.go): the same rows whatever the number of ranges.
	for _, parallel := range []int{1, 2, 3} {
		testStoreScanPaths(t, st, groups, all, now, mid, parallel)
	}
	// A limit met in one range fails the query.
	m, _ := New(Options{Source: st, Parallel: 3, MaxGroups: 50})
	defer m.Close()
	id, err := m.Start(StartInput{Scope: sc, Groups: groups, Start: 0, End: now + 1, Query: mustParse(t, "stats count(*) by @message")})
	if err != nil {
		t.Fatal(err)
	}
	if got := wait(t, m, id, Complete, Failed); got.Status != Failed || !strings.Contains(got.Error, "groups") {
		t.Errorf("too many groups over 3 ranges: %s %q", got.Status, got.Error)
	}
}

func testStoreScanPaths(t *testing.T, st *store.Store, groups []string, all []*query.Event, now int64, mid string, parallel int) {
	m, _ := New(Options{Source: st, Parallel: parallel})
	defer m.Close()
	for _, src := range []string{
		"stats count(*) by bin(5m)",
		"stats count(*) as n, pct(latency_ms, 90) as p by service",
		"stats count_distinct(user_id) as u, min(latency_ms), max(latency_ms), earliest(host), latest(host), sum(latency_ms) by level, service",
		`filter level = "ERROR" and service = "payments" | stats count(*) as n, pct(latency_ms, 50) as p by host`,
		`filter level = "ERROR" | sort @timestamp desc | limit 7`,
		`filter level = "ERROR" | sort @timestamp desc | limit 7 | fields @timestamp, @logStream, @log`,
		`fields @timestamp, @message | sort @timestamp desc | limit 25`,
		`filter @message like "POST" | limit 5`,
		`filter @message like "POST" | stats count(*) as posts`,
		`filter @timestamp < ` + mid + ` | fields @timestamp | sort @timestamp desc | limit 3`,
		`filter @timestamp >= ` + mid + ` | stats count(*) as c by bin(10m)`,
		`sort @timestamp asc | limit 4 | fields @timestamp`,
	} {
		q := mustParse(t, src)
		want, err := q.Execute(slices.Values(all), query.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		id, err := m.Start(StartInput{Scope: sc, Groups: groups, Start: 0, End: now + 1, Query: q})
		if err != nil {
			t.Fatal(err)
		}
		got := wait(t, m, id, Complete, Failed)
		if got.Status != Complete || !slices.EqualFunc(got.Rows, want.Rows, slices.Equal) {
			t.Errorf("parallel %d: %s: %s %s\n got %v\nwant %v", parallel, src, got.Status, got.Error, got.Rows, want.Rows)
			continue
		}
		if q.NewestFirst() {
			if got.Stats.RecordsScanned >= float64(len(all)) {
				t.Errorf("%s: scanned %v of %d events, newest first", src, got.Stats.RecordsScanned, len(all))
			}
			continue
		}
		start, end := q.TimeBounds()
		if start == math.MinInt64 && end == math.MaxInt64 && q.RequiredTerms() == nil && (got.Stats.RecordsScanned != float64(want.Scanned) || got.Stats.BytesScanned != float64(want.Bytes) || got.Stats.RecordsMatched != float64(want.Matched)) {
			t.Errorf("%s: statistics %+v, want %d scanned, %d bytes, %d matched", src, got.Stats, want.Scanned, want.Bytes, want.Matched)
		}
	}
}

func TestCloseCancelsAndWaits(t *testing.T) {
	gate := make(chan struct{}) // never opened
	m, _ := New(Options{Source: fakeSource{n: 10, gate: gate}, Workers: 1})
	var ids []string
	for range 3 { // one Running, two Scheduled
		id, err := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, End: 1 << 40, Query: mustParse(t, "fields @message")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		counts := map[Status]int{}
		for _, id := range ids {
			res, _ := m.Results(sc, id)
			counts[res.Status]++
		}
		if counts[Running] == 1 && counts[Scheduled] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want 1 Running and 2 Scheduled, have %v", counts)
		}
	}
	m.Close() // returns only when every goroutine has ended
	for _, id := range ids {
		if res, _ := m.Results(sc, id); res.Status != Cancelled {
			t.Errorf("after Close %s is %s", id, res.Status)
		}
	}
	if _, err := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, Query: mustParse(t, "fields @message")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
}

func TestLimitsFailTheQuery(t *testing.T) {
	m, _ := New(Options{Source: fakeSource{n: 100}, MaxGroups: 2})
	defer m.Close()
	id, _ := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, End: 1 << 40, Query: mustParse(t, "stats count(*) by @timestamp")})
	res := wait(t, m, id, Failed)
	if res.Error == "" {
		t.Error("no error message")
	}
}

func TestResultsExpire(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	m, _ := New(Options{Source: fakeSource{n: 1}, Now: clock, Keep: time.Hour, MaxKept: 2})
	defer m.Close()
	var ids []string
	for range 3 {
		id, _ := m.Start(StartInput{Scope: sc, Groups: []string{"g"}, End: 1 << 40, Query: mustParse(t, "fields @message")})
		wait(t, m, id, Complete)
		ids = append(ids, id)
		mu.Lock()
		now = now.Add(time.Second)
		mu.Unlock()
	}
	if _, err := m.Results(sc, ids[0]); !errors.Is(err, ErrQueryNotFound) {
		t.Errorf("oldest of 3 with MaxKept 2: %v", err)
	}
	if len(m.List(sc, ListFilter{})) != 2 {
		t.Errorf("kept %d", len(m.List(sc, ListFilter{})))
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if _, err := m.Results(sc, ids[2]); !errors.Is(err, ErrQueryNotFound) {
		t.Errorf("after Keep: %v", err)
	}
}

// BenchmarkStoreQueries runs issue 4's three target queries through the
// manager over 1M loadgen events in a real store (8 streams, 20 hours),
// with the events in the head (in memory) or sealed and merged into
// segments. Reports the query's CPU time too (cpu-ns/op: of the whole
// process, so the store's background work counts; there is none here).
func BenchmarkStoreQueries(b *testing.B) {
	for _, layout := range []string{"head", "segments"} {
		b.Run(layout, func(b *testing.B) {
			st, now := benchStore(b, layout == "segments")
			// LOGPOND_BENCH_PARALLEL sets Options.Parallel (default
			// GOMAXPROCS; 1 scans each group in one piece).
			par, _ := strconv.Atoi(os.Getenv("LOGPOND_BENCH_PARALLEL"))
			m, _ := New(Options{Source: st, Parallel: par})
			defer m.Close()
			for _, q := range []string{
				"stats count(*) by bin(1h)",
				"stats pct(latency_ms, 99) by service",
				`filter level = "ERROR" | sort @timestamp desc | limit 100`,
				`filter level = "ERROR" | stats count(*) by service`,   // not a target: the required-terms path
				`filter latency_ms > 1000 | stats count(*) by service`, // not a target: a filter over batches
				"stats avg(latency_ms) by service",                     // not a target
			} {
				b.Run(q, func(b *testing.B) {
					pq, err := query.ParseInsights(q)
					if err != nil {
						b.Fatal(err)
					}
					cpu0, ok := cputime.Process()
					for b.Loop() {
						id, err := m.Start(StartInput{Scope: sc, Groups: []string{"bench"}, Start: 0, End: now + 1, Query: pq})
						if err != nil {
							b.Fatal(err)
						}
						for {
							res, _ := m.Results(sc, id)
							if res.Status == Complete {
								break
							}
							if res.Status != Running && res.Status != Scheduled {
								b.Fatalf("query %s: %s", res.Status, res.Error)
							}
							time.Sleep(100 * time.Microsecond)
						}
					}
					if cpu, ok1 := cputime.Process(); ok && ok1 {
						b.ReportMetric(float64(cpu-cpu0)/float64(b.N), "cpu-ns/op")
					}
				})
			}
		})
	}
}

// benchStore returns a store with 1M loadgen events (LOGPOND_BENCH_EVENTS
// sets another number) in 8 streams of the group "bench", all in the head
// or (sealed) all in merged segments, and the time of the newest event.
func benchStore(b *testing.B, sealed bool) (*store.Store, int64) {
	b.Helper()
	st, err := store.Open(store.Options{Dir: b.TempDir(), HeadMaxBytes: -1, SealInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.CreateLogGroup(sc, "bench", store.GroupOptions{}); err != nil {
		b.Fatal(err)
	}
	n, batch := 1_000_000, 4000
	if v, err := strconv.Atoi(os.Getenv("LOGPOND_BENCH_EVENTS")); err == nil && v >= 8*batch {
		n = v / batch * batch // LOGPOND_BENCH_EVENTS=10000000 for the 10M figures
	}
	now := time.Now().UnixMilli()
	c := loadgen.NewCorpus(1)
	for i := 0; i < n; i += batch {
		stream := fmt.Sprint("s", (i/batch)%8)
		if i < 8*batch {
			st.CreateLogStream(sc, "bench", stream)
		}
		evs := make([]store.InputEvent, batch)
		for j := range evs {
			ts := now - 20*3_600_000 + int64(i+j)*20*3_600_000/int64(n)
			evs[j] = store.InputEvent{Timestamp: ts, Message: c.Next(ts)}
		}
		if _, err := st.PutLogEvents(sc, "bench", stream, evs); err != nil {
			b.Fatal(err)
		}
	}
	if sealed {
		if err := st.Seal(); err != nil {
			b.Fatal(err)
		}
		if err := st.Merge(); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	return st, now
}
