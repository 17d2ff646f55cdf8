package store

import (
	"errors"
	"sync"
	"time"
)

// Backpressure: the head is sealed when its messages reach HeadMaxBytes,
// but ingest goes on while a seal writes, and on two cores PutLogEvents
// can outrun the segment writer. So that memory stays bounded whatever
// the load, a PutLogEvents that finds the head at twice HeadMaxBytes waits
// for a seal to free it, at most HeadWait; then it fails with ErrBusy
// (ServiceUnavailableException, which clients retry) rather than grow the
// head without bound, for instance while seals keep failing.

// ErrBusy is returned when the head stayed full for HeadWait.
var ErrBusy = errors.New("the store's in-memory head is full and sealing has not freed it in time")

const defaultHeadWait = 30 * time.Second

// headRoom lets writers wait for a seal that frees head memory.
type headRoom struct {
	mu    sync.Mutex
	freed chan struct{} // closed and replaced when head bytes are freed
}

// wakeAll tells the waiting writers that head bytes were freed.
func (r *headRoom) wakeAll() {
	r.mu.Lock()
	if r.freed != nil {
		close(r.freed)
	}
	r.freed = make(chan struct{})
	r.mu.Unlock()
}

func (r *headRoom) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.freed == nil {
		r.freed = make(chan struct{})
	}
	return r.freed
}

// headLimit is the head size at which writers wait: 2×HeadMaxBytes, or
// none when sealing by size is off.
func (s *Store) headLimit() int64 {
	if s.opts.HeadMaxBytes <= 0 {
		return 0
	}
	return 2 * s.opts.HeadMaxBytes
}

// waitHeadRoom returns when the head is below its limit, ErrBusy after
// HeadWait, or ErrClosed when the store closes.
func (s *Store) waitHeadRoom() error {
	limit := s.headLimit()
	if limit == 0 || s.headBytes.Load() < limit {
		return nil
	}
	s.metrics.headWaits.Inc()
	timer := time.NewTimer(s.opts.HeadWait)
	defer timer.Stop()
	for {
		freed := s.room.wait()
		if s.headBytes.Load() < limit {
			return nil
		}
		s.kickSeal()
		select {
		case <-freed:
		case <-timer.C:
			s.metrics.headBusy.Inc()
			return ErrBusy
		case <-s.stop:
			return ErrClosed
		}
	}
}

// releaseHead gives back the head bytes of deleted streams and wakes
// waiting writers.
func (s *Store) releaseHead(sts ...*stream) {
	var n int64
	for _, st := range sts {
		st.mu.RLock()
		n += st.bytes
		st.mu.RUnlock()
	}
	s.headBytes.Add(-n)
	s.room.wakeAll()
}

// resyncHeadBytesLocked sets the head's byte count from the live streams
// and wakes waiting writers; Store.mu must be held. Run after each seal, it
// also corrects what a put into a stream deleted meanwhile added.
func (s *Store) resyncHeadBytesLocked() {
	var total int64
	for _, st := range s.streams {
		st.mu.RLock()
		total += st.bytes
		st.mu.RUnlock()
	}
	s.headBytes.Store(total)
	s.room.wakeAll()
}
