package insights

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
	"github.com/logpond/logpond/internal/store/segment"
)

// The engine reads the segment's column kinds as its own.
func TestColumnKinds(t *testing.T) {
	got := []uint8{segment.ColAbsent, segment.ColString, segment.ColNumber}
	want := []uint8{query.ColAbsent, query.ColString, query.ColNumber}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("kind %d: segment %d, query %d", i, got[i], want[i])
		}
	}
}

// batchCounter is the store, counting the events it hands over by the
// batch.
type batchCounter struct {
	*store.Store
	events atomic.Int64
}

func (b *batchCounter) ScanQuery(ctx context.Context, sc store.Scope, group string, q store.ScanQuery, fn func(*store.FilteredEvent) bool) error {
	if q.Batch != nil {
		next := q.Batch
		q.Batch = func(bt *store.ScanBatch) bool {
			b.events.Add(int64(bt.Len()))
			return next(bt)
		}
	}
	return b.Store.ScanQuery(ctx, sc, group, q, fn)
}

// TestBatchScan runs the queries that take events by the batch over head
// and segment data of two groups, with and without batches, in one piece
// and split: the rows and statistics are those of a scan with every
// message, and batches did carry events.
// batchStore returns a store with two groups of three streams each,
// sealed and in the head, of JSON messages (some of which a batch cannot
// take), plain lines and a rare term, and the time it was written.
func batchStore(t *testing.T) (*store.Store, int64) {
	st, err := store.Open(store.Options{Dir: t.TempDir(), HeadMaxBytes: -1, SealInterval: -1, CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UnixMilli()
	r := rand.New(rand.NewPCG(4, 4))
	svcs := []string{"pay", "auth", "web"}
	for gi, g := range []string{"g", "g2"} {
		if err := st.CreateLogGroup(sc, g, store.GroupOptions{}); err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			for k := range 3 {
				stream := fmt.Sprint("s", k)
				if round == 0 {
					st.CreateLogStream(sc, g, stream)
				}
				evs := make([]store.InputEvent, 500)
				for i := range evs {
					ts := now - 3_600_000 + int64(round*500+i)*2000 + int64(k*300+gi*100)
					var m string
					switch r.IntN(6) {
					case 0:
						m = fmt.Sprintf("GET /x/%d 200", r.IntN(100))
					case 1:
						m = fmt.Sprintf(`{"svc":"h-%d","lat":%d}`, r.IntN(3), r.IntN(500)) // a string with a number: one by one
					case 2:
						m = fmt.Sprintf(`{"svc":"%s","lat":-%d.5}`, svcs[r.IntN(3)], r.IntN(500))
					default:
						m = fmt.Sprintf(`{"svc":"%s","lat":%d,"code":%d}`, svcs[r.IntN(3)], r.IntN(2000), 200+r.IntN(2))
					}
					if i%397 == 0 {
						m += " NEEDLE-f00d-cafe" // rare: most blocks' bloom filters rule it out
					}
					evs[i] = store.InputEvent{Timestamp: ts, Message: m}
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
	return st, now
}

func TestBatchScan(t *testing.T) {
	st, now := batchStore(t)
	counted := &batchCounter{Store: st}
	batched, _ := New(Options{Source: counted})
	defer batched.Close()
	one, _ := New(Options{Source: counted, Parallel: 1})
	defer one.Close()
	plain, _ := New(Options{Source: plainSource{st}})
	defer plain.Close()
	for _, src := range []string{
		"stats count(*) as n, pct(lat, 99) as p, count(lat) as c by svc",
		"stats pct(lat, 50), count(*), sum(lat), avg(lat)",
		"stats avg(lat), sum(code) by svc",
		"stats count_distinct(lat), count_distinct(svc) by code",
		"stats count(*) by @logStream",
		"stats min(lat), max(lat), earliest(code), latest(svc) by svc",
		"stats avg(lat), pct(lat, 90) by @logStream",
		`filter svc = "web" | stats count(*) by @logStream`,
		"stats count(*) by code",
		"stats count(*) by bin(5m)",
		"stats count(*)",
		`filter svc = "pay" | stats count(*) as n, pct(lat, 90) by code`,
		`filter code > 200 | filter svc != "web" | stats count(*) by svc`,
		`filter not ispresent(svc) | stats count(*)`,
	} {
		q := mustParse(t, src)
		if !q.Batches() {
			t.Fatalf("%s: no batches", src)
		}
		for _, groups := range [][]string{{"g", "g2"}, {"g2", "g"}} {
			counted.events.Store(0)
			name := fmt.Sprintf("%s over %v", src, groups)
			want := sameOnEach(t, name, StartInput{Scope: sc, Groups: groups, Start: 0, End: now + 1, Query: q}, plain, batched, one)
			if n := counted.events.Load(); float64(n) < want.Stats.RecordsScanned/4 {
				t.Errorf("%s: %d events by the batch of %v", name, n, want.Stats.RecordsScanned)
			}
		}
	}
}

// TestPassedStats: queries whose terms let segments rule events out by
// bloom filters and templates count those events as scanned, as a scan
// of every message does (ScanQuery.Passed, Run.AddScanned).
func TestPassedStats(t *testing.T) {
	st, now := batchStore(t)
	store, _ := New(Options{Source: st})
	defer store.Close()
	plain, _ := New(Options{Source: plainSource{st}})
	defer plain.Close()
	for _, src := range []string{
		`filter svc = "auth" | stats count(*) by code`,             // templates (Need)
		`filter @message like "NEEDLE-f00d-cafe" | stats count(*)`, // bloom filters and templates
		`filter @message like "NEEDLE-f00d-cafe" | fields @message | limit 10000`,
	} {
		q := mustParse(t, src)
		for _, r := range [][2]int64{{0, now + 1}, {now - 3_000_000, now - 1_000_000}} { // all, and a range that cuts blocks
			name := fmt.Sprintf("%s over %v", src, r)
			want := sameOnEach(t, name, StartInput{Scope: sc, Groups: []string{"g", "g2"}, Start: r[0], End: r[1], Query: q}, plain, store)
			if want.Stats.RecordsMatched == 0 {
				t.Errorf("%s over %v: nothing matched", src, r)
			}
		}
	}
}
