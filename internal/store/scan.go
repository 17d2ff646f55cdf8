package store

import (
	"context"

	"github.com/logpond/logpond/internal/store/segment"
)

// ScanQuery selects the events of a Scan.
type ScanQuery struct {
	Range       TimeRange
	StreamNames []string // exact names; nil means all (or by Prefix)
	Prefix      string
	// Terms are substrings that every event the caller wants contains
	// literally (no escaped form): segments skip blocks whose bloom filter
	// rules one out, and events whose template does (segment.Query.Need).
	// The other events are given to the caller, which still checks them.
	Terms []string
	// TermsUnlessEscaped are substrings that every event the caller wants
	// contains unless its message has a backslash (query.Insights'
	// RequiredTerms); when there are no Terms, segments skip the events
	// whose templates show they have neither.
	TermsUnlessEscaped []string
	// Backward scans newest first (descending Key).
	Backward bool
	// NoMessages says that the caller needs no messages, only their sizes:
	// events read from segments may come with an empty Message (their
	// blocks are then read without decompressing text), and
	// FilteredEvent.Size still counts their bytes.
	NoMessages bool
	// JSONOnly says that the caller reads messages only when they are JSON
	// objects (the first byte that is not JSON white space is '{'):
	// events read from segments whose messages are not may come with an
	// empty Message (their text is then not rebuilt), and
	// FilteredEvent.Size still counts their bytes.
	JSONOnly bool
	// JSONFields, with JSONOnly, are the top-level JSON keys the caller
	// reads (query.Insights.JSONFields): a JSON message from a segment
	// may then come as its projection onto them (segment.Query.JSONFields).
	// FilteredEvent.Size is still the length of the whole message.
	JSONFields []string
	// Skipped, with JSONOnly in a forward scan, is given the events from segments that
	// JSONOnly left without messages instead of fn: their count, bytes and
	// smallest Key (segment.Skipped). It is called on fn's goroutine, before
	// fn is given any event after them, and what it reports comes after
	// every event fn was given before. Other
	// events (head events, and those of cached blocks) still go to fn. A
	// caller that gets the same result from an event without a message
	// whatever its place (query.Run.AddBlanks) saves their passage.
	Skipped func(Skipped)
	// Batch, in a forward scan with NoMessages, or with JSONOnly and
	// JSONFields, is given the events of segment blocks that
	// lie wholly within the range by the batch (segment.Batch) instead of
	// fn: with NoMessages all their events, with JSONFields those whose
	// values of the fields a batch holds (the others still go to fn). It
	// is called on fn's goroutine, in no particular order with the events
	// fn is given: for callers whose result does not depend on the order
	// of events (query.Run.AddBatch). The batch is valid only during the
	// call; returning false ends the scan.
	Batch func(*ScanBatch) bool
	// Passed, with Terms or TermsUnlessEscaped, is given the number and
	// bytes of the segment events that the terms ruled out without their
	// messages being rebuilt (bloom filters, templates), which fn is not
	// given: a caller that counts the events it scanned counts these too.
	// It is called on fn's goroutine.
	Passed func(events, bytes int64)
}

// ScanBatch is events of one stream a scan hands over together
// (ScanQuery.Batch).
type ScanBatch struct {
	*segment.Batch
	Stream string // the log stream's name
}

// Skipped counts events a scan passed over (ScanQuery.Skipped).
type Skipped = segment.Skipped

// Scan calls fn for every event of the group within r, in ascending Key
// order across its streams, until fn returns false or ctx ends. Streams are
// selected as in FilterLogEvents (names, prefix or all). It is the
// building block of analytical queries: the caller sees each event once
// and keeps only what it needs.
//
// fn is called without locks held; the FilteredEvent is valid only during
// the call (its Message stays valid: it may be kept).
func (s *Store) Scan(ctx context.Context, sc Scope, groupName string, r TimeRange, streamNames []string, prefix string, fn func(*FilteredEvent) bool) error {
	return s.ScanQuery(ctx, sc, groupName, ScanQuery{Range: r, StreamNames: streamNames, Prefix: prefix}, fn)
}

// ScanQuery is Scan with the options of q. It streams over one consistent
// view of the group (its heads and segments as they were when it started),
// so it sees each event once however long it runs; the segments of that
// view stay open until it returns. Events set FilteredEvent.Size.
func (s *Store) ScanQuery(ctx context.Context, sc Scope, groupName string, q ScanQuery, fn func(*FilteredEvent) bool) error {
	gr, err := s.openGroupRead(sc, groupName, q.StreamNames, q.Prefix)
	if err != nil {
		return err
	}
	defer gr.close()
	lo, hi := q.Range.window(gr.cutoff, nil, q.Backward)
	rc := s.newReadCtx()
	rc.terms, rc.need, rc.noMessages, rc.jsonOnly, rc.jsonFields = checkableTerms(q.Terms), q.Terms, q.NoMessages, q.JSONOnly, q.JSONFields
	if len(q.Terms) == 0 {
		rc.need, rc.needOrBackslash = q.TermsUnlessEscaped, true
	}
	// Cursors' ranges are timestamps; the window must be too, for what
	// they skip, pass over or batch to lie within it (it always is here:
	// no continuation key).
	inRange := lo.Seq == 0 && (hi.Seq == 0 || hi.Timestamp == maxTimestamp)
	rc.skipJSONOnly = q.JSONOnly && q.Skipped != nil && !q.Backward && inRange
	rc.countPassed = q.Passed != nil && inRange
	if q.Batch != nil && !q.Backward && inRange && (q.NoMessages || q.JSONOnly && q.JSONFields != nil) {
		n := 0
		var sb ScanBatch
		rc.batch = func(b *segment.Batch, st *stream) bool {
			if n += b.Len(); n >= 4096 {
				n = 0
				if ctx.Err() != nil {
					return false
				}
			}
			sb.Batch, sb.Stream = b, st.meta.Name
			return q.Batch(&sb)
		}
	}
	defer rc.scanning()()
	// report hands over what the cursors skipped and passed over so far.
	report := func() {
		if rc.skipped.Events > 0 {
			q.Skipped(rc.skipped)
			rc.skipped = Skipped{}
		}
		if rc.passed.Events > 0 {
			q.Passed(rc.passed.Events, rc.passed.Bytes)
			rc.passed = segment.Passed{}
		}
	}
	var fe FilteredEvent
	n := 0
	gr.merge(rc, lo, hi, q.Backward, func(e *Event, size int, st *stream) bool {
		if n++; n%4096 == 0 && ctx.Err() != nil || rc.stopped {
			return false
		}
		if rc.skipped.Events > 0 || rc.passed.Events > 0 {
			report()
		}
		fe.Event, fe.Size = *e, size
		if fe.StreamID != st.meta.ID || fe.Stream != st.meta.Name {
			fe.Stream, fe.StreamID = st.meta.Name, st.meta.ID
		}
		return fn(&fe)
	})
	report()
	return ctx.Err()
}

// GetEvent returns one event of a stream by its key (Logs Insights' @ptr
// and GetLogRecord).
func (s *Store) GetEvent(sc Scope, groupName, streamName string, k Key) (Event, error) {
	res, err := s.GetLogEvents(sc, groupName, streamName, GetQuery{
		Range: TimeRange{Start: k.Timestamp, End: k.Timestamp + 1}, Limit: MaxBatchEvents,
	})
	if err != nil {
		return Event{}, err
	}
	for _, e := range res.Events {
		if e.Seq == k.Seq {
			return e, nil
		}
	}
	return Event{}, ErrEventNotFound
}

// TimeSpan returns the timestamps of the oldest and newest events of a
// group's streams (head and segments, before retention is applied); ok is
// false when the group has no events. Logs Insights splits scans by it.
func (s *Store) TimeSpan(sc Scope, groupName string) (first, last int64, ok bool, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		return 0, 0, false, err
	}
	for _, st := range g.streams {
		d := st.snapshot()
		if d.FirstEventTimestamp == 0 && d.LastEventTimestamp == 0 && d.StoredBytes == 0 {
			continue
		}
		if !ok {
			first, last, ok = d.FirstEventTimestamp, d.LastEventTimestamp, true
			continue
		}
		first, last = min(first, d.FirstEventTimestamp), max(last, d.LastEventTimestamp)
	}
	return first, last, ok, nil
}
