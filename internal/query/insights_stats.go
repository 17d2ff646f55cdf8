package query

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// stats aggregates rows into groups:
//
//	stats count(*) as n, avg(latency) by service, bin(5m)
//	stats max(@memorySize / 1e6) as mem, min(@maxMemoryUsed / 1e6) as used, mem - used as spare
//
// Each item is an expression over aggregation functions (insights_agg.go)
// and the items before it; by takes expressions, bin(period) among them.
// The result has one row per group, with the by fields first. After stats
// only its fields exist; a second stats aggregates the first one's rows.
type statsCmd struct {
	pos
	items []item
	by    []item
	aggs  []*aggNode // every aggregation of the items, in order; set by compile
	// timeBy is the only by item when it is bin(p) or datefloor(@timestamp,
	// p) of the event's own @timestamp (set by compile).
	timeBy *callNode
}

func (p *parser) statsCmd() (command, error) {
	start := p.tok.start
	p.next()
	c := &statsCmd{}
	items, err := p.items(true)
	if err != nil {
		return nil, err
	}
	c.items = items
	c.pos = pos{start, items[len(items)-1].end}
	if p.isKeyword("by") {
		p.next()
		by, err := p.items(true)
		if err != nil {
			return nil, err
		}
		c.by = by
		c.end = by[len(by)-1].end
	}
	return c, nil
}

type statsGroup struct {
	key    string // in statsStage.groups
	by     []Value
	states []aggState
	first  firstKey // with statsStage.track
	batch  uint64   // the last Run.AddBatch that saw it
}

// firstKey orders groups by their first events (insights_batch.go): the
// groups of earlier scans, frozen in their order (class 0, at rank ts),
// then by the smallest (@timestamp, sequence) of their events (class 1);
// class 2 is a group not yet given one.
type firstKey struct {
	class uint8
	ts    int64
	seq   uint64
}

func liveKey(ts int64, seq uint64) firstKey { return firstKey{class: 1, ts: ts, seq: seq} }

func (k firstKey) less(o firstKey) bool {
	if k.class != o.class {
		return k.class < o.class
	}
	return k.ts < o.ts || k.ts == o.ts && k.seq < o.seq
}

// see notes an event of key k in g.
func (g *statsGroup) see(k firstKey) {
	if k.less(g.first) {
		g.first = k
	}
}

// sortGroups puts the groups in the order of their first events, when
// events may have come out of order (track).
func (s *statsStage) sortGroups() {
	if s.track {
		slices.SortStableFunc(s.order, func(a, b *statsGroup) int {
			switch {
			case a.first.less(b.first):
				return -1
			case b.first.less(a.first):
				return 1
			}
			return 0
		})
	}
}

// freeze sorts the groups and fixes their order: the groups of events
// added later, whatever their keys, come after them. For the end of a
// scan whose successor's keys start over (another log group), and merges.
func (s *statsStage) freeze() {
	s.sortGroups()
	s.rank()
}

// rank fixes the order of the groups as it is, and makes the values kept
// so far by min and max come before any to come on ties.
func (s *statsStage) rank() {
	for i, g := range s.order {
		g.first = firstKey{class: 0, ts: int64(i)}
		for _, st := range g.states {
			if x, ok := st.(*extremeState); ok {
				x.key = firstKey{}
			}
		}
	}
}

// timeGroup returns the group of the time bin of ts (timeBy), made if new;
// ts must be within ±maxExactMillis.
func (s *statsStage) timeGroup(ts int64) (*statsGroup, error) {
	if s.last != nil && ts >= s.lo && ts < s.hi {
		return s.last, nil
	}
	tb := s.c.timeBy
	lo := tb.per.floor(ts)
	hi := tb.per.ceil(lo + 1)
	s.byVals = append(s.byVals[:0], timeValue(lo))
	return s.groupByVals(lo, hi)
}

type statsStage struct {
	c       *statsCmd
	env     *runEnv
	bySlots []int
	slots   []int
	groups  map[string]*statsGroup
	order   []*statsGroup
	max     int
	key     []byte
	byVals  []Value
	next    stage
	// The group of the previous row, its key, and with timeBy the times
	// [lo, hi) of its period: consecutive rows often share a group.
	last    *statsGroup
	lastKey []byte
	lo, hi  int64
	// With a single by item (not timeBy): the group of null and groups by
	// text (appendGroupKey's text keys), found without making the key.
	nullGroup *statsGroup
	recent    [8]recentGroup
	nrecent   int
	// track: events have come out of order (Run.AddBatch): the groups
	// are ordered by the keys of their first events (statsGroup.first),
	// which every add notes.
	track bool
}

// recentGroup is a group whose key is the text of its by value.
type recentGroup struct {
	text string
	g    *statsGroup
}

// groupText returns the text a by value is grouped by, when appendGroupKey
// groups it by its text and that text is v.s.
func groupText(v Value) (string, bool) {
	if v.k == kString || v.k == kNumber && v.s != "" {
		return v.s, true
	}
	return "", false
}

// cachedGroup returns the group of the single by value v if it is at hand.
func (s *statsStage) cachedGroup(v Value) *statsGroup {
	if v.k == kNull {
		return s.nullGroup
	}
	if text, ok := groupText(v); ok {
		for i := range s.recent[:s.nrecent] {
			if s.recent[i].text == text {
				return s.recent[i].g
			}
		}
	}
	return nil
}

// addBlanks adds n rows without fields (plan.blankStats) once the group
// of such rows exists, and reports whether it did: only count(*) changes.
func (s *statsStage) addBlanks(n int64, k firstKey) bool {
	g := s.nullGroup
	if len(s.c.by) == 0 {
		g = s.last // the only group
	}
	if g == nil {
		return false
	}
	g.see(k)
	for _, st := range g.states {
		if c, ok := st.(*countState); ok && c.star {
			c.n += n
		}
	}
	return true
}

// cacheGroup remembers g, the group of the single by value v.
func (s *statsStage) cacheGroup(v Value, g *statsGroup) {
	if v.k == kNull {
		s.nullGroup = g
		return
	}
	text, ok := groupText(g.by[0])
	if !ok {
		return
	}
	if s.nrecent < len(s.recent) {
		s.nrecent++
	} else {
		copy(s.recent[1:], s.recent[:len(s.recent)-1])
	}
	s.recent[s.nrecent-1] = recentGroup{text, g}
}

func (c *statsCmd) newStage(env *runEnv, o *RunOptions, next stage) stage {
	s := &statsStage{c: c, env: env, groups: map[string]*statsGroup{}, max: o.MaxGroups, next: next}
	for _, it := range c.by {
		s.bySlots = append(s.bySlots, env.pl.slotOf[it.name])
	}
	for _, it := range c.items {
		s.slots = append(s.slots, env.pl.slotOf[it.name])
	}
	return s
}

func (s *statsStage) push(r *row) error {
	g, err := s.group(r)
	if err != nil {
		return err
	}
	if r.ev != nil {
		g.see(liveKey(r.ev.Timestamp, r.ev.Seq))
	}
	for i, a := range s.c.aggs {
		g.states[i].add(a, r)
	}
	return nil
}

// maxExactMillis bounds the timestamps whose bin the fast path computes:
// beyond it, float64 (how expressions carry times) rounds milliseconds.
const maxExactMillis = 1 << 53

// group returns the row's group, made if new.
func (s *statsStage) group(r *row) (*statsGroup, error) {
	s.byVals = s.byVals[:0]
	var lo, hi int64 // the period of a time bin, if any
	if tb := s.c.timeBy; tb != nil && r.ev != nil && r.ev.Timestamp > -maxExactMillis && r.ev.Timestamp < maxExactMillis {
		return s.timeGroup(r.ev.Timestamp)
	} else if len(s.c.by) == 1 {
		return s.groupOf(evalNode(s.c.by[0].e, r))
	} else {
		for _, it := range s.c.by {
			s.byVals = append(s.byVals, evalNode(it.e, r))
		}
	}
	return s.groupByVals(lo, hi)
}

// groupOf returns the group of the single by value v (no time bin), made
// if new.
func (s *statsStage) groupOf(v Value) (*statsGroup, error) {
	if g := s.cachedGroup(v); g != nil {
		return g, nil
	}
	s.byVals = append(s.byVals[:0], v)
	return s.groupByVals(0, 0)
}

// groupByVals returns the group of s.byVals (a time bin [lo, hi) when
// timeBy), made if new.
func (s *statsStage) groupByVals(lo, hi int64) (*statsGroup, error) {
	s.lo, s.hi = 0, 0
	s.key = s.key[:0]
	for _, v := range s.byVals {
		s.key = appendGroupKey(s.key, v)
	}
	if s.last != nil && string(s.key) == string(s.lastKey) {
		s.lo, s.hi = lo, hi
		return s.last, nil
	}
	g := s.groups[string(s.key)]
	if g == nil {
		if len(s.groups) >= s.max {
			return nil, s.tooMany()
		}
		g = &statsGroup{by: make([]Value, len(s.byVals)), states: make([]aggState, len(s.c.aggs)), first: firstKey{class: 2}}
		for i, v := range s.byVals {
			g.by[i] = v.detach()
		}
		for i, a := range s.c.aggs {
			g.states[i] = a.fn.newState(a)
		}
		g.key = string(s.key)
		s.groups[g.key] = g
		s.order = append(s.order, g)
	}
	s.last, s.lastKey = g, append(s.lastKey[:0], s.key...)
	s.lo, s.hi = lo, hi
	if s.c.timeBy == nil && len(s.c.by) == 1 {
		s.cacheGroup(s.byVals[0], g)
	}
	return g, nil
}

// appendGroupKey encodes a by value: times and computed numbers by value,
// everything else by its text.
func appendGroupKey(b []byte, v Value) []byte {
	switch {
	case v.k == kTime, v.k == kNumber && v.s == "", v.k == kBool:
		return binary.LittleEndian.AppendUint64(append(b, 2), math.Float64bits(v.n))
	}
	return appendKey(b, v)
}

// emit pushes one row per group into next, without changing the groups.
func (s *statsStage) emit(next stage) error {
	s.sortGroups()
	aggs := make([]Value, len(s.c.aggs))
	for i, g := range s.order {
		r := newRow(s.env)
		r.arrival = uint64(i)
		for j, v := range g.by {
			r.set(s.bySlots[j], v)
		}
		for j, st := range g.states {
			aggs[j] = st.result()
		}
		r.aggs = aggs
		for j, it := range s.c.items {
			r.set(s.slots[j], it.e.eval(r))
		}
		r.aggs = nil
		if err := next.push(r); err != nil {
			return err
		}
	}
	return nil
}

// merge adds the groups of o, a stage of the same command over events that
// came after s's: the states of a group both have are merged, o's other
// groups follow s's in o's order (the order in which a single stage would
// have met them).
func (s *statsStage) merge(o *statsStage) error {
	s.freeze()
	o.freeze()
	defer s.rank() // o's new groups after s's
	for _, og := range o.order {
		g := s.groups[og.key]
		if g == nil {
			if len(s.groups) >= s.max {
				return s.tooMany()
			}
			s.groups[og.key] = og
			s.order = append(s.order, og)
			continue
		}
		for i, st := range g.states {
			st.merge(og.states[i])
		}
	}
	return nil
}

func (s *statsStage) tooMany() error {
	return &LimitError{Msg: "stats makes more than " + strconv.Itoa(s.max) + " groups"}
}

func (s *statsStage) finish() error {
	if err := s.emit(s.next); err != nil {
		return err
	}
	return s.next.finish()
}

func (s *statsStage) snapshot(next stage) error { return s.emit(next) }
