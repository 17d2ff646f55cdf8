package query

// Stats straight from JSON fields. A blankStats query (its first command a
// stats whose by item, if any, and aggregate arguments are JSON fields,
// with aggregates that skip nulls) needs of an event only the values of
// those fields. When they are all top-level names, Run.addDirect reads
// them with the JSON fast path (flatScan.fastTop) and hands them to the
// group and its aggregates (valueAdder), without the row that would carry
// them through the counter, the stats stage and lazy field discovery: the
// same values, groups and order, for a fraction of the work. Messages the
// fast path cannot decide take the row path.

// directStats says where a blankStats query's values are among json.top:
// by is the index of its by field (-1 without one), args that of each
// aggregate's argument (-1 for count(*)).
type directStats struct {
	by   int
	args []int
}

// valueAdder is an aggregate state fed its argument's value.
type valueAdder interface{ addV(Value) }

// directStats returns the plan's directStats, or nil when it has none.
func (pl *plan) directStats() *directStats {
	if !pl.blankStats || pl.json == nil || pl.json.top == nil {
		return nil
	}
	top := func(n node) int {
		if f, ok := n.(*fieldNode); ok {
			for k, t := range pl.json.top {
				if t.slot == f.slot {
					return k
				}
			}
		}
		return -2
	}
	sc := pl.specs[0].(*statsCmd)
	d := &directStats{by: -1}
	if len(sc.by) == 1 {
		if d.by = top(sc.by[0].e); d.by < 0 {
			return nil
		}
	}
	for _, a := range sc.aggs {
		if _, ok := a.fn.newState(a).(valueAdder); !ok {
			return nil
		}
		k := -1
		if !a.star && len(a.args) > 0 {
			if k = top(a.args[0]); k < 0 {
				return nil
			}
		}
		d.args = append(d.args, k)
	}
	return d
}

// addDirect adds e to the first stats (plan.direct) and reports whether
// it did; false when the fast path cannot read e's message.
func (r *Run) addDirect(e *Event) bool {
	d, f, s := r.direct, &r.env.flat, r.blank
	found, ok := f.fastTop(r.pl.json, e.Message)
	if !ok {
		return false
	}
	val := func(k int) Value {
		if k >= 0 && found&(1<<k) != 0 {
			return f.vals[k]
		}
		return null
	}
	r.res.Matched++ // the counter before the stats
	var g *statsGroup
	var err error
	if d.by >= 0 {
		g, err = s.groupOf(val(d.by))
	} else {
		s.byVals = s.byVals[:0]
		g, err = s.groupByVals(0, 0)
	}
	if err != nil {
		r.err = err
		return true
	}
	g.see(liveKey(e.Timestamp, e.Seq))
	for i, st := range g.states {
		if x, ok := st.(*extremeState); ok {
			x.addK(val(d.args[i]), liveKey(e.Timestamp, e.Seq))
			continue
		}
		st.(valueAdder).addV(val(d.args[i]))
	}
	return true
}
