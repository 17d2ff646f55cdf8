package store

import (
	"fmt"
	"sync"
)

// Limits of PutLogEvents, as CloudWatch Logs documents them.
const (
	MaxBatchEvents   = 10_000
	MaxBatchBytes    = 1_048_576
	EventOverhead    = 26
	maxFuture        = 2 * 3_600_000   // events later than now+2h are too new
	maxPast          = 14 * 86_400_000 // events older than 14 days are too old
	maxBatchSpanMSec = 24 * 3_600_000  // accepted events may span at most 24h
)

// InputEvent is an event as a client sends it.
type InputEvent struct {
	Timestamp int64
	Message   string
}

// ParamError is input the store refuses with a reason for the client
// (CloudWatch's InvalidParameterException).
type ParamError struct{ Msg string }

func (e *ParamError) Error() string { return e.Msg }

// PutResult reports what PutLogEvents accepted. Index fields are -1 when
// unset; TooNewStart is inclusive, the end indexes exclusive.
type PutResult struct {
	TooNewStart int
	TooOldEnd   int
	ExpiredEnd  int
	Accepted    int
	LastSeq     uint64 // sequence number of the stream's newest event
}

var recordPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// PutLogEvents appends events to a stream. It returns after the accepted
// events are durable and visible to reads. Events must be in chronological
// order; events too far in the future or the past are skipped and reported.
func (s *Store) PutLogEvents(sc Scope, groupName, streamName string, in []InputEvent) (PutResult, error) {
	res := PutResult{TooNewStart: -1, TooOldEnd: -1, ExpiredEnd: -1}
	size := 0
	for i := range in {
		size += len(in[i].Message) + EventOverhead
		if i > 0 && in[i].Timestamp < in[i-1].Timestamp {
			return res, &ParamError{"Log events in a single PutLogEvents request must be in chronological order."}
		}
	}
	if len(in) > MaxBatchEvents {
		return res, &ParamError{fmt.Sprintf("Too many log events: %d exceeds the limit of %d", len(in), MaxBatchEvents)}
	}
	if size > MaxBatchBytes {
		return res, &ParamError{fmt.Sprintf("Upload too large: %d bytes exceeds limit of %d", size, MaxBatchBytes)}
	}

	s.mu.RLock()
	g, st, err := s.streamLocked(sc, groupName, streamName)
	var retention int32
	if g != nil {
		retention = g.meta.Retention
	}
	s.mu.RUnlock()
	if err != nil {
		return res, err
	}

	now := s.nowMillis()
	tooOld := now - maxPast
	expired := retentionCutoff(retention, now)
	tooNew := now + maxFuture
	lo, hi := 0, len(in)
	for lo < hi && in[lo].Timestamp < tooOld {
		lo++
	}
	if lo > 0 {
		res.TooOldEnd = lo
	}
	for e := lo; e < hi && in[e].Timestamp < expired; e++ {
		res.ExpiredEnd = e + 1
	}
	if res.ExpiredEnd > lo {
		lo = res.ExpiredEnd
	}
	for hi > lo && in[hi-1].Timestamp > tooNew {
		hi--
	}
	if hi < len(in) {
		res.TooNewStart = hi
	}
	accepted := in[lo:hi]
	if n := len(accepted); n > 1 && accepted[n-1].Timestamp-accepted[0].Timestamp > maxBatchSpanMSec {
		return res, &ParamError{"The batch of log events in a single PutLogEvents request cannot span more than 24 hours."}
	}
	if len(accepted) == 0 {
		res.LastSeq = st.lastSequence()
		s.metrics.put(res, len(in), 0)
		return res, nil
	}

	if err := s.waitHeadRoom(); err != nil {
		return res, err
	}
	evs := make([]Event, len(accepted))
	// The gate makes sequence assignment, WAL append and head insert one
	// step as seen by a seal (seal.go).
	s.gate.RLock()
	defer s.gate.RUnlock()
	last := s.seq.Add(uint64(len(accepted)))
	first := last - uint64(len(accepted)) + 1
	for i, e := range accepted {
		evs[i] = Event{Timestamp: e.Timestamp, Ingestion: now, Seq: first + uint64(i), Message: e.Message}
	}
	bp := recordPool.Get().(*[]byte)
	rec := appendEventsRecord((*bp)[:0], st.meta.ID, now, evs)
	err = s.wal.Append(rec)
	*bp = rec[:0]
	if cap(rec) <= 4<<20 {
		recordPool.Put(bp)
	}
	if err != nil {
		return res, fmt.Errorf("append to wal: %w", err)
	}
	st.insert(evs, now)
	bytes := 0
	for i := range accepted {
		bytes += len(accepted[i].Message)
	}
	if hb := s.headBytes.Add(int64(bytes)); s.opts.HeadMaxBytes > 0 && hb >= s.opts.HeadMaxBytes {
		s.kickSeal()
	}
	s.publish(&Batch{Scope: sc, Group: groupName, Stream: streamName, Events: evs})
	res.Accepted = len(evs)
	res.LastSeq = last
	s.metrics.put(res, len(in), bytes)
	return res, nil
}
