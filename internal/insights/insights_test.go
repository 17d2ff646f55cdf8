package insights

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

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
// manager over 1M loadgen events in a real store (8 streams).
func BenchmarkStoreQueries(b *testing.B) {
	st, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateLogGroup(sc, "bench", store.GroupOptions{}); err != nil {
		b.Fatal(err)
	}
	const n, batch = 1_000_000, 4000
	now := time.Now().UnixMilli()
	c := loadgen.NewCorpus(1)
	for i := 0; i < n; i += batch {
		stream := fmt.Sprint("s", (i/batch)%8)
		if i < 8*batch {
			st.CreateLogStream(sc, "bench", stream)
		}
		evs := make([]store.InputEvent, batch)
		for j := range evs {
			ts := now - 20*3_600_000 + int64(i+j)*20*3_600_000/n
			evs[j] = store.InputEvent{Timestamp: ts, Message: c.Next(ts)}
		}
		if _, err := st.PutLogEvents(sc, "bench", stream, evs); err != nil {
			b.Fatal(err)
		}
	}
	m, _ := New(Options{Source: st})
	defer m.Close()
	for _, q := range []string{
		"stats count(*) by bin(1h)",
		"stats pct(latency_ms, 99) by service",
		`filter level = "ERROR" | sort @timestamp desc | limit 100`,
	} {
		b.Run(q, func(b *testing.B) {
			pq, err := query.ParseInsights(q)
			if err != nil {
				b.Fatal(err)
			}
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
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
}
