package query

import (
	"container/heap"
	"slices"
)

// sort orders the rows by one or more expressions, each asc (the default)
// or desc, in CloudWatch's natural order (see naturalCompare); rows
// missing a key come last either way, and ties keep their order.
//
//	sort packetsTransferred desc, srcAddr
//
// A sort that a limit follows (or the end of the query, which the result
// limit bounds) keeps only that many rows, in a heap; otherwise it keeps
// every row up to RunOptions.MaxRows. An implicit sort, newest first,
// stands before the first limit or dedup, and at the end, of a query
// without stats or sort.
type sortCmd struct {
	pos
	keys     []sortKey
	implicit bool
	cap      int // rows to keep: > 0 that many, 0 the result limit, -1 all
	// newest: the only key is the event's own @timestamp, descending (set
	// by compile).
	newest bool
}

type sortKey struct {
	e    node
	desc bool
}

func (p *parser) sortCmd() (command, error) {
	start := p.tok.start
	p.next()
	c := &sortCmd{}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, end := e.span()
		k := sortKey{e: e}
		switch {
		case p.isKeyword("desc"):
			k.desc, end = true, p.tok.end
			p.next()
		case p.isKeyword("asc"):
			end = p.tok.end
			p.next()
		}
		c.keys = append(c.keys, k)
		c.pos = pos{start, end}
		if p.tok.kind != tComma {
			return c, nil
		}
		p.next()
	}
}

type sortedRow struct {
	r    *row
	keys []Value
}

type sortStage struct {
	c       *sortCmd
	cap     int // > 0: keep the best cap rows; 0: keep all, up to max
	max     int
	rows    []sortedRow
	scratch []Value
	next    stage
}

func (c *sortCmd) newStage(_ *runEnv, o *RunOptions, next stage) stage {
	s := &sortStage{c: c, cap: c.cap, max: o.MaxRows, next: next}
	if c.cap == 0 {
		s.cap = o.Limit
	}
	if c.cap < 0 {
		s.cap = 0
	}
	return s
}

// compare orders a before b (negative), by the keys, then by arrival.
func (s *sortStage) compare(a, b *sortedRow) int {
	if s.c.implicit {
		at, as := a.r.orderKey()
		bt, bs := b.r.orderKey()
		switch {
		case at != bt:
			if at > bt {
				return -1
			}
			return 1
		case as != bs:
			if as > bs {
				return -1
			}
			return 1
		}
		return 0
	}
	for i, k := range s.c.keys {
		va, vb := a.keys[i], b.keys[i]
		switch {
		case va.k == kNull && vb.k == kNull:
			continue
		case va.k == kNull:
			return 1
		case vb.k == kNull:
			return -1
		}
		c := naturalCompare(va, vb)
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case a.r.arrival < b.r.arrival:
		return -1
	case a.r.arrival > b.r.arrival:
		return 1
	}
	return 0
}

func (s *sortStage) keysOf(r *row, dst []Value) []Value {
	dst = dst[:0]
	for _, k := range s.c.keys {
		dst = append(dst, k.e.eval(r))
	}
	return dst
}

func (s *sortStage) push(r *row) error {
	s.scratch = s.keysOf(r, s.scratch)
	if s.cap > 0 && len(s.rows) >= s.cap {
		cand := sortedRow{r: r, keys: s.scratch}
		if s.compare(&cand, &s.rows[0]) >= 0 {
			return nil
		}
		kept := r.retainInto(s.rows[0].r) // the worst row is dropped
		s.rows[0] = sortedRow{r: kept, keys: s.keysOf(kept, s.rows[0].keys)}
		heap.Fix((*sortHeap)(s), 0)
		return nil
	}
	if s.cap == 0 && len(s.rows) >= s.max {
		return &LimitError{Msg: "sort holds more rows than the row limit allows; add a limit after sort"}
	}
	kept := r.retain()
	sr := sortedRow{r: kept, keys: s.keysOf(kept, nil)}
	if s.cap > 0 {
		heap.Push((*sortHeap)(s), sr)
	} else {
		s.rows = append(s.rows, sr)
	}
	return nil
}

func (s *sortStage) sorted() []sortedRow {
	out := slices.Clone(s.rows)
	slices.SortFunc(out, func(a, b sortedRow) int { return s.compare(&a, &b) })
	return out
}

func (s *sortStage) finish() error {
	for _, sr := range s.sorted() {
		if err := s.next.push(sr.r); err != nil {
			return err
		}
	}
	s.rows = nil
	return s.next.finish()
}

func (s *sortStage) snapshot(next stage) error {
	for _, sr := range s.sorted() {
		if err := next.push(sr.r.copyRow()); err != nil {
			return err
		}
	}
	return nil
}

// sortHeap keeps the worst kept row at the root.
type sortHeap sortStage

func (h *sortHeap) Len() int           { return len(h.rows) }
func (h *sortHeap) Less(i, j int) bool { return (*sortStage)(h).compare(&h.rows[i], &h.rows[j]) > 0 }
func (h *sortHeap) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *sortHeap) Push(x any)         { h.rows = append(h.rows, x.(sortedRow)) }
func (h *sortHeap) Pop() any {
	x := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return x
}

// full reports whether the sort keeps as many rows as it may.
func (s *sortStage) full() bool { return s.cap > 0 && len(s.rows) >= s.cap }

// beats reports whether an event with key (ts, seq), added after every
// row the sort holds, would be kept instead of its worst row, in a sort by
// the event's time, newest first (implicit, or newest). Later events tie
// on @timestamp in their favour: in a newest-first run they have the
// earlier arrival (see RunOptions.NewestFirst).
func (s *sortStage) beats(ts int64, seq uint64) bool {
	wt, ws := s.rows[0].r.orderKey()
	if s.c.implicit {
		return ts > wt || (ts == wt && seq > ws)
	}
	return ts >= wt
}
