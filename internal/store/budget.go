package store

import "strings"

// Bounded read memory. A read merges a cursor per stream and segment, and
// each holds the block it is in (and those it reads ahead): a log group
// with thousands of streams in the read's range would hold thousands of
// blocks. readMemory keeps the sources holding blocks in a ring, with what
// each holds (segment.Cursor.HeldBytes, measured again when the cursor
// loads a block). Past Options.ReadMemory, it releases the blocks of
// sources not used lately, chosen by the clock algorithm: a source is
// marked whenever it is advanced, and a hand goes round the ring clearing
// marks and releasing the first unmarked source it finds. A released
// source keeps only its current event, its message copied, and its cursor
// decodes its block again when the merge comes back to it. A read over
// few streams never releases anything; one that alternates among more
// streams than the budget holds blocks of decodes some blocks more than
// once: time instead of memory. Marking costs the merge one store per
// event.

// readMemory accounts the blocks one read's segment cursors hold.
type readMemory struct {
	budget     int64      // 0: unbounded
	held, peak int64      // peak: the most held after a source was used
	most       int64      // the most one source held
	hand       *segSource // in the ring of sources holding blocks; nil when empty
	releases   int        // sources made to release their blocks
	reloads    int        // blocks decoded again after that
}

func (s *Store) newReadCtx() *readCtx {
	return &readCtx{s: s, mem: readMemory{budget: s.opts.ReadMemory}}
}

// used notes that x, just advanced (and marked), loaded a block or ended:
// what it holds is measured again, and sources release theirs while the
// read holds more than its budget.
func (m *readMemory) used(x *segSource) {
	if !x.ok { // at its end (of the window, if not of the cursor): it needs nothing more
		x.c.Release()
		m.forget(x)
		return
	}
	st := x.c.Stats()
	x.loads = st.BlocksRead
	m.reloads += st.Reloads - x.reloads
	x.reloads = st.Reloads
	h := x.c.HeldBytes()
	m.held += h - x.held
	x.held = h
	m.most = max(m.most, h)
	if !x.listed && h > 0 {
		m.insert(x)
	}
	for m.held > m.budget && m.hand != nil {
		y := m.hand
		m.hand = y.next
		if y == x && y.next == x {
			break // the only one, in use
		}
		if y == x || y.marked {
			y.marked = false
			continue
		}
		m.release(y)
	}
	m.peak = max(m.peak, m.held)
}

// release makes y drop its blocks, keeping a copy of its current message.
func (m *readMemory) release(y *segSource) {
	if y.ok {
		y.ev.Message = strings.Clone(y.ev.Message)
	}
	y.c.Release()
	m.forget(y)
	m.releases++
	y.rc.s.metrics.readReleases.Inc()
}

// insert puts x in the ring, just behind the hand (the last it reaches).
func (m *readMemory) insert(x *segSource) {
	x.listed = true
	if m.hand == nil {
		x.prev, x.next, m.hand = x, x, x
		return
	}
	x.prev, x.next = m.hand.prev, m.hand
	x.prev.next, m.hand.prev = x, x
}

// forget takes x, which holds nothing now, out of the accounts and the ring.
func (m *readMemory) forget(x *segSource) {
	m.held -= x.held
	x.held = 0
	if !x.listed {
		return
	}
	if x.next == x {
		m.hand = nil
	} else {
		x.prev.next, x.next.prev = x.next, x.prev
		if m.hand == x {
			m.hand = x.next
		}
	}
	x.prev, x.next, x.listed = nil, nil, false
}

// testReadEnded, set by tests, is given each scan's accounting when it
// ends (readCtx.scanning).
var testReadEnded func(*readMemory)
