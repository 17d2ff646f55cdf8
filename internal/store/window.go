package store

// Segments are cut by time window: a seal writes one segment per window
// its events fall in, and merges combine segments of one window only. So
// retention drops whole days of a group without rewriting anything, a
// query for a time range opens only the segments of the windows it covers,
// and late or backfilled events do not widen the time range of the
// segments that hold the present.
//
// Within the current window, merging is size-tiered (merge.go). A window
// that has closed (its end is more than windowGrace ago) gets no more
// seals in the normal course, so it is compacted further: any two
// segments of one level in it are merged, which leaves a closed window
// with at most one segment per level.

const (
	windowMillis = 24 * 3_600_000 // one UTC day
	windowGrace  = 3_600_000      // a window is closed an hour after its end
)

// windowOf returns the number of the window holding timestamp ts.
func windowOf(ts int64) int64 {
	w := ts / windowMillis
	if ts < 0 && ts%windowMillis != 0 {
		w-- // floor, also before 1970
	}
	return w
}

// windowClosed reports whether window w ended more than windowGrace
// before now.
func windowClosed(w, now int64) bool {
	return (w+1)*windowMillis+windowGrace <= now
}
