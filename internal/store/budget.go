package store

import "strings"

// Bounded read memory. A read merges a cursor per stream and segment, and
// each holds the block it is in (and those it reads ahead): a log group
// with thousands of streams in the read's range would hold thousands of
// blocks. readMemory keeps the sources holding blocks in a list, most
// recently used first, with what each holds (segment.Cursor.HeldBytes,
// measured again when the cursor loads a block). Past Options.ReadMemory,
// the sources at the end of the list release their blocks
// (segment.Cursor.Release) and keep only their current event, its message
// copied; such a cursor decodes its block again when the merge comes back
// to it. A read over few streams never releases anything; one that
// alternates among more streams than the budget holds blocks of decodes
// some blocks more than once: time instead of memory.

// readMemory accounts the blocks one read's segment cursors hold.
type readMemory struct {
	budget     int64 // 0: unbounded
	held, peak int64 // peak: the most held after a source was used
	most       int64 // the most one source held
	head, tail *segSource
	releases   int // sources made to release their blocks
	reloads    int // blocks decoded again after that
}

func (s *Store) newReadCtx() *readCtx {
	return &readCtx{s: s, mem: readMemory{budget: s.opts.ReadMemory}}
}

// used notes that x was just advanced (segSource.fill calls it unless x
// is at the front and loaded no block): it moves to the front of the
// list, what it holds is measured again when its cursor loaded a block,
// and the least recently used sources release theirs while the read holds
// more than its budget.
func (m *readMemory) used(x *segSource) {
	if !x.ok { // at its end (of the window, if not of the cursor): it needs nothing more
		x.c.Release()
		m.held -= x.held
		x.held = 0
		m.unlink(x)
		return
	}
	if st := x.c.Stats(); st.BlocksRead != x.loads {
		x.loads = st.BlocksRead
		m.reloads += st.Reloads - x.reloads
		x.reloads = st.Reloads
		h := x.c.HeldBytes()
		m.held += h - x.held
		x.held = h
		m.most = max(m.most, h)
	}
	if m.head != x {
		m.unlink(x)
		if x.held > 0 {
			x.next, x.listed = m.head, true
			if m.head != nil {
				m.head.prev = x
			}
			m.head = x
			if m.tail == nil {
				m.tail = x
			}
		}
	}
	for m.held > m.budget && m.tail != nil && m.tail != x {
		m.release(m.tail)
	}
	m.peak = max(m.peak, m.held)
}

// release makes y drop its blocks, keeping a copy of its current message.
func (m *readMemory) release(y *segSource) {
	if y.ok {
		y.ev.Message = strings.Clone(y.ev.Message)
	}
	y.c.Release()
	m.held -= y.held
	y.held = 0
	m.unlink(y)
	m.releases++
	y.rc.s.metrics.readReleases.Inc()
}

// testReadEnded, set by tests, is given each scan's accounting when it
// ends (readCtx.scanning).
var testReadEnded func(*readMemory)

func (m *readMemory) unlink(x *segSource) {
	if !x.listed {
		return
	}
	if x.prev != nil {
		x.prev.next = x.next
	} else {
		m.head = x.next
	}
	if x.next != nil {
		x.next.prev = x.prev
	} else {
		m.tail = x.prev
	}
	x.prev, x.next, x.listed = nil, nil, false
}
