package store

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestWindowOf(t *testing.T) {
	for _, tc := range []struct{ ts, want int64 }{
		{0, 0}, {windowMillis - 1, 0}, {windowMillis, 1}, {-1, -1}, {-windowMillis, -1}, {-windowMillis - 1, -2},
	} {
		if got := windowOf(tc.ts); got != tc.want {
			t.Errorf("windowOf(%d) = %d, want %d", tc.ts, got, tc.want)
		}
	}
}

// groupSegs returns the records of group g's segments.
func groupSegs(s *Store, name string) []segRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []segRecord
	for _, f := range s.groups[sc.key()].groups[name].segs {
		out = append(out, f.rec)
	}
	return out
}

// TestSealByWindow seals events of three days at once: one segment per
// day, each within its window; the closed days are then compacted, today's
// segments wait for a full fan-in, retention drops whole days, and every
// read returns the same events throughout.
func TestSealByWindow(t *testing.T) {
	dir := t.TempDir()
	day := int64(windowMillis)
	today := 20_000 * day // a window start
	c := &clock{t: time.UnixMilli(today + 12*3_600_000)}
	s, err := Open(sealTestOptions(dir, c))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	s.CreateLogGroup(sc, "g", GroupOptions{})
	s.CreateLogStream(sc, "g", "a")
	s.CreateLogStream(sc, "g", "b")
	var want []string
	put := func(stream string, ts int64) {
		msg := fmt.Sprintf("%s@%d", stream, ts)
		mustPut(t, s, "g", stream, InputEvent{ts, msg})
		want = append(want, msg)
	}
	read := func() []string {
		t.Helper()
		var got []string
		for _, st := range []string{"a", "b"} {
			r, err := s.GetLogEvents(sc, "g", st, GetQuery{Range: AllTime})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, messages(r.Events)...)
		}
		slices.Sort(got)
		return got
	}
	// Two rounds, each sealed: days -2, -1 and today in both streams.
	for round := range 2 {
		for _, st := range []string{"a", "b"} {
			for d := int64(-2); d <= 0; d++ {
				put(st, today+d*day+int64(round)*1000+3_600_000)
			}
		}
		if err := s.Seal(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)
	segs := groupSegs(s, "g")
	if len(segs) != 6 {
		t.Fatalf("%d segments after two seals of three days, want 6", len(segs))
	}
	for _, r := range segs {
		if windowOf(r.MinTS) != windowOf(r.MaxTS) || r.Events != 2 || len(r.Streams) != 2 {
			t.Errorf("segment %d: [%d, %d] with %d events of %d streams; want 2 events of both streams in one window", r.ID, r.MinTS, r.MaxTS, r.Events, len(r.Streams))
		}
	}
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("after seals: %q, want %q", got, want)
	}

	if err := s.Merge(); err != nil {
		t.Fatal(err)
	}
	perWindow := map[int64]int{}
	for _, r := range groupSegs(s, "g") {
		perWindow[windowOf(r.MinTS)]++
		if windowOf(r.MinTS) != windowOf(r.MaxTS) {
			t.Errorf("merged segment %d spans windows", r.ID)
		}
	}
	w0 := windowOf(today)
	if perWindow[w0-2] != 1 || perWindow[w0-1] != 1 || perWindow[w0] != 2 {
		t.Errorf("segments per window after merging: %v; want the closed days compacted to one and today's two left", perWindow)
	}
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("after merges: %q, want %q", got, want)
	}

	// A retention of 1 day drops the segments of the days before the
	// cutoff whole.
	if err := s.SetRetention(sc, "g", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RunRetention(); err != nil {
		t.Fatal(err)
	}
	cutoff := retentionCutoff(1, c.now().UnixMilli())
	left := groupSegs(s, "g")
	for _, r := range left {
		if r.MaxTS < cutoff {
			t.Errorf("segment %d of window %d kept after retention", r.ID, windowOf(r.MinTS)-w0)
		}
	}
	if len(left) != 2 {
		t.Errorf("%d segments after retention, want today's 2", len(left))
	}
	want = slices.DeleteFunc(want, func(m string) bool {
		var ts int64
		fmt.Sscanf(m[2:], "%d", &ts)
		return ts < cutoff
	})
	if got := read(); !slices.Equal(got, want) || len(want) != 4 {
		t.Fatalf("after retention: %q, want %q", got, want)
	}
}
