package store

import (
	"container/heap"
	"math"
)

// MaxResponseBytes bounds the events of one page, counted as message bytes
// plus EventOverhead each, like CloudWatch's 1 MB pages.
const MaxResponseBytes = 1_048_576

// TimeRange selects events with Start <= timestamp < End.
type TimeRange struct {
	Start, End int64
}

// AllTime is the unbounded range.
var AllTime = TimeRange{minTimestamp, maxTimestamp}

// bounds returns the exclusive key bounds of the range after retention.
func (r TimeRange) bounds(cutoff int64) (lo, hi Key) {
	start := max(r.Start, cutoff)
	lo = Key{start, 0} // sequence numbers start at 1, so ts == start is included
	if start == minTimestamp {
		lo = Key{minTimestamp, 0}
	}
	hi = Key{r.End, 0} // every event at ts == End has seq > 0: excluded
	if r.End == maxTimestamp {
		hi = Key{maxTimestamp, math.MaxUint64}
	}
	return lo, hi
}

// window returns the key bounds of a read: the range after retention,
// narrowed by a continuation key (events after it going forward, before it
// going backward).
func (r TimeRange) window(cutoff int64, from *Key, backward bool) (lo, hi Key) {
	lo, hi = r.bounds(cutoff)
	if from != nil {
		if backward && from.Less(hi) {
			hi = *from
		}
		if !backward && lo.Less(*from) {
			lo = *from
		}
	}
	return lo, hi
}

// pageLimit turns a requested page size into the one used: at most, and by
// default, MaxBatchEvents.
func pageLimit(n int) int {
	if n <= 0 || n > MaxBatchEvents {
		return MaxBatchEvents
	}
	return n
}

// GetQuery is a GetLogEvents request in store terms.
type GetQuery struct {
	Range TimeRange
	// From continues a listing: forward reads return events after From,
	// backward reads events before it. Nil starts at the range's start
	// (forward) or end (backward).
	From     *Key
	Backward bool
	Limit    int
}

// GetResult is a page of events in ascending order, with the keys tokens
// are made from: Forward continues after the page, Backward before it.
type GetResult struct {
	Events   []Event
	Forward  Key
	Backward Key
	// Incomplete is set when a damaged segment was met (and quarantined):
	// its events are missing from this and later reads.
	Incomplete bool
}

// GetLogEvents reads a page of one stream's events.
func (s *Store) GetLogEvents(sc Scope, groupName, streamName string, q GetQuery) (GetResult, error) {
	s.mu.RLock()
	g, st, err := s.streamLocked(sc, groupName, streamName)
	var cutoff int64
	var v view
	var segs []*segFile
	if err == nil {
		cutoff = retentionCutoff(g.meta.Retention, s.nowMillis())
		v = st.view()
		segs = segsLocked(g)
	}
	s.mu.RUnlock()
	if err != nil {
		return GetResult{}, err
	}
	defer releaseSegs(segs)
	lo, hi := q.Range.window(cutoff, q.From, q.Backward)
	limit := pageLimit(q.Limit)
	rc := s.newReadCtx()
	c := rc.newStreamIter(st, v, segs, lo, hi, q.Backward)
	var out []Event
	size := 0
	for e := c.event(); e != nil && len(out) < limit; e = c.event() {
		size += len(e.Message) + EventOverhead
		if size > MaxResponseBytes && len(out) > 0 {
			break
		}
		out = append(out, *e)
		c.advance()
	}
	res := GetResult{Forward: lo, Backward: hi}
	if q.Backward {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	if q.From != nil && len(out) == 0 {
		res.Forward, res.Backward = *q.From, *q.From
	}
	if n := len(out); n > 0 {
		res.Forward = out[n-1].Key()
		res.Backward = out[0].Key()
	}
	res.Events = out
	res.Incomplete = rc.incomplete.Load()
	return res, nil
}

// FilterQuery is a FilterLogEvents request in store terms.
type FilterQuery struct {
	Range       TimeRange
	StreamNames []string // exact names; nil means all (or by Prefix)
	Prefix      string
	// Match selects events by message; nil matches all. Called without
	// locks held, possibly many times: it must be cheap and pure.
	Match func(message string) bool
	// After continues a listing after (forward) or before (backward) this key.
	After    *Key
	Backward bool
	Limit    int
	// MaxScan bounds the events examined in one call (0: no bound); when
	// reached, the result has a Next key and fewer events than Limit.
	MaxScan int
	// Terms are substrings every matching message contains
	// (query.FilterPattern.RequiredTerms); segments skip blocks and events
	// without them. Match must still be set: the terms only narrow the
	// search.
	Terms []string
	// TermsUnlessEscaped are substrings every matching message contains
	// unless it contains a backslash (query.FilterPattern.TermsUnlessEscaped);
	// when there are no Terms, segments skip the events whose templates
	// show they have neither.
	TermsUnlessEscaped []string
}

// FilteredEvent is an event with the stream it belongs to.
type FilteredEvent struct {
	Event
	Stream   string
	StreamID uint64
	// Size is the length of the message in bytes, also when a
	// ScanQuery with NoMessages left it out; set by Scan and ScanQuery only.
	Size int
}

// FilterResult is a page of matching events, ordered by Key (ascending, or
// descending for backward queries). Next is nil when the search is done.
type FilterResult struct {
	Events []FilteredEvent
	Next   *Key
	// Incomplete is set when a damaged segment was met (and quarantined):
	// the events it held are missing.
	Incomplete bool
}

// FilterLogEvents searches a group's streams, merging them by Key.
func (s *Store) FilterLogEvents(sc Scope, groupName string, q FilterQuery) (res FilterResult, err error) {
	gr, err := s.openGroupRead(sc, groupName, q.StreamNames, q.Prefix)
	if err != nil {
		return FilterResult{}, err
	}
	defer gr.close()
	lo, hi := q.Range.window(gr.cutoff, q.After, q.Backward)
	rc := s.newReadCtx()
	defer rc.scanning()()
	if q.Match != nil {
		rc.terms, rc.need = checkableTerms(q.Terms), q.Terms
		if len(q.Terms) == 0 {
			rc.need, rc.needOrBackslash = q.TermsUnlessEscaped, true
		}
	}
	limit := pageLimit(q.Limit)
	size, scanned := 0, 0
	gr.merge(rc, lo, hi, q.Backward, func(e *Event, _ int, st *stream) bool {
		if q.MaxScan > 0 && scanned >= q.MaxScan {
			k := lastKey(res, e, q.Backward)
			res.Next = &k
			return false
		}
		scanned++
		if q.Match == nil || q.Match(e.Message) {
			size += len(e.Message) + EventOverhead
			if len(res.Events) == limit || (size > MaxResponseBytes && len(res.Events) > 0) {
				k := res.Events[len(res.Events)-1].Key()
				res.Next = &k
				return false
			}
			res.Events = append(res.Events, FilteredEvent{Event: *e, Stream: st.meta.Name, StreamID: st.meta.ID})
		}
		return true
	})
	res.Incomplete = rc.incomplete.Load()
	return res, nil
}

// groupRead is what a read of several streams of a group works on: views
// of their heads and references to the group's segments, taken together
// under Store.mu so that every event is in exactly one of them.
type groupRead struct {
	cutoff  int64 // retention
	streams []*stream
	views   []view
	segs    []*segFile
}

// openGroupRead selects the group's streams by exact names (nil: all, or
// those with the prefix) and takes their views. Call close when done.
func (s *Store) openGroupRead(sc Scope, groupName string, names []string, prefix string) (*groupRead, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		return nil, err
	}
	gr := &groupRead{cutoff: retentionCutoff(g.meta.Retention, s.nowMillis())}
	if names != nil {
		for _, n := range names {
			if st := g.streams[n]; st != nil {
				gr.streams = append(gr.streams, st)
			}
		}
	} else {
		for n, st := range g.streams {
			if len(n) >= len(prefix) && n[:len(prefix)] == prefix {
				gr.streams = append(gr.streams, st)
			}
		}
	}
	gr.views = make([]view, len(gr.streams))
	for i, st := range gr.streams {
		gr.views[i] = st.view()
	}
	gr.segs = segsLocked(g)
	return gr, nil
}

func (gr *groupRead) close() { releaseSegs(gr.segs) }

// merge calls fn for every event of the selected streams with lo < key <
// hi, in ascending Key order (descending when backward), with the size of
// its message and its stream, until fn returns false. fn is called without
// locks held; the event is valid only during the call.
func (gr *groupRead) merge(rc *readCtx, lo, hi Key, backward bool, fn func(e *Event, size int, st *stream) bool) {
	m := &merger{backward: backward}
	for i, st := range gr.streams {
		c := rc.newStreamIter(st, gr.views[i], gr.segs, lo, hi, backward)
		if c.event() != nil {
			m.items = append(m.items, mergeItem{c: c, st: st})
		}
	}
	heap.Init(m)
	for m.Len() > 0 {
		// Consume the leading stream's events up to the next stream's
		// current event: one heap operation per run, not per event.
		it := &m.items[0]
		bound, bounded := m.second()
		for e := it.c.event(); e != nil; e = it.c.event() {
			if bounded && !m.before(e.Key(), bound) {
				break
			}
			if !fn(e, it.c.size(), it.st) {
				return
			}
			it.c.advance()
		}
		if it.c.event() == nil {
			heap.Pop(m)
		} else {
			heap.Fix(m, 0)
		}
	}
}

// lastKey is where a search that stopped before e resumes.
func lastKey(res FilterResult, e *Event, backward bool) Key {
	if n := len(res.Events); n > 0 {
		return res.Events[n-1].Key()
	}
	// Nothing returned yet: resume just before e in the direction of travel.
	k := e.Key()
	if backward {
		if k.Seq == math.MaxUint64 {
			return Key{k.Timestamp + 1, 0}
		}
		return Key{k.Timestamp, k.Seq + 1}
	}
	if k.Seq == 0 {
		return Key{k.Timestamp - 1, math.MaxUint64}
	}
	return Key{k.Timestamp, k.Seq - 1}
}

type mergeItem struct {
	c  *streamIter
	st *stream
}

// merger is a heap of stream cursors ordered by their current event's Key.
type merger struct {
	items    []mergeItem
	backward bool
}

func (m *merger) Len() int { return len(m.items) }

// before orders keys in the merger's direction.
func (m *merger) before(a, b Key) bool {
	if m.backward {
		return b.Less(a)
	}
	return a.Less(b)
}

// second returns the current key of the runner-up: the better of the
// root's children.
func (m *merger) second() (Key, bool) {
	switch len(m.items) {
	case 0, 1:
		return Key{}, false
	case 2:
		return m.items[1].c.event().Key(), true
	}
	a, b := m.items[1].c.event().Key(), m.items[2].c.event().Key()
	if m.before(b, a) {
		return b, true
	}
	return a, true
}
func (m *merger) Less(i, j int) bool {
	a, b := m.items[i].c.event().Key(), m.items[j].c.event().Key()
	if m.backward {
		return b.Less(a)
	}
	return a.Less(b)
}
func (m *merger) Swap(i, j int) { m.items[i], m.items[j] = m.items[j], m.items[i] }
func (m *merger) Push(x any)    { m.items = append(m.items, x.(mergeItem)) }
func (m *merger) Pop() any {
	it := m.items[len(m.items)-1]
	m.items = m.items[:len(m.items)-1]
	return it
}
