package query

import (
	"errors"
	"strconv"
)

// Events by the batch. A query made of a stats with count, pct, sum, avg,
// count_distinct, min, max, earliest and latest aggregates only, by nothing, by one top-level JSON field or by a bin
// of @timestamp, and reading nothing else, or of filters that each read
// one top-level JSON field followed by such a stats over JSON fields
// (Batches), gives the same result whatever the order in which its events
// come, but for the order of its groups (the order of their first events)
// and the last bits of sums of non-integers. A source may then hand
// over events in columns, a block at a time and out of order with the
// events it gives Add (store.ScanQuery.Batch): AddBatch adds each to its
// group without a row, a message or a JSON reading, and the stats stage
// keeps, for each group, the smallest (@timestamp, sequence) of its
// events, by which it orders its groups (statsStage.first).

// Batch is events handed over together (AddBatch), as segment.Batch gives
// them: TS and Seq per event; for each field of JSONFields a Column.
type Batch struct {
	TS     []int64
	Seq    []uint64
	Stream string // their log stream (@logStream)
	Bytes  int64  // their message bytes (Event.Size)
	Fields []Column
	Strs   []string // the strings of ColString values
}

// Column holds each event's value of one top-level JSON field.
type Column struct {
	Kind []uint8  // ColAbsent, ColString or ColNumber
	V    []uint64 // an index into Batch.Strs, or the number
}

// Column value kinds (the same as segment's).
const (
	ColAbsent uint8 = iota
	ColString
	ColNumber
)

// batchPlan is how AddBatch adds events: filters are the conditions of
// the filter commands before the stats; by is the by field's index among
// the fields (byNone, byTime); args, per aggregate, its argument's index
// (-1 for count(*)).
type batchPlan struct {
	filters []batchFilter
	by      int
	args    []int
}

// batchFilter is the condition of a filter command that reads one
// top-level JSON field, the field's index among the fields and its slot:
// AddBatch evaluates it once per value.
type batchFilter struct {
	cond node
	k    int
	slot int
}

const (
	byNone   = -1
	byTime   = -2
	byStream = -3 // @logStream: Batch.Stream
)

// batchPlan returns the plan's batchPlan, or nil when it has none: its
// rows come from a stats, first or after filters that each read one
// top-level JSON field, with aggregates whose result does not depend on
// the order of their rows, of top-level JSON fields (or count(*)), by
// nothing, a bin of @timestamp, @logStream or a top-level JSON field. A
// plan that reads JSON fields must read nothing else of the message; one
// that reads none, no message at all.
func (pl *plan) batchPlan() *batchPlan {
	sc, ok := pl.specs[pl.first].(*statsCmd)
	if !ok || len(sc.by) > 1 {
		return nil
	}
	top := func(n node) int {
		if f, ok := n.(*fieldNode); ok && f.base < 0 && pl.json != nil {
			for k, t := range pl.json.top {
				if t.slot == f.slot {
					return k
				}
			}
		}
		return -1
	}
	json := false // reads JSON fields
	bp := &batchPlan{by: byNone}
	for _, sp := range pl.specs[:pl.first] {
		fc, ok := sp.(*filterCmd)
		if !ok {
			return nil
		}
		f := batchFilter{cond: fc.cond, k: -1}
		ok = true
		walk(fc.cond, func(n node) {
			if _, isField := n.(*fieldNode); !isField {
				return
			}
			switch k := top(n); {
			case k < 0 || f.k >= 0 && k != f.k:
				ok = false
			default:
				f.k, f.slot = k, n.(*fieldNode).slot
			}
		})
		if !ok || f.k < 0 {
			return nil
		}
		bp.filters, json = append(bp.filters, f), true
	}
	if len(sc.by) == 1 {
		f, _ := sc.by[0].e.(*fieldNode)
		switch {
		case sc.timeBy != nil:
			bp.by = byTime
		case f != nil && f.base < 0 && pl.slots[f.slot].src == srcLogStream:
			bp.by = byStream
		default:
			if bp.by = top(sc.by[0].e); bp.by < 0 {
				return nil
			}
			json = true
		}
	}
	for _, a := range sc.aggs {
		switch a.fn.newState(a).(type) {
		case *countState, *pctState, *sumState, *avgState, *distinctState, *extremeState, *timeEdgeState:
			// Sums: the order of adding differs from a single run's,
			// which changes the last bits of sums of non-integers only,
			// as merging parallel runs does (Run.Merge). Ties of min and
			// max go to the smallest key; earliest and latest go by key.
		default:
			return nil // order matters (running variances, ties of sortsFirst and sortsLast)
		}
		k := -1 // count(*)
		if !a.star && len(a.args) > 0 {
			if k = top(a.args[0]); k < 0 {
				return nil
			}
			json = true
		} else if _, ok := a.fn.newState(a).(*countState); !ok {
			return nil
		}
		bp.args = append(bp.args, k)
	}
	if json && (!pl.onlyJSON || pl.json.top == nil) || !json && pl.needsMsg {
		return nil
	}
	return bp
}

// Batches reports whether the run takes events by the batch (AddBatch).
// Events of a batch then come with the fields JSONFields names (none when
// the query reads no message).
func (q *Insights) Batches() bool { return q.plan.batch != nil }

// AddBatch adds the events of b, with the result of adding each with Add
// (an event whose values are those of b, its message having no other
// fields the query reads), whatever their order with the events added
// before and after. The events of b must be in (@timestamp, sequence)
// order, as a block holds them. Only for queries with Batches.
func (r *Run) AddBatch(b *Batch) error {
	switch {
	case r.err != nil:
		return r.err
	case r.done:
		return errors.New("query: AddBatch after Finish")
	case r.pl.batch == nil:
		return errors.New("query: AddBatch for a query without Batches")
	}
	if err := r.pl.batch.check(b); err != nil {
		return err
	}
	bp := r.pl.batch
	r.stats.track = true
	n := len(b.TS)
	r.res.Scanned += int64(n)
	r.res.Bytes += b.Bytes
	r.n += uint64(n)
	r.batches++
	if len(bp.filters) > 0 {
		fc := r.filterCache
		if len(fc) < len(bp.filters) {
			fc = make([]batchCache, len(bp.filters))
		}
		for j := range fc {
			fc[j].reset(len(b.Strs))
		}
		r.filterCache = fc
		r.scratch.reset(&Event{}, r.n) // for batchPass
		defer r.scratch.reset(nil, 0)
	}
	gs := &r.bgroups
	gs.reset(len(b.Strs))
	for i := range n {
		if len(bp.filters) > 0 {
			pass, err := r.batchPass(b, i)
			if err != nil {
				return r.fail(err)
			}
			if !pass {
				continue
			}
		}
		r.res.Matched++ // the counter before the stats
		g, err := gs.group(r, b, i)
		if err != nil {
			return r.fail(err)
		}
		if g.batch != r.batches { // its first event in the batch, which is in key order
			g.batch = r.batches
			g.see(liveKey(b.TS[i], b.Seq[i]))
		}
		if err := r.addBatchAggs(g, b, i); err != nil {
			return r.fail(err)
		}
	}
	return nil
}

// check checks that b has the columns the plan reads, each of b's length.
func (bp *batchPlan) check(b *Batch) error {
	n := len(b.TS)
	ok := len(b.Seq) == n
	col := func(k int) {
		ok = ok && k < len(b.Fields) && len(b.Fields[k].Kind) == n && len(b.Fields[k].V) == n
	}
	for _, k := range bp.args {
		if k >= 0 {
			col(k)
		}
	}
	if bp.by >= 0 {
		col(bp.by)
	}
	for _, f := range bp.filters {
		col(f.k)
	}
	if !ok { // (string indexes are checked where read)
		return errors.New("query: a batch's columns differ in length")
	}
	return nil
}

// batchGroups finds the groups of a batch's events, remembering those of
// its strings, its last number, absent values, and the one group of a
// batch without a by field or by @logStream.
type batchGroups struct {
	byStr   []*statsGroup // per Batch.Strs
	byNum   *statsGroup
	lastNum uint64
	null    *statsGroup
	only    *statsGroup
}

func (gs *batchGroups) reset(nstrs int) {
	gs.byStr = append(gs.byStr[:0], make([]*statsGroup, nstrs)...) // zeroed, in place when it fits
	gs.byNum, gs.null, gs.only = nil, nil, nil
}

// group returns the group of event i of b, made if new.
func (gs *batchGroups) group(r *Run, b *Batch, i int) (*statsGroup, error) {
	s, by := r.stats, r.pl.batch.by
	if gs.only != nil {
		return gs.only, nil
	}
	var err error
	switch by {
	case byNone:
		s.byVals = s.byVals[:0]
		gs.only, err = s.groupByVals(0, 0)
		return gs.only, err
	case byStream:
		gs.only, err = s.groupOf(strValue(b.Stream))
		return gs.only, err
	case byTime:
		return r.timeGroup(b.TS[i], b.Seq[i])
	}
	c := &b.Fields[by]
	switch v := c.V[i]; c.Kind[i] {
	case ColString:
		if v >= uint64(len(b.Strs)) {
			return nil, errBatchString
		}
		if gs.byStr[v] == nil {
			gs.byStr[v], err = s.groupOf(strValue(b.Strs[v]))
		}
		return gs.byStr[v], err
	case ColNumber:
		if gs.byNum == nil || v != gs.lastNum {
			r.numText = strconv.AppendUint(r.numText[:0], v, 10) // grouped by its text, as read from a message
			gs.byNum, err = s.groupOf(Value{k: kNumber, n: float64(v), s: string(r.numText)})
			gs.lastNum = v
		}
		return gs.byNum, err
	}
	if gs.null == nil {
		gs.null, err = s.groupOf(null)
	}
	return gs.null, err
}

var errBatchString = errors.New("query: a batch's string out of range")

// addBatchAggs adds event i of b to the aggregates of its group g.
func (r *Run) addBatchAggs(g *statsGroup, b *Batch, i int) error {
	for j, st := range g.states {
		k := r.pl.batch.args[j]
		if k < 0 {
			st.(*countState).n++ // count(*)
			continue
		}
		c := &b.Fields[k]
		if c.Kind[i] == ColAbsent {
			continue // every aggregate here skips nulls
		}
		if p, ok := st.(*pctState); ok && c.Kind[i] == ColNumber {
			p.addValue(float64(c.V[i])) // the usual case, without a Value
			continue
		}
		v, err := r.batchValue(b, c, i)
		if err != nil {
			return err
		}
		switch st := st.(type) {
		case *extremeState:
			st.addK(v, liveKey(b.TS[i], b.Seq[i]))
		case *timeEdgeState:
			if st.better(b.TS[i], b.Seq[i]) {
				st.set, st.ts, st.seq, st.v = true, b.TS[i], b.Seq[i], v.detach()
			}
		case valueAdder: // count, pct, sum, avg, count_distinct
			st.addV(v)
		}
	}
	return nil
}

// batchCache holds what the filters gave for the values of a batch: per
// string (Batch.Strs), for absent values and for the last number, 0 not
// yet known, 1 false, 2 true.
type batchCache struct {
	strs   []uint8
	null   uint8
	num    uint64
	numRes uint8
}

func (c *batchCache) reset(nstrs int) {
	c.strs = append(c.strs[:0], make([]uint8, nstrs)...)
	c.null, c.numRes = 0, 0
}

// batchPass reports whether event i of b passes the filters before the
// stats, each evaluated once per value of its field.
func (r *Run) batchPass(b *Batch, i int) (bool, error) {
	for j, f := range r.pl.batch.filters {
		c, fc := &b.Fields[f.k], &r.filterCache[j]
		var res *uint8
		switch u := c.V[i]; c.Kind[i] {
		case ColString:
			if u >= uint64(len(b.Strs)) {
				return false, errBatchString
			}
			res = &fc.strs[u]
		case ColNumber:
			if fc.num != u {
				fc.num, fc.numRes = u, 0
			}
			res = &fc.numRes
		default:
			res = &fc.null
		}
		if *res == 0 {
			v, err := r.batchValue(b, c, i)
			if err != nil {
				return false, err
			}
			// The condition reads only the field (filteredBatchPlan):
			// the scratch row AddBatch reset need not be reset again.
			r.scratch.set(f.slot, v)
			*res = 1
			if f.cond.eval(r.scratch).truthy() {
				*res = 2
			}
		}
		if *res == 1 {
			return false, nil
		}
	}
	return true, nil
}

// batchValue returns the value of event i in column c of b: what the
// engine reads from a message, but for the text of numbers below 1e15,
// which is left to formatNumber (the same digits).
func (r *Run) batchValue(b *Batch, c *Column, i int) (Value, error) {
	switch u := c.V[i]; c.Kind[i] {
	case ColString:
		if u >= uint64(len(b.Strs)) {
			return null, errBatchString
		}
		return strValue(b.Strs[u]), nil
	case ColNumber:
		v := Value{k: kNumber, n: float64(u)}
		if u >= 1e15 {
			r.numText = strconv.AppendUint(r.numText[:0], u, 10)
			v.s = string(r.numText)
		}
		return v, nil
	}
	return null, nil
}

// timeGroup returns the group of the time bin of ts.
func (r *Run) timeGroup(ts int64, seq uint64) (*statsGroup, error) {
	s := r.stats
	if ts > -maxExactMillis && ts < maxExactMillis {
		return s.timeGroup(ts)
	}
	// Out of the fast path's range: through a row, as Add would.
	e := Event{Timestamp: ts, Seq: seq}
	r.scratch.reset(&e, r.n)
	return s.group(r.scratch)
}

func (r *Run) fail(err error) error {
	r.err = err
	return err
}
