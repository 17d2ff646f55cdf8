package store

import (
	"math"
	"slices"
	"sort"
	"sync"
)

const (
	minTimestamp = math.MinInt64
	maxTimestamp = math.MaxInt64
	// chunkCap is the number of events per head chunk.
	chunkCap = 4096
)

// Event is one stored log event.
type Event struct {
	Timestamp int64  // milliseconds since the epoch, as the client sent it
	Ingestion int64  // milliseconds since the epoch when the server accepted it
	Seq       uint64 // store-wide unique, increasing in acceptance order
	Message   string
}

// Key orders events: by timestamp, then by sequence number. Sequence
// numbers are unique store-wide, so a Key identifies one event and orders
// events of different streams consistently.
type Key struct {
	Timestamp int64
	Seq       uint64
}

// Less reports whether k sorts before o.
func (k Key) Less(o Key) bool {
	return k.Timestamp < o.Timestamp || (k.Timestamp == o.Timestamp && k.Seq < o.Seq)
}

// Key returns the event's key.
func (e *Event) Key() Key { return Key{e.Timestamp, e.Seq} }

// stream is a log stream with its in-memory events (the head).
//
// Events are kept sorted by Key in chunks of at most chunkCap events. The
// events below a chunk's length are never modified: appends write past the
// length of the last chunk, and a batch that lands before the newest events
// replaces the chunks it overlaps with new ones. Readers therefore take a
// copy of the chunk list (a view) under the read lock and scan it without
// holding any lock.
type stream struct {
	meta streamMeta // immutable after creation

	mu        sync.RWMutex // guards the fields below
	chunks    [][]Event
	bytes     int64 // message bytes in chunks
	lastIngst int64 // of every event ever stored, head or segments
	lastSeq   uint64

	// seg sums the stream's events in its group's segments; guarded by
	// Store.mu (written with it held for writing).
	seg segStats
}

// segStats are a stream's figures over its group's segments.
type segStats struct {
	events, bytes int64
	first, last   int64 // timestamps; valid when events > 0
}

// dropSealed removes the events with Seq <= sealed (they are in segments
// now) and returns the message bytes removed. Chunks are replaced, never
// changed, so views taken before stay valid.
func (st *stream) dropSealed(sealed uint64) int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	var kept []Event
	var dropped int64
	for _, ch := range st.chunks {
		for i := range ch {
			if ch[i].Seq > sealed {
				kept = append(kept, ch[i])
			} else {
				dropped += int64(len(ch[i].Message))
			}
		}
	}
	if dropped == 0 && len(kept) > 0 {
		return 0
	}
	st.chunks = nil
	for len(kept) > 0 {
		k := min(len(kept), chunkCap)
		st.chunks = append(st.chunks, slices.Clip(kept[:k]))
		kept = kept[k:]
	}
	st.bytes -= dropped
	return dropped
}

// insert adds events, which must be sorted by Key among themselves.
func (st *stream) insert(evs []Event, ingestion int64) {
	if len(evs) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range evs {
		st.bytes += int64(len(evs[i].Message))
	}
	if ingestion > st.lastIngst {
		st.lastIngst = ingestion
	}
	if seq := evs[len(evs)-1].Seq; seq > st.lastSeq {
		st.lastSeq = seq
	}
	first := evs[0].Key()
	n := len(st.chunks)
	if n == 0 || st.chunks[n-1][len(st.chunks[n-1])-1].Key().Less(first) {
		st.appendLocked(evs)
		return
	}
	// Merge with the chunks the batch overlaps: from the first whose last
	// event sorts after the batch's first, to the last whose first event
	// sorts before the batch's last. Chunks outside that range are kept.
	last := evs[len(evs)-1].Key()
	c := sort.Search(n, func(i int) bool {
		ch := st.chunks[i]
		return first.Less(ch[len(ch)-1].Key())
	})
	c2 := c + sort.Search(n-c, func(i int) bool { return last.Less(st.chunks[c+i][0].Key()) })
	var overlap []Event
	for _, ch := range st.chunks[c:c2] {
		overlap = append(overlap, ch...)
	}
	merged := make([]Event, 0, len(overlap)+len(evs))
	a, b := 0, 0
	for a < len(overlap) && b < len(evs) {
		if evs[b].Key().Less(overlap[a].Key()) {
			merged = append(merged, evs[b])
			b++
		} else {
			merged = append(merged, overlap[a])
			a++
		}
	}
	merged = append(merged, overlap[a:]...)
	merged = append(merged, evs[b:]...)
	chunks := make([][]Event, c, n-(c2-c)+len(merged)/chunkCap+2)
	copy(chunks, st.chunks[:c])
	for len(merged) > 0 {
		k := min(len(merged), chunkCap)
		chunks = append(chunks, slices.Clip(merged[:k]))
		merged = merged[k:]
	}
	st.chunks = append(chunks, st.chunks[c2:]...)
}

// appendLocked appends events that sort after every stored event.
func (st *stream) appendLocked(evs []Event) {
	for len(evs) > 0 {
		n := len(st.chunks)
		if n == 0 || len(st.chunks[n-1]) == cap(st.chunks[n-1]) {
			st.chunks = append(st.chunks, make([]Event, 0, chunkCap))
			n++
		}
		last := st.chunks[n-1]
		k := min(len(evs), cap(last)-len(last))
		st.chunks[n-1] = append(last, evs[:k]...)
		evs = evs[k:]
	}
}

// storedBytes returns the message bytes of the head and the segments;
// Store.mu must be held.
func (st *stream) storedBytes() int64 {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.bytes + st.seg.bytes
}

// lastSequence returns the newest sequence number of the stream.
func (st *stream) lastSequence() uint64 {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.lastSeq
}

// snapshot describes the stream over head and segments; Store.mu must be
// held.
func (st *stream) snapshot() Stream {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := Stream{
		Name:              st.meta.Name,
		CreationTime:      st.meta.Created,
		LastIngestionTime: st.lastIngst,
		StoredBytes:       st.bytes + st.seg.bytes,
		LastSeq:           st.lastSeq,
	}
	if st.seg.events > 0 {
		out.FirstEventTimestamp, out.LastEventTimestamp = st.seg.first, st.seg.last
	}
	if n := len(st.chunks); n > 0 {
		first := st.chunks[0][0].Timestamp
		last := st.chunks[n-1][len(st.chunks[n-1])-1].Timestamp
		if st.seg.events == 0 {
			out.FirstEventTimestamp, out.LastEventTimestamp = first, last
		} else {
			out.FirstEventTimestamp = min(out.FirstEventTimestamp, first)
			out.LastEventTimestamp = max(out.LastEventTimestamp, last)
		}
	}
	return out
}

// view returns an immutable snapshot of the stream's events.
func (st *stream) view() view {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return view{chunks: slices.Clone(st.chunks)}
}

// view is a sorted, immutable snapshot of a stream's events.
type view struct {
	chunks [][]Event
}

// pos is a position in a view: chunk c, index i.
type pos struct{ c, i int }

// after returns the position of the first event with key > k.
func (v view) after(k Key) pos {
	c := sort.Search(len(v.chunks), func(c int) bool {
		ch := v.chunks[c]
		return k.Less(ch[len(ch)-1].Key())
	})
	if c == len(v.chunks) {
		return pos{c, 0}
	}
	ch := v.chunks[c]
	return pos{c, sort.Search(len(ch), func(i int) bool { return k.Less(ch[i].Key()) })}
}

func (v view) valid(p pos) bool { return p.c >= 0 && p.c < len(v.chunks) }

func (v view) at(p pos) *Event { return &v.chunks[p.c][p.i] }

func (v view) next(p pos) pos {
	p.i++
	if p.i == len(v.chunks[p.c]) {
		p.c, p.i = p.c+1, 0
	}
	return p
}

func (v view) prev(p pos) pos {
	if p.i > 0 {
		p.i--
		return p
	}
	p.c--
	if p.c >= 0 {
		p.i = len(v.chunks[p.c]) - 1
	}
	return p
}

// cursor walks the events of a view with lo < key < hi, either way.
type cursor struct {
	v        view
	p        pos
	lo, hi   Key
	backward bool
}

// newCursor positions a cursor at the first event in the direction.
func newCursor(v view, lo, hi Key, backward bool) *cursor {
	c := &cursor{v: v, lo: lo, hi: hi, backward: backward}
	if backward {
		// last event with key < hi: one before the first event with key >= hi.
		p := v.after(Key{hi.Timestamp, hi.Seq - 1})
		if hi.Seq == 0 {
			p = v.after(Key{hi.Timestamp - 1, math.MaxUint64})
		}
		c.p = v.prev(p)
	} else {
		c.p = v.after(lo)
	}
	return c
}

// event returns the current event, or nil when the cursor is exhausted.
func (c *cursor) event() *Event {
	if !c.v.valid(c.p) {
		return nil
	}
	e := c.v.at(c.p)
	k := e.Key()
	if !c.lo.Less(k) || !k.Less(c.hi) {
		return nil
	}
	return e
}

func (c *cursor) advance() {
	if c.backward {
		c.p = c.v.prev(c.p)
	} else {
		c.p = c.v.next(c.p)
	}
}
