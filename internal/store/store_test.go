package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

var sc = Scope{Account: "111111111111", Region: "us-east-1"}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func openTest(t *testing.T, dir string, c *clock) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// roundsStore opens a store without block cache (reads go the way they
// ask, not whole from the cache) with group "g" of the given streams
// ("s0", ...), fed in 3 rounds of perStream events each, made by ev; the
// first two rounds are sealed, the last stays in the head.
func roundsStore(t *testing.T, streams, perStream int, ev func(round, k, i int) InputEvent) *Store {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir(), HeadMaxBytes: -1, SealInterval: -1, CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateLogGroup(sc, "g", GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		for k := range streams {
			name := fmt.Sprint("s", k)
			if round == 0 {
				if err := s.CreateLogStream(sc, "g", name); err != nil {
					t.Fatal(err)
				}
			}
			evs := make([]InputEvent, perStream)
			for i := range evs {
				evs[i] = ev(round, k, i)
			}
			mustPut(t, s, "g", name, evs...)
		}
		if round < 2 {
			if err := s.Seal(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func mustPut(t *testing.T, s *Store, group, stream string, evs ...InputEvent) PutResult {
	t.Helper()
	r, err := s.PutLogEvents(sc, group, stream, evs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func messages(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func TestPutGetReopen(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s := openTest(t, dir, c)
	if err := s.CreateLogGroup(sc, "g", GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogStream(sc, "g", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogStream(sc, "g", "gone"); err != nil {
		t.Fatal(err)
	}
	base := c.now().UnixMilli()
	mustPut(t, s, "g", "a", InputEvent{base, "one"}, InputEvent{base + 1, "two"})
	mustPut(t, s, "g", "gone", InputEvent{base, "lost"})
	mustPut(t, s, "g", "a", InputEvent{base - 5, "zero"}) // lands before the others
	if err := s.DeleteLogStream(sc, "g", "gone"); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		r, err := s.GetLogEvents(sc, "g", "a", GetQuery{Range: AllTime})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := messages(r.Events), []string{"zero", "one", "two"}; !slices.Equal(got, want) {
			t.Fatalf("events = %q, want %q", got, want)
		}
		st, err := s.GetStream(sc, "g", "a")
		if err != nil {
			t.Fatal(err)
		}
		if st.FirstEventTimestamp != base-5 || st.LastEventTimestamp != base+1 || st.StoredBytes != 10 {
			t.Fatalf("stream stats = %+v", st)
		}
		if _, err := s.GetStream(sc, "g", "gone"); !errors.Is(err, ErrStreamNotFound) {
			t.Fatalf("deleted stream: %v", err)
		}
	}
	check(s)
	s.Close()
	s2 := openTest(t, dir, c)
	check(s2)
	// New events after reopen get fresh sequence numbers.
	r := mustPut(t, s2, "g", "a", InputEvent{base + 2, "three"})
	if r.LastSeq <= 4 {
		t.Fatalf("sequence reused after reopen: %d", r.LastSeq)
	}
}

func TestPutRejections(t *testing.T) {
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s := openTest(t, t.TempDir(), c)
	s.CreateLogGroup(sc, "g", GroupOptions{})
	s.CreateLogStream(sc, "g", "s")
	now := c.now().UnixMilli()
	day := int64(86_400_000)
	r := mustPut(t, s, "g", "s",
		InputEvent{now - 15*day, "old"},
		InputEvent{now - 1000, "ok1"},
		InputEvent{now, "ok2"},
		InputEvent{now + 3*3_600_000, "new"})
	if r.TooOldEnd != 1 || r.TooNewStart != 3 || r.ExpiredEnd != -1 || r.Accepted != 2 {
		t.Fatalf("result = %+v", r)
	}
	if err := s.SetRetention(sc, "g", 1); err != nil {
		t.Fatal(err)
	}
	r = mustPut(t, s, "g", "s", InputEvent{now - 2*day, "expired"}, InputEvent{now, "ok3"})
	if r.ExpiredEnd != 1 || r.TooOldEnd != -1 || r.Accepted != 1 {
		t.Fatalf("result = %+v", r)
	}
	var pe *ParamError
	if _, err := s.PutLogEvents(sc, "g", "s", []InputEvent{{now, "b"}, {now - 1, "a"}}); !errors.As(err, &pe) {
		t.Fatalf("unordered batch: %v", err)
	}
	if _, err := s.PutLogEvents(sc, "g", "s", []InputEvent{{now - 2*3_600_000 - day, "a"}, {now, "b"}}); err != nil {
		t.Fatalf("expired first event does not count for the span: %v", err)
	}
	s.SetRetention(sc, "g", 0)
	if _, err := s.PutLogEvents(sc, "g", "s", []InputEvent{{now - day - 1, "a"}, {now, "b"}}); !errors.As(err, &pe) {
		t.Fatalf("batch over 24h: %v", err)
	}
	// Retention hides old events from reads at once.
	mustPut(t, s, "g", "s", InputEvent{now - 3*day, "three days"})
	s.SetRetention(sc, "g", 1)
	res, _ := s.GetLogEvents(sc, "g", "s", GetQuery{Range: AllTime})
	for _, e := range res.Events {
		if e.Timestamp < now-day {
			t.Fatalf("expired event visible: %+v", e)
		}
	}
}

// TestRandomizedAgainstModel puts random batches (out of order across
// batches, across streams), restarts now and then, and compares every
// read with a plain sorted model.
func TestRandomizedAgainstModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s := openTest(t, dir, c)
	s.CreateLogGroup(sc, "g", GroupOptions{})
	streams := []string{"a", "b", "c"}
	for _, n := range streams {
		s.CreateLogStream(sc, "g", n)
	}
	type mev struct {
		ts  int64
		msg string
	}
	model := map[string][]mev{}
	now := c.now().UnixMilli()
	for round := 0; round < 300; round++ {
		st := streams[rng.IntN(len(streams))]
		n := 1 + rng.IntN(50)
		start := now - int64(rng.IntN(100_000))
		var batch []InputEvent
		ts := start
		for i := 0; i < n; i++ {
			ts += int64(rng.IntN(3))
			m := fmt.Sprintf("%s-%d-%d", st, round, i)
			batch = append(batch, InputEvent{ts, m})
			model[st] = append(model[st], mev{ts, m})
		}
		mustPut(t, s, "g", st, batch...)
		if rng.IntN(60) == 0 {
			s.Close()
			s = openTest(t, dir, c)
		}
	}
	for _, st := range streams {
		want := model[st]
		slices.SortStableFunc(want, func(a, b mev) int { return int(a.ts - b.ts) })
		// Page forward with a small limit.
		var got []string
		var from *Key
		for {
			r, err := s.GetLogEvents(sc, "g", st, GetQuery{Range: AllTime, From: from, Limit: 7})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Events) == 0 {
				break
			}
			got = append(got, messages(r.Events)...)
			k := r.Forward
			from = &k
		}
		var wantMsgs []string
		for _, e := range want {
			wantMsgs = append(wantMsgs, e.msg)
		}
		if !slices.Equal(got, wantMsgs) {
			t.Fatalf("stream %s: forward pages differ from model\n got %d events\nwant %d", st, len(got), len(wantMsgs))
		}
		// Page backward from the end.
		got = nil
		bfrom := (*Key)(nil)
		for {
			r, err := s.GetLogEvents(sc, "g", st, GetQuery{Range: AllTime, From: bfrom, Backward: true, Limit: 11})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Events) == 0 {
				break
			}
			got = append(messages(r.Events), got...)
			k := r.Backward
			bfrom = &k
		}
		if !slices.Equal(got, wantMsgs) {
			t.Fatalf("stream %s: backward pages differ from model", st)
		}
	}
	// Filter across streams: all events, merged by timestamp.
	var all []mev
	for _, st := range streams {
		all = append(all, model[st]...)
	}
	var got []FilteredEvent
	var after *Key
	for {
		r, err := s.FilterLogEvents(sc, "g", FilterQuery{Range: AllTime, After: after, Limit: 13})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Events...)
		if r.Next == nil {
			break
		}
		after = r.Next
	}
	if len(got) != len(all) {
		t.Fatalf("filter returned %d events, want %d", len(got), len(all))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Key().Less(got[i-1].Key()) {
			t.Fatalf("filter results out of order at %d", i)
		}
	}
}

func TestAccountIsolation(t *testing.T) {
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s := openTest(t, t.TempDir(), c)
	other := Scope{Account: "222222222222", Region: "us-east-1"}
	otherRegion := Scope{Account: sc.Account, Region: "eu-west-1"}
	if err := s.CreateLogGroup(sc, "g", GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Scope{other, otherRegion} {
		if _, err := s.GetGroup(o, "g"); !errors.Is(err, ErrGroupNotFound) {
			t.Fatalf("%v sees the group: %v", o, err)
		}
		if err := s.CreateLogGroup(o, "g", GroupOptions{}); err != nil {
			t.Fatalf("%v cannot create its own g: %v", o, err)
		}
		gs, _, _ := s.ListGroups(o, GroupFilter{})
		if len(gs) != 1 {
			t.Fatalf("%v lists %d groups", o, len(gs))
		}
	}
}

// TestOpenDamagedFiles: a damaged metadata file or WAL never panics at
// start-up; metadata damage is an error, WAL damage is repaired.
func TestOpenDamagedFiles(t *testing.T) {
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	for _, tc := range []struct {
		name    string
		damage  func(dir string) error
		wantErr bool
	}{
		{"garbage meta", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "meta.db"), bytes.Repeat([]byte{0xAB}, 64<<10), 0o600)
		}, true},
		{"truncated meta", func(dir string) error { return os.Truncate(filepath.Join(dir, "meta.db"), 100) }, true},
		{"garbage wal file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "wal", "99999999.wal"), bytes.Repeat([]byte{0x5A}, 4096), 0o600)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir, Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			s.CreateLogGroup(sc, "g", GroupOptions{})
			s.CreateLogStream(sc, "g", "s")
			mustPut(t, s, "g", "s", InputEvent{c.now().UnixMilli(), "kept"})
			s.Close()
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			s, err = Open(Options{Dir: dir, Now: c.now})
			if tc.wantErr {
				if err == nil {
					s.Close()
					t.Fatal("opened a damaged store without an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := s.GetLogEvents(sc, "g", "s", GetQuery{Range: AllTime})
			if err != nil || len(r.Events) != 1 {
				t.Fatalf("events after repair: %v %v", r.Events, err)
			}
		})
	}
}
