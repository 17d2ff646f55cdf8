package ship

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors of Add and Flush.
var (
	ErrClosed   = errors.New("ship: queue closed")
	ErrTooLarge = errors.New("ship: event larger than the queue's buffer")
)

// QueueOptions configure a Queue.
type QueueOptions struct {
	// MaxBufferBytes bounds the events waiting to be sent, counted as the
	// API counts them. One more buffer of this size may be in flight.
	// Default 8 MiB; at most 1 GiB.
	MaxBufferBytes int
	// FlushInterval is the longest an event waits before its send starts,
	// unless a send is already in progress. Default 5s.
	FlushInterval time.Duration
	// OnError, if set, is called with every error of a send, from the
	// Queue's goroutine; it must return promptly and must not call Flush
	// or Close. The events of a failed send are counted in Stats.Failed
	// and dropped.
	OnError func(error)
	// Context, if set, gives its values to the contexts of the Queue's
	// API calls (a logging handler marks its own calls this way); its
	// cancellation is ignored: Close ends the Queue.
	Context context.Context
}

func (o *QueueOptions) defaults() {
	if o.MaxBufferBytes == 0 {
		o.MaxBufferBytes = 8 << 20
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = 5 * time.Second
	}
}

func (o *QueueOptions) validate(s *Sender) error {
	switch {
	case o.MaxBufferBytes < s.o.MaxEventBytes+EventOverhead || o.MaxBufferBytes > 1<<30:
		return fmt.Errorf("ship: MaxBufferBytes %d is outside %d..%d", o.MaxBufferBytes, s.o.MaxEventBytes+EventOverhead, 1<<30)
	case o.FlushInterval < 0:
		return fmt.Errorf("ship: negative FlushInterval %v", o.FlushInterval)
	}
	return nil
}

// Queue buffers events from any number of goroutines and sends them to a
// Sender's stream from one goroutine of its own. The buffer is bounded:
// TryAdd drops and counts what does not fit, Add waits for room. A send
// starts when the buffer holds a batch's worth, when FlushInterval has
// passed, on Flush and on Close. Events keep the order in which they were
// added within each send (the Sender sorts by timestamp, stably).
//
// Add, TryAdd, Flush and Stats may be called concurrently. Close stops the
// goroutine after a last send; after it, Add and TryAdd refuse events.
type Queue struct {
	s       *Sender
	o       QueueOptions
	trigger int // buffer size at which the goroutine is woken

	mu     sync.Mutex // guards buf, closed, space and added
	buf    *arena
	closed bool
	space  chan struct{} // closed (and replaced) when the buffer is taken
	added  Stats         // Split, Truncated, Empty, Dropped

	statsMu sync.Mutex // guards sent
	sent    Stats      // what the goroutine's sends did

	kick      chan struct{}   // capacity 1: the buffer is worth a send
	flushReq  chan chan error // Flush asks the goroutine for a send
	stop      chan struct{}   // closed by Close
	done      chan struct{}   // closed when the goroutine has returned
	cancel    context.CancelFunc
	closeOnce sync.Once
	closeErr  error // the last send's error; written by the goroutine before done
}

// arena holds buffered events: their messages back to back in data.
type arena struct {
	data []byte
	ents []entry
	size int // as the API counts: len(data) + EventOverhead per entry
}

type entry struct {
	ts     int64
	off, n int32
}

func (a *arena) reset() {
	a.data, a.ents, a.size = a.data[:0], a.ents[:0], 0
}

// NewQueue starts a Queue that sends through s.
func NewQueue(s *Sender, o QueueOptions) (*Queue, error) {
	o.defaults()
	if err := o.validate(s); err != nil {
		return nil, err
	}
	base := o.Context
	if base == nil {
		base = context.Background()
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(base))
	q := &Queue{
		s:        s,
		o:        o,
		trigger:  min(s.o.MaxBatchBytes, o.MaxBufferBytes/2),
		buf:      &arena{},
		space:    make(chan struct{}),
		kick:     make(chan struct{}, 1),
		flushReq: make(chan chan error),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		cancel:   cancel,
	}
	go q.run(ctx)
	return q, nil
}

// TryAdd adds an event without waiting and reports whether it was taken;
// an event that does not fit the buffer, or comes after Close, is dropped
// and counted. msg is copied; the caller may reuse it.
func (q *Queue) TryAdd(ts int64, msg []byte) bool {
	ok, _, _ := q.add(ts, msg, false, false)
	return ok
}

// TryAddValid is TryAdd for a message the caller has made sure is valid
// UTF-8 (an encoder that writes nothing else): it skips that check.
func (q *Queue) TryAddValid(ts int64, msg []byte) bool {
	ok, _, _ := q.add(ts, msg, false, true)
	return ok
}

// Add adds an event, waiting while the buffer is full. It returns ctx's
// error if ctx ends first and ErrClosed after Close. msg is copied.
func (q *Queue) Add(ctx context.Context, ts int64, msg []byte) error {
	for {
		ok, space, err := q.add(ts, msg, true, false)
		if ok || err != nil {
			return err
		}
		select {
		case <-space:
		case <-q.stop:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// add appends the event's pieces if all fit. When they do not and wait is
// set, it returns the channel that is closed when room is made instead of
// counting a drop; an event that can never fit, or one after Close, is
// refused with an error. valid says msg is known to be valid UTF-8.
func (q *Queue) add(ts int64, msg []byte, wait, valid bool) (bool, chan struct{}, error) {
	var pieces []Event
	var fixed Stats
	need := len(msg) + EventOverhead
	simple := len(msg) > 0 && len(msg) <= q.s.o.MaxEventBytes && (valid || utf8.Valid(msg))
	if !simple {
		pieces = q.s.fit.fit(nil, ts, string(msg), &fixed)
		need = 0
		for i := range pieces {
			need += eventSize(&pieces[i])
		}
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.added.Dropped++
		return false, nil, ErrClosed
	}
	if need > q.o.MaxBufferBytes {
		q.added.Dropped++
		return false, nil, ErrTooLarge
	}
	b := q.buf
	if b.size+need > q.o.MaxBufferBytes {
		if wait {
			q.wakeLocked()
			return false, q.space, nil
		}
		q.added.Dropped++
		return false, nil, nil
	}
	q.added.add(fixed)
	if simple {
		b.ents = append(b.ents, entry{ts: ts, off: int32(len(b.data)), n: int32(len(msg))})
		b.data = append(b.data, msg...)
	} else {
		for _, p := range pieces {
			b.ents = append(b.ents, entry{ts: p.Timestamp, off: int32(len(b.data)), n: int32(len(p.Message))})
			b.data = append(b.data, p.Message...)
		}
	}
	b.size += need
	if b.size >= q.trigger || len(b.ents) >= q.s.o.MaxBatchEvents {
		q.wakeLocked()
	}
	return true, nil, nil
}

// wakeLocked wakes the goroutine for a send, if it is not already woken.
func (q *Queue) wakeLocked() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// Flush sends everything added before the call and returns the first
// error of that send, or ctx's error if ctx ends first (the send goes on).
func (q *Queue) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case q.flushReq <- reply:
	case <-q.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close refuses further events, sends what is buffered and stops the
// goroutine. If ctx ends first, the send in progress is cancelled, its
// events counted as failed, and Close returns once the goroutine has
// stopped. It returns the last send's error. Calling Close again waits
// for the first call's outcome.
func (q *Queue) Close(ctx context.Context) error {
	q.closeOnce.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		close(q.stop)
	})
	select {
	case <-q.done:
	case <-ctx.Done():
		q.cancel()
		<-q.done
	}
	return q.closeErr
}

// Stats returns what the Queue has done so far.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	st := q.added
	q.mu.Unlock()
	q.statsMu.Lock()
	st.add(q.sent)
	q.statsMu.Unlock()
	return st
}

// run is the Queue's goroutine: it owns the arena being sent and ends
// after the send that follows Close.
func (q *Queue) run(ctx context.Context) {
	defer close(q.done)
	defer q.cancel()
	var w sendState
	t := time.NewTicker(q.o.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			q.send(ctx, &w)
		case <-q.kick:
			q.send(ctx, &w)
		case reply := <-q.flushReq:
			reply <- q.send(ctx, &w)
		case <-q.stop:
			q.closeErr = q.send(ctx, &w)
			return
		}
	}
}

// sendState is what the goroutine keeps between sends.
type sendState struct {
	spare *arena
	evs   []Event
}

// send takes the buffer and sends it.
func (q *Queue) send(ctx context.Context, w *sendState) error {
	if w.spare == nil {
		w.spare = &arena{}
	}
	q.mu.Lock()
	b := q.buf
	q.buf = w.spare
	close(q.space)
	q.space = make(chan struct{})
	q.mu.Unlock()
	w.spare = b
	defer b.reset()
	if len(b.ents) == 0 {
		return nil
	}

	data := string(b.data) // one copy for all messages; the arena is reused
	w.evs = w.evs[:0]
	for _, e := range b.ents {
		w.evs = append(w.evs, Event{Timestamp: e.ts, Message: data[e.off : e.off+e.n]})
	}
	st, err := q.s.Send(ctx, w.evs)
	clear(w.evs) // let the messages go
	q.statsMu.Lock()
	q.sent.add(st)
	q.statsMu.Unlock()
	if err != nil && q.o.OnError != nil {
		q.o.OnError(err)
	}
	return err
}
