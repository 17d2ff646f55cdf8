package store

import (
	"sync"
	"sync/atomic"
)

// Batch is what a tap sees of one accepted PutLogEvents: the events as
// stored, after they became durable and readable. Taps must treat it as
// read-only.
type Batch struct {
	Scope  Scope
	Group  string
	Stream string
	Events []Event
}

// Tap receives every accepted batch of the store (live tail; later metric
// and subscription filters). It is called synchronously on the ingest path
// by the goroutine that stored the batch, so it must not block or call into
// the store: copy what you need and return.
type Tap func(*Batch)

// taps is the set of installed taps, replaced copy-on-write so that the
// ingest path reads it with one atomic load.
type taps struct {
	mu   sync.Mutex // serialises changes
	list atomic.Pointer[[]*Tap]
}

// AddTap installs fn and returns the function that removes it.
func (s *Store) AddTap(fn Tap) (remove func()) {
	t := &s.taps
	p := &fn
	t.mu.Lock()
	defer t.mu.Unlock()
	var cur []*Tap
	if l := t.list.Load(); l != nil {
		cur = *l
	}
	next := append(append([]*Tap(nil), cur...), p)
	t.list.Store(&next)
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		var kept []*Tap
		for _, q := range *t.list.Load() {
			if q != p {
				kept = append(kept, q)
			}
		}
		t.list.Store(&kept)
	}
}

// publish hands a stored batch to every tap.
func (s *Store) publish(b *Batch) {
	l := s.taps.list.Load()
	if l == nil {
		return
	}
	for _, fn := range *l {
		(*fn)(b)
	}
}
