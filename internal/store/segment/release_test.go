package segment

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCursorRelease releases cursors at random points (mid-block, at a
// block's end, before the first Next) and checks that they go on with the
// events of a cursor never released, decoding blocks again.
func TestCursorRelease(t *testing.T) {
	evs := genEvents(4, 2, 800)
	sortEvents(evs)
	rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
	r := rand.New(rand.NewPCG(4, 4))
	for _, q := range []Query{
		{Stream: evs[0].Stream},
		{Stream: evs[0].Stream, Backward: true},
		{Stream: evs[0].Stream, Prefetch: true},
		{Stream: evs[0].Stream, JSONOnly: true},
		{Stream: evs[0].Stream, Start: evs[300].Timestamp, End: evs[900].Timestamp},
	} {
		var want []Event
		for c := rd.Cursor(q); c.Next(); {
			want = append(want, c.Event())
		}
		c := rd.Cursor(q)
		c.Release()
		var got []Event
		for c.Next() {
			got = append(got, c.Event())
			if r.IntN(10) == 0 {
				c.Release()
			}
		}
		if c.Err() != nil || !slices.Equal(got, want) {
			t.Errorf("%+v: %d events (%v), want %d", q, len(got), c.Err(), len(want))
		}
		if c.Stats().Reloads == 0 {
			t.Errorf("%+v: no block decoded again", q)
		}
	}
}
