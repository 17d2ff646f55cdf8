package store

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/query"
)

// modelEvent is an event as the model test's model keeps it.
type modelEvent struct {
	ts  int64
	seq uint64
	msg string
}

// model is what the store must return: every accepted event of every live
// stream, minus expired ones.
type model struct {
	groups map[string]map[string][]modelEvent // group -> stream -> events
	ret    map[string]int32
}

func (m *model) sorted(g, st string) []modelEvent {
	evs := slices.Clone(m.groups[g][st])
	slices.SortFunc(evs, func(a, b modelEvent) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return evs
}

// openSealTestGroup opens a store with sealTestOptions in a temporary
// directory, closed when the test ends, with group "g" and the given
// streams.
func openSealTestGroup(t *testing.T, streams ...string) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s, err := Open(sealTestOptions(t.TempDir(), c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.CreateLogGroup(sc, "g", GroupOptions{})
	for _, st := range streams {
		s.CreateLogStream(sc, "g", st)
	}
	return s, c
}

func sealTestOptions(dir string, c *clock) Options {
	// Small blocks, so that merges both copy and decode them.
	return Options{Dir: dir, Now: c.now, HeadMaxBytes: -1, SealInterval: -1, CacheBytes: 1 << 20, segBlockSize: 4 << 10}
}

// TestSealModel runs random puts, seals, merges, restarts, retention
// passes and deletions against a simple model and checks every read.
func TestSealModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	var copied, decoded uint64
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, d := testSealModel(t, seed+uint64(i))
			copied, decoded = copied+c, decoded+d
		})
	}
	// Both ways of merging ran (blocks copied as they are, blocks decoded
	// and encoded again).
	if copied == 0 || decoded == 0 {
		t.Errorf("seeds %d…: merges copied %d blocks and decoded %d, want both", seed, copied, decoded)
	}
}

// testSealModel returns the blocks merges copied and decoded.
func testSealModel(t *testing.T, seed uint64) (copied, decoded uint64) {
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	open := func() *Store {
		s, err := Open(sealTestOptions(dir, c))
		if err != nil {
			t.Fatalf("seed %d: open: %v", seed, err)
		}
		return s
	}
	s := open()
	defer func() { s.Close() }()
	m := &model{groups: map[string]map[string][]modelEvent{}, ret: map[string]int32{}}
	groups := []string{"g0", "g1"}
	streams := []string{"a", "b", "c"}
	create := func(g string) {
		if err := s.CreateLogGroup(sc, g, GroupOptions{}); err != nil {
			t.Fatal(err)
		}
		m.groups[g] = map[string][]modelEvent{}
		m.ret[g] = 0
		for _, st := range streams {
			if err := s.CreateLogStream(sc, g, st); err != nil {
				t.Fatal(err)
			}
			m.groups[g][st] = nil
		}
	}
	for _, g := range groups {
		create(g)
	}
	words := []string{"GET", "POST", "user=alice", "user=bob", "status=200", "status=500", "latency=12ms", "trace 4bf92f3577b34da6a3ce929d0e0e4736"}
	n := 0
	put := func() {
		g, st := groups[rng.IntN(len(groups))], streams[rng.IntN(len(streams))]
		now := c.now().UnixMilli()
		base := now - int64(rng.IntN(10*86_400_000))
		k := 1 + rng.IntN(20)
		in := make([]InputEvent, k)
		ts := base
		for i := range in {
			n++
			msg := fmt.Sprintf("%s %s n=%d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], n)
			if rng.IntN(20) == 0 {
				msg += fmt.Sprintf(" NEEDLE-f00d-%d", rng.IntN(3))
			}
			ts += int64(rng.IntN(3) * rng.IntN(1000))
			in[i] = InputEvent{Timestamp: ts, Message: msg}
		}
		res, err := s.PutLogEvents(sc, g, st, in)
		if err != nil {
			t.Fatalf("seed %d: put: %v", seed, err)
		}
		first := res.LastSeq - uint64(res.Accepted) + 1
		lo := max(res.TooOldEnd, res.ExpiredEnd, 0)
		for i := 0; i < res.Accepted; i++ {
			e := in[lo+i]
			m.groups[g][st] = append(m.groups[g][st], modelEvent{e.Timestamp, first + uint64(i), e.Message})
		}
	}
	check := func(step int, what string) {
		t.Helper()
		now := c.now().UnixMilli()
		for _, g := range groups {
			cut := retentionCutoff(m.ret[g], now)
			var all []modelEvent
			for _, st := range streams {
				var want []modelEvent
				for _, e := range m.sorted(g, st) {
					if e.ts >= cut {
						want = append(want, e)
					}
				}
				all = append(all, want...)
				checkGet(t, s, g, st, want, 1+rng.IntN(15), false, fmt.Sprintf("seed %d step %d (%s)", seed, step, what))
				checkGet(t, s, g, st, want, 1+rng.IntN(15), true, fmt.Sprintf("seed %d step %d (%s)", seed, step, what))
				if m.ret[g] == 0 {
					info, err := s.GetStream(sc, g, st)
					if err != nil {
						t.Fatal(err)
					}
					var bytes int64
					for _, e := range want {
						bytes += int64(len(e.msg))
					}
					var first, last int64
					if len(want) > 0 {
						first, last = want[0].ts, want[len(want)-1].ts
					}
					if info.StoredBytes != bytes || info.FirstEventTimestamp != first || info.LastEventTimestamp != last {
						t.Fatalf("seed %d step %d (%s): %s/%s: stats bytes %d first %d last %d, want %d %d %d",
							seed, step, what, g, st, info.StoredBytes, info.FirstEventTimestamp, info.LastEventTimestamp, bytes, first, last)
					}
				}
			}
			slices.SortFunc(all, func(a, b modelEvent) int {
				if c := cmp.Compare(a.ts, b.ts); c != 0 {
					return c
				}
				return cmp.Compare(a.seq, b.seq)
			})
			for _, pat := range []string{"", "NEEDLE-f00d-1", "status=500", "4bf92f3577b34da6a3ce929d0e0e4736"} {
				for _, terms := range []bool{false, true} {
					checkFilter(t, s, g, pat, terms, all, 1+rng.IntN(30), fmt.Sprintf("seed %d step %d (%s)", seed, step, what))
				}
			}
			for range 4 {
				checkScan(t, s, g, all, rng, fmt.Sprintf("seed %d step %d (%s)", seed, step, what))
			}
		}
	}
	for step := 0; step < 300; step++ {
		var what string
		switch r := rng.IntN(100); {
		case r < 60:
			what = "put"
			put()
		case r < 72:
			what = "seal"
			if err := s.Seal(); err != nil {
				t.Fatalf("seed %d: seal: %v", seed, err)
			}
		case r < 80:
			what = "merge"
			if err := s.Merge(); err != nil {
				t.Fatalf("seed %d: merge: %v", seed, err)
			}
		case r < 86:
			what = "restart"
			copied, decoded = copied+s.metrics.blocksCopied.Get(), decoded+s.metrics.blocksDecoded.Get()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = open()
		case r < 90:
			what = "retention"
			g := groups[rng.IntN(len(groups))]
			// Expired events are deleted for good (by retention passes
			// and merges, at times the model cannot know), so the test
			// only ever shortens retention: then expiry is permanent.
			days := []int32{1, 3, 7}[rng.IntN(3)]
			if cur := m.ret[g]; cur > 0 {
				days = min(days, cur)
			}
			if err := s.SetRetention(sc, g, days); err != nil {
				t.Fatal(err)
			}
			m.ret[g] = days
			c.mu.Lock()
			c.t = c.t.Add(time.Duration(rng.IntN(12)) * time.Hour)
			c.mu.Unlock()
			if err := s.RunRetention(); err != nil {
				t.Fatal(err)
			}
		case r < 95:
			what = "delete stream"
			g, st := groups[rng.IntN(len(groups))], streams[rng.IntN(len(streams))]
			if err := s.DeleteLogStream(sc, g, st); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateLogStream(sc, g, st); err != nil {
				t.Fatal(err)
			}
			m.groups[g][st] = nil
		default:
			what = "delete group"
			g := groups[rng.IntN(len(groups))]
			if err := s.DeleteLogGroup(sc, g); err != nil {
				t.Fatal(err)
			}
			create(g)
		}
		if step%10 == 0 || what != "put" {
			check(step, what)
		}
	}
	check(300, "end")
	return copied + s.metrics.blocksCopied.Get(), decoded + s.metrics.blocksDecoded.Get()
}

func checkGet(t *testing.T, s *Store, g, st string, want []modelEvent, limit int, backward bool, ctx string) {
	t.Helper()
	var got []modelEvent
	var from *Key
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("%s: %s/%s: endless paging", ctx, g, st)
		}
		r, err := s.GetLogEvents(sc, g, st, GetQuery{Range: AllTime, From: from, Backward: backward, Limit: limit})
		if err != nil {
			t.Fatalf("%s: get: %v", ctx, err)
		}
		page := make([]modelEvent, 0, len(r.Events))
		for _, e := range r.Events {
			page = append(page, modelEvent{e.Timestamp, e.Seq, e.Message})
		}
		if backward {
			got = append(page, got...)
			k := r.Backward
			if from != nil && k == *from && len(r.Events) == 0 {
				break
			}
			from = &k
		} else {
			got = append(got, page...)
			k := r.Forward
			if from != nil && k == *from && len(r.Events) == 0 {
				break
			}
			from = &k
		}
		if len(r.Events) == 0 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %s/%s backward=%v limit %d: got %d events, want %d\ngot  %v\nwant %v", ctx, g, st, backward, limit, len(got), len(want), head(got), head(want))
	}
}

func head(evs []modelEvent) []modelEvent { return evs[:min(len(evs), 8)] }

func checkFilter(t *testing.T, s *Store, g, pat string, terms bool, all []modelEvent, limit int, ctx string) {
	t.Helper()
	q := FilterQuery{Range: AllTime, Limit: limit}
	var want []modelEvent
	if pat != "" {
		fp, err := query.ParseFilterPattern(`"` + pat + `"`)
		if err != nil {
			t.Fatal(err)
		}
		q.Match = fp.Match
		if terms {
			q.Terms = fp.RequiredTerms()
		}
	}
	for _, e := range all {
		if strings.Contains(e.msg, pat) {
			want = append(want, e)
		}
	}
	var got []modelEvent
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("%s: endless filter paging", ctx)
		}
		r, err := s.FilterLogEvents(sc, g, q)
		if err != nil {
			t.Fatalf("%s: filter: %v", ctx, err)
		}
		if r.Incomplete {
			t.Fatalf("%s: filter incomplete", ctx)
		}
		for _, e := range r.Events {
			got = append(got, modelEvent{e.Timestamp, e.Seq, e.Message})
		}
		if r.Next == nil {
			break
		}
		q.After = r.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: filter %s %q terms=%v: got %d events, want %d\ngot  %v\nwant %v", ctx, g, pat, terms, len(got), len(want), head(got), head(want))
	}
}

// checkScan runs a ScanQuery with random options over the group and checks
// that it returns, in order, the events of the time range (all of them
// without terms; with terms, at least those that contain them, which a
// caller's filter then finds exactly), with their messages unless left out
// and sizes that add up to the messages' bytes.
func checkScan(t *testing.T, s *Store, g string, all []modelEvent, rng *rand.Rand, ctx string) {
	t.Helper()
	q := ScanQuery{Range: AllTime, Backward: rng.IntN(2) == 0, NoMessages: rng.IntN(2) == 0}
	if len(all) > 0 && rng.IntN(3) > 0 {
		a, b := all[rng.IntN(len(all))].ts, all[rng.IntN(len(all))].ts+int64(rng.IntN(2))
		q.Range = TimeRange{Start: min(a, b), End: max(a, b)}
	}
	pat := []string{"", "NEEDLE-f00d-1", "status=500", "4bf92f3577b34da6a3ce929d0e0e4736"}[rng.IntN(4)]
	if pat != "" {
		q.Terms = []string{pat}
	}
	ctx = fmt.Sprintf("%s: scan %s %+v", ctx, g, q)
	bySeq := map[uint64]modelEvent{}
	var inRange, want []modelEvent
	for _, e := range all {
		if e.ts >= q.Range.Start && e.ts < q.Range.End {
			bySeq[e.seq] = e
			inRange = append(inRange, e)
			if strings.Contains(e.msg, pat) {
				want = append(want, e)
			}
		}
	}
	if q.Backward {
		slices.Reverse(inRange)
		slices.Reverse(want)
	}
	var got, found []modelEvent
	size, wantSize := 0, 0
	err := s.ScanQuery(context.Background(), sc, g, q, func(e *FilteredEvent) bool {
		m, ok := bySeq[e.Seq]
		switch {
		case !ok || m.ts != e.Timestamp:
			t.Fatalf("%s: event (%d, %d) not in the range", ctx, e.Timestamp, e.Seq)
		case e.Message != "" && (e.Message != m.msg || e.Size != len(m.msg)):
			t.Fatalf("%s: event %d: message %q size %d, want %q", ctx, e.Seq, e.Message, e.Size, m.msg)
		case e.Message == "" && !q.NoMessages:
			t.Fatalf("%s: event %d without its message", ctx, e.Seq)
		}
		got = append(got, m)
		size += e.Size
		wantSize += len(m.msg)
		if strings.Contains(m.msg, pat) {
			found = append(found, m)
		}
		return true
	})
	if err != nil {
		t.Fatalf("%s: %v", ctx, err)
	}
	if !slices.Equal(found, want) {
		t.Fatalf("%s: found %d events, want %d\ngot  %v\nwant %v", ctx, len(found), len(want), head(found), head(want))
	}
	if pat == "" && !slices.Equal(got, inRange) {
		t.Fatalf("%s: got %d events, want %d\ngot  %v\nwant %v", ctx, len(got), len(inRange), head(got), head(inRange))
	}
	if size != wantSize {
		t.Fatalf("%s: sizes add up to %d, messages to %d", ctx, size, wantSize)
	}
}

// TestFilterSealedByTemplates runs filter patterns over sealed events with
// the terms handed to the segments (which then skip events by their
// templates) and checks every page against the pattern applied to all
// events: JSON values spelled with escapes, terms next to numbers and hex
// runs, phrases.
func TestFilterSealedByTemplates(t *testing.T) {
	s, c := openSealTestGroup(t, "a")
	msgs := []string{
		`{"level":"ERROR","service":"payments","latency_ms":12}`,
		`{"level":"\u0045RROR","service":"pay\u006dents"}`,
		`{"level":"ERROR","service":"search"}`,
		`ERROR42 order 1234 failed trace=4bf92f3577b34da6a3ce929d0e0e4736`,
		`POST /api/v1/orders 200`,
		`POST /api/v2/orders 200`,
		`INFO all good`,
	}
	var all []InputEvent
	base := c.now().UnixMilli() - 100_000
	for i := 0; i < 2000; i++ {
		m := msgs[i%len(msgs)]
		if strings.HasSuffix(m, "}") {
			m = fmt.Sprintf(`%s,"n":%d}`, strings.TrimSuffix(m, "}"), i)
		} else {
			m = fmt.Sprintf("%s #%d", m, i)
		}
		all = append(all, InputEvent{base + int64(i), m})
	}
	mustPut(t, s, "g", "a", all...)
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	for _, pat := range []string{`{ $.level = "ERROR" && $.service = "payments" }`, `ERROR`, `"POST /api/v1/orders"`, `order failed`, `{ $.latency_ms = 12 }`} {
		fp, err := query.ParseFilterPattern(pat)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range all {
			if fp.Match(e.Message) {
				want = append(want, e.Message)
			}
		}
		var got []string
		var after *Key
		for {
			r, err := s.FilterLogEvents(sc, "g", FilterQuery{Range: AllTime, Match: fp.Match, Terms: fp.RequiredTerms(), TermsUnlessEscaped: fp.TermsUnlessEscaped(), After: after, Limit: 97})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Events {
				got = append(got, e.Message)
			}
			if r.Next == nil {
				break
			}
			after = r.Next
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: %d events, want %d (%.60q…)", pat, len(got), len(want), want)
		}
	}
}
