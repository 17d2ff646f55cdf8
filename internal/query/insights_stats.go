package query

import (
	"encoding/binary"
	"math"
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
	by     []Value
	states []aggState
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
		ts := r.ev.Timestamp
		if s.last != nil && ts >= s.lo && ts < s.hi {
			return s.last, nil
		}
		lo = tb.per.floor(ts)
		hi = tb.per.ceil(lo + 1)
		s.byVals = append(s.byVals, timeValue(lo))
	} else {
		for _, it := range s.c.by {
			s.byVals = append(s.byVals, it.e.eval(r))
		}
	}
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
			return nil, &LimitError{Msg: "stats makes more than " + strconv.Itoa(s.max) + " groups"}
		}
		g = &statsGroup{by: make([]Value, len(s.byVals)), states: make([]aggState, len(s.c.aggs))}
		for i, v := range s.byVals {
			g.by[i] = v.detach()
		}
		for i, a := range s.c.aggs {
			g.states[i] = a.fn.newState(a)
		}
		s.groups[string(s.key)] = g
		s.order = append(s.order, g)
	}
	s.last, s.lastKey = g, append(s.lastKey[:0], s.key...)
	s.lo, s.hi = lo, hi
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

func (s *statsStage) finish() error {
	if err := s.emit(s.next); err != nil {
		return err
	}
	return s.next.finish()
}

func (s *statsStage) snapshot(next stage) error { return s.emit(next) }
