package store

import (
	"errors"
	"math"
	"os"
	"sync/atomic"

	"github.com/logpond/logpond/internal/store/segment"
)

// A read of one stream merges its head view with cursors over the group's
// segments that hold the stream, by Key. Head and segments never share an
// event (a seal moves events under Store.mu, which readers hold while they
// take their views and segment references); equal keys from two sources
// are still returned once, so that a mistake there cannot duplicate events.

// source is one ordered supply of a stream's events within a key window.
type source interface {
	event() *Event // the current event, nil at the end
	size() int     // the length of its message (also when left out)
	advance()
}

// readCtx is what one read shares between its stream iterators.
type readCtx struct {
	s               *Store
	terms           []string                           // checkable required terms, for block skipping
	need            []string                           // all required terms, for skipping events by their templates
	needOrBackslash bool                               // need's terms may be missing from messages with a backslash
	noMessages      bool                               // segment events may come without messages
	jsonOnly        bool                               // segment events may come without messages that are not JSON objects
	jsonFields      []string                           // and JSON messages projected onto these top-level keys
	skipJSONOnly    bool                               // segment events left without messages by jsonOnly are skipped
	skipped         segment.Skipped                    // and counted here, until ScanQuery reports them
	batch           func(*segment.Batch, *stream) bool // takes segment events by the batch (ScanQuery.Batch)
	stopped         bool                               // batch returned false: the read ends
	countPassed     bool                               // segment events the terms rule out are counted
	passed          segment.Passed                     // here, until ScanQuery reports them
	prefetch        bool                               // the read scans on: segment cursors read ahead
	cancel          chan struct{}                      // closed when the read ends (drops read-aheads not started)
	incomplete      atomic.Bool                        // a segment failed and was quarantined
	cursors         []*segment.Cursor                  // of a scan, parked when it ends
	mem             readMemory                         // the blocks its cursors hold (budget.go)
}

// scanning makes rc a scan whose segment cursors read ahead; call the
// function it returns when the read ends. Search cursors park the blocks
// they did not finish, for the next page of the same search
// (segment.Cursor.Park).
func (rc *readCtx) scanning() func() {
	rc.prefetch, rc.cancel = true, make(chan struct{})
	return func() {
		for _, c := range rc.cursors {
			c.Park()
		}
		close(rc.cancel)
		if testReadEnded != nil {
			testReadEnded(&rc.mem)
		}
	}
}

// segsLocked returns the group's segments with a reference taken on each;
// s.mu must be held. Call releaseSegs when done.
func segsLocked(g *group) []*segFile {
	segs := g.segs
	for _, f := range segs {
		f.acquire()
	}
	return segs
}

func releaseSegs(segs []*segFile) {
	for _, f := range segs {
		f.release()
	}
}

// streamIter merges the sources of one stream.
type streamIter struct {
	srcs     []source
	cur      int // index of the source with the next event, -1 at the end
	backward bool
	// bound is the best current key of the other sources (when hasBound):
	// the current source goes on alone while its events come before it.
	bound    Key
	hasBound bool
}

func (rc *readCtx) newStreamIter(st *stream, v view, segs []*segFile, lo, hi Key, backward bool) *streamIter {
	it := &streamIter{backward: backward}
	if c := newCursor(v, lo, hi, backward); c.event() != nil {
		it.srcs = append(it.srcs, c)
	}
	for _, f := range segs {
		ss, ok := f.r.Stream(st.meta.ID)
		if !ok || ss.LastTimestamp < lo.Timestamp || ss.FirstTimestamp > hi.Timestamp || f.quarantined.Load() {
			continue
		}
		q := segment.Query{Stream: st.meta.ID, Start: lo.Timestamp, Backward: backward, Terms: rc.terms, Need: rc.need, NeedOrBackslash: rc.needOrBackslash, NoMessages: rc.noMessages, JSONOnly: rc.jsonOnly, JSONFields: rc.jsonFields, SkipJSONOnly: rc.skipJSONOnly, Batches: rc.batch != nil, CountPassed: rc.countPassed, Prefetch: rc.prefetch, Cancel: rc.cancel}
		switch {
		case hi.Seq == 0 && hi.Timestamp != 0: // (End 0 would mean no bound)
			q.End = hi.Timestamp // no event has sequence number 0
		case hi.Timestamp < math.MaxInt64:
			q.End = hi.Timestamp + 1
		}
		src := &segSource{rc: rc, st: st, f: f, c: f.r.Cursor(q), lo: lo, hi: hi, backward: backward}
		if rc.prefetch && len(rc.need) > 0 {
			rc.cursors = append(rc.cursors, src.c)
		}
		src.fill()
		if src.ok {
			it.srcs = append(it.srcs, src)
		}
	}
	it.pick()
	return it
}

func (it *streamIter) before(a, b Key) bool {
	if it.backward {
		return b.Less(a)
	}
	return a.Less(b)
}

func (it *streamIter) pick() {
	it.cur = -1
	var best Key
	for i, s := range it.srcs {
		e := s.event()
		if e == nil {
			continue
		}
		if it.cur < 0 || it.before(e.Key(), best) {
			it.cur, best = i, e.Key()
		}
	}
	it.hasBound = false
	for i, s := range it.srcs {
		if e := s.event(); i != it.cur && e != nil && (!it.hasBound || it.before(e.Key(), it.bound)) {
			it.bound, it.hasBound = e.Key(), true
		}
	}
}

func (it *streamIter) event() *Event {
	if it.cur < 0 {
		return nil
	}
	return it.srcs[it.cur].event()
}

func (it *streamIter) size() int { return it.srcs[it.cur].size() }

func (it *streamIter) advance() {
	if it.cur < 0 {
		return
	}
	if len(it.srcs) == 1 {
		it.srcs[0].advance()
		if it.srcs[0].event() == nil {
			it.cur = -1
		}
		return
	}
	cur := it.srcs[it.cur]
	k := cur.event().Key()
	cur.advance()
	if e := cur.event(); e != nil && (!it.hasBound || it.before(e.Key(), it.bound)) {
		// Still the first, and no other source can hold k: their
		// events are not before bound, which is after k.
		return
	}
	for _, s := range it.srcs {
		if e := s.event(); e != nil && e.Key() == k {
			s.advance() // the same event from two sources
		}
	}
	it.pick()
}

// size is the length of the current event's message (head events always
// have theirs).
func (c *cursor) size() int { return len(c.v.at(c.p).Message) }

// segSource reads one stream of one segment within (lo, hi).
type segSource struct {
	rc       *readCtx
	st       *stream // whose events it reads
	f        *segFile
	c        *segment.Cursor
	lo, hi   Key
	backward bool
	ev       Event
	sz       int
	ok       bool
	// In readMemory's ring of sources holding blocks: what it holds, the
	// cursor's block loads and reloads when that was measured, and
	// whether it was advanced since the clock's hand last passed.
	held       int64
	loads      int
	reloads    int
	prev, next *segSource
	listed     bool
	marked     bool
}

func (x *segSource) fill() {
	x.ok = false
	for !x.rc.stopped && x.c.Next() {
		if b := x.c.Batch(); b != nil {
			// The cursor's range is the window (ScanQuery): the batch lies within.
			x.rc.stopped = !x.rc.batch(b, x.st)
			continue
		}
		e := x.c.Event()
		k := Key{e.Timestamp, e.Seq}
		if x.backward {
			if !k.Less(x.hi) {
				continue
			}
			if !x.lo.Less(k) {
				break
			}
		} else {
			if !x.lo.Less(k) {
				continue
			}
			if !k.Less(x.hi) {
				break
			}
		}
		x.ev = Event{Timestamp: e.Timestamp, Ingestion: e.Ingestion, Seq: e.Seq, Message: e.Message}
		x.sz = x.c.MessageSize()
		x.ok = true
		break
	}
	if x.rc.skipJSONOnly {
		// The cursor's range is the window (ScanQuery): what it skipped lies within.
		x.rc.skipped.Add(x.c.TakeSkipped())
	}
	if x.rc.countPassed {
		p := x.c.TakePassed()
		x.rc.passed.Events += p.Events
		x.rc.passed.Bytes += p.Bytes
	}
	if m := &x.rc.mem; m.budget > 0 {
		x.marked = true
		if x.c.Loads() != x.loads || !x.ok {
			m.used(x)
		}
	}
	if err := x.c.Err(); err != nil && !x.ok {
		x.rc.segmentFailed(x.f, err)
	}
}

func (x *segSource) event() *Event {
	if !x.ok {
		return nil
	}
	return &x.ev
}

func (x *segSource) size() int { return x.sz }

func (x *segSource) advance() { x.fill() }

// segmentFailed handles a segment read error: corruption quarantines the
// segment; either way the read goes on without it and is incomplete.
func (rc *readCtx) segmentFailed(f *segFile, err error) {
	rc.incomplete.Store(true)
	if segCorruption(err) {
		rc.s.quarantine(f, err)
		return
	}
	if !errors.Is(err, segment.ErrClosed) {
		rc.s.log.Error("segment read failed", "file", f.path, "err", err)
	}
}

// checkableTerms keeps the terms a segment can check.
func checkableTerms(terms []string) []string {
	var out []string
	for _, t := range terms {
		if segment.CheckableTerm(t) {
			out = append(out, t)
		}
	}
	return out
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
