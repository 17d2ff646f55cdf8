package segment

import (
	"math/rand/v2"
	"testing"
)

func TestMerge(t *testing.T) {
	all := genEvents(21, 5, 800)
	rng := rand.New(rand.NewPCG(21, 21))
	// Each event goes to one or more of four sources (duplicates across
	// sources, as after a crash between sealing and WAL truncation).
	parts := make([][]Event, 4)
	for _, e := range all {
		k := rng.IntN(len(parts))
		parts[k] = append(parts[k], e)
		if rng.IntN(10) == 0 {
			k2 := (k + 1 + rng.IntN(len(parts)-1)) % len(parts)
			parts[k2] = append(parts[k2], e)
		}
	}
	parts = append(parts, nil) // an empty source
	var srcs []*Reader
	dups := 0
	for _, p := range parts {
		sortEvents(p)
		srcs = append(srcs, openBytes(t, writeSegment(t, p, Options{BlockSize: 4 << 10}), ReaderOptions{}))
		dups += len(p)
	}
	dups -= len(all)
	ids := streamsOf(all)
	deleted := ids[1]
	cutoff := all[len(all)/2].Timestamp
	keep := func(e *Event) bool { return e.Stream != deleted && (e.Stream == ids[0] || e.Timestamp >= cutoff) }
	var want []Event
	dropped := 0
	for _, e := range all {
		if keep(&e) {
			want = append(want, e)
		} else {
			dropped++
		}
	}
	for _, withKeep := range []bool{false, true} {
		k := keep
		w := want
		if !withKeep {
			k, w = nil, all
		}
		var out writerBuffer
		mw, err := NewWriter(&out, Options{GroupID: 7})
		if err != nil {
			t.Fatal(err)
		}
		st, err := Merge(mw, srcs, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		if st.Events != int64(len(w)) || st.Duplicates != int64(dups) || withKeep && st.Dropped != int64(dropped) {
			t.Errorf("keep=%v: stats %+v, want %d events, %d duplicates, %d dropped", withKeep, st, len(w), dups, dropped)
		}
		r := openBytes(t, out.b, ReaderOptions{})
		if err := r.Verify(); err != nil {
			t.Fatal(err)
		}
		var got []Event
		c := r.allEvents()
		for c.Next() {
			got = append(got, c.Event())
		}
		if c.Err() != nil {
			t.Fatal(c.Err())
		}
		if d := diffEvents(got, w); d != "" {
			t.Errorf("keep=%v: %s", withKeep, d)
		}
	}
}

func TestMergeReportsCorruption(t *testing.T) {
	evs := genEvents(22, 2, 300)
	data := writeSegment(t, evs, Options{BlockSize: 4 << 10})
	r := openBytes(t, data, ReaderOptions{})
	data[r.blocks[len(r.blocks)-1].offset+blockHeaderSize+3] ^= 0x55
	var out writerBuffer
	mw, _ := NewWriter(&out, Options{})
	_, err := Merge(mw, []*Reader{r}, nil)
	if !isCorruption(err) {
		t.Fatalf("Merge of a damaged source: %v, want a *CorruptionError", err)
	}
}

type writerBuffer struct{ b []byte }

func (w *writerBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
