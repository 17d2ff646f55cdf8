package query

import "errors"

// Blank events in bulk. For a query with Blanks (plan.blankStats), an
// event without a message only counts, in the group of nulls; once that
// group exists, where the event comes no longer matters. A source that
// leaves such events out (store.ScanQuery.Skipped) hands them over by the
// batch with AddBlanks. A batch that comes before the group exists waits,
// as pending, for the first event added after its first one: the group
// is then made at the place a single Add of that first blank would have
// made it, and the groups keep the order of their first rows.

// blanks are blank events given to AddBlanks and not yet counted, and the
// smallest (@timestamp, sequence) among them.
type blanks struct {
	n   int64
	ts  int64
	seq uint64
}

// Blanks reports whether events with an empty message may be handed over
// by the batch (Run.AddBlanks) instead of one by one: for queries that
// read only JSON fields (ReadsOnlyJSON) and only count such events.
func (q *Insights) Blanks() bool { return q.plan.blankStats }

// AddBlanks adds n events with an empty message, of bytes message bytes
// in all (their Event.Size), the smallest (@timestamp, sequence) of which
// is (ts, seq). The result is that of adding them one by one with Add,
// provided that they all come after the events added so far; they may
// come before events added later, up to FlushBlanks. Only for queries
// with Blanks.
func (r *Run) AddBlanks(n, bytes, ts int64, seq uint64) error {
	switch {
	case r.err != nil:
		return r.err
	case r.done:
		return errors.New("query: AddBlanks after Finish")
	case r.blank == nil:
		return errors.New("query: AddBlanks for a query without Blanks")
	case n <= 0:
		return nil
	}
	r.res.Scanned += n
	r.res.Bytes += bytes
	r.n += uint64(n)
	if r.blank.addBlanks(n, liveKey(ts, seq)) {
		r.res.Matched += n
		return nil
	}
	p := &r.pending
	if p.n == 0 || ts < p.ts || ts == p.ts && seq < p.seq {
		p.ts, p.seq = ts, seq
	}
	p.n += n
	return nil
}

// before reports whether e comes before (ts, seq).
func (e *Event) before(ts int64, seq uint64) bool {
	return e.Timestamp < ts || e.Timestamp == ts && e.Seq < seq
}

// FlushBlanks counts now the blanks given to AddBlanks: call it when the
// events added next do not continue the order of (@timestamp, sequence)
// of those added so far (those of another log group).
func (r *Run) FlushBlanks() error {
	r.flushBlanks()
	if r.stats != nil && r.err == nil {
		r.stats.freeze() // the keys of what comes next start over
	}
	return r.err
}

// flushBlanks counts the pending blanks: the first one through the stages,
// which makes the group of nulls if it is not there yet.
func (r *Run) flushBlanks() {
	p := r.pending
	if p.n == 0 || r.err != nil {
		return
	}
	r.pending = blanks{}
	if r.blank.addBlanks(p.n, liveKey(p.ts, p.seq)) {
		r.res.Matched += p.n
		return
	}
	first := Event{Timestamp: p.ts, Seq: p.seq}
	r.scratch.reset(&first, r.n)
	if r.err = r.head.push(r.scratch); r.err != nil {
		return
	}
	if r.blank.addBlanks(p.n-1, liveKey(p.ts, p.seq)) {
		r.res.Matched += p.n - 1
	} else {
		r.err = errors.New("query: blank events without their group")
	}
}
