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
	s.key = s.key[:0]
	s.byVals = s.byVals[:0]
	for _, it := range s.c.by {
		v := it.e.eval(r)
		s.byVals = append(s.byVals, v)
		s.key = appendGroupKey(s.key, v)
	}
	g := s.groups[string(s.key)]
	if g == nil {
		if len(s.groups) >= s.max {
			return &LimitError{Msg: "stats makes more than " + strconv.Itoa(s.max) + " groups"}
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
	for i, a := range s.c.aggs {
		g.states[i].add(a, r)
	}
	return nil
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
