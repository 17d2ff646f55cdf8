package segment

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
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
	keep := func(stream uint64) (int64, bool) {
		if stream == ids[0] {
			return math.MinInt64, true
		}
		return cutoff, stream != deleted
	}
	kept := func(e Event) bool { c, ok := keep(e.Stream); return ok && e.Timestamp >= c }
	var want []Event
	for _, e := range all {
		if kept(e) {
			want = append(want, e)
		}
	}
	// Dropped counts every copy of a dropped event, Duplicates the
	// further copies of those kept.
	dropped, keptDups := 0, -len(want)
	for _, p := range parts {
		for _, e := range p {
			if kept(e) {
				keptDups++
			} else {
				dropped++
			}
		}
	}
	for _, withKeep := range []bool{false, true} {
		k := keep
		w := want
		if !withKeep {
			k, w = nil, all
		} else {
			dups = keptDups
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
		if d := diffEvents(verifiedEvents(t, out.b), w); d != "" {
			t.Errorf("keep=%v: %s", withKeep, d)
		}
	}
}

// TestMergeCopiesBlocks merges sources cut by time, as successive seals
// are: blocks that no other source overlaps are copied, the others (late
// events, duplicates, small last blocks, the retention edge) decoded; the
// output holds exactly the events of a model.
func TestMergeCopiesBlocks(t *testing.T) {
	all := genEvents(23, 4, 3000)
	rng := rand.New(rand.NewPCG(23, 23))
	byTime := slices.Clone(all)
	slices.SortStableFunc(byTime, func(a, b Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	// Six "seals" of consecutive time; one event in 50 arrives late (in a
	// later seal), one in 200 is sealed twice.
	parts := make([][]Event, 6)
	dups := 0
	for i, e := range byTime {
		k := i * len(parts) / len(byTime)
		if rng.IntN(50) == 0 && k+1 < len(parts) {
			k++
		}
		parts[k] = append(parts[k], e)
		if rng.IntN(200) == 0 && k+1 < len(parts) {
			parts[k+1] = append(parts[k+1], e)
			dups++
		}
	}
	var srcs []*Reader
	for _, p := range parts {
		sortEvents(p)
		srcs = append(srcs, openBytes(t, writeSegment(t, p, Options{BlockSize: 4 << 10}), ReaderOptions{}))
	}
	ids := streamsOf(all)
	cutoff := byTime[len(byTime)/10].Timestamp
	keep := func(stream uint64) (int64, bool) { return cutoff, stream != ids[2] }
	var want []Event
	for _, e := range all {
		if e.Stream != ids[2] && e.Timestamp >= cutoff {
			want = append(want, e)
		}
	}
	dups = 0 // of the events kept
	for _, p := range parts {
		for _, e := range p {
			if e.Stream != ids[2] && e.Timestamp >= cutoff {
				dups++
			}
		}
	}
	dups -= len(want)
	var out writerBuffer
	mw, err := NewWriter(&out, Options{BlockSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Merge(mw, srcs, keep)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stats %+v", st)
	if st.BlocksCopied == 0 || st.BlocksDecoded == 0 || st.Duplicates != int64(dups) || st.Events != int64(len(want)) {
		t.Errorf("stats %+v: want copied and decoded blocks, %d duplicates, %d events", st, dups, len(want))
	}
	lo := int64(math.MaxInt64)
	for _, e := range want {
		lo = min(lo, e.Timestamp)
	}
	if st.MinTS != lo {
		t.Errorf("MinTS %d, want %d", st.MinTS, lo)
	}
	r := openBytes(t, out.b, ReaderOptions{})
	if d := diffEvents(verifiedEvents(t, out.b), want); d != "" {
		t.Error(d)
	}
	// Small blocks next to each other were combined and overlaps
	// resolved: on this data, merging the output again copies every
	// block, byte for byte.
	var out2 writerBuffer
	mw2, _ := NewWriter(&out2, Options{BlockSize: 4 << 10})
	st2, err := Merge(mw2, []*Reader{r}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mw2.Close()
	if st2.BlocksDecoded != 0 || !bytes.Equal(out2.b, out.b) {
		t.Errorf("merging a merged segment again decoded %d blocks (identical output: %v)", st2.BlocksDecoded, bytes.Equal(out2.b, out.b))
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

// verifiedEvents opens the segment in data, checks it whole and returns
// all its events in file order.
func verifiedEvents(t *testing.T, data []byte) []Event {
	t.Helper()
	r := openBytes(t, data, ReaderOptions{})
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
	var out []Event
	c := r.allEvents()
	for c.Next() {
		out = append(out, c.Event())
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	return out
}

type writerBuffer struct{ b []byte }

func (w *writerBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
