package agent

import (
	"context"
	"time"
)

// sink takes the events a source reads for one stream. push blocks while
// the stream is busy and returns ctx's error if ctx ends first; the sink
// owns the chunk after it returns nil. *pipeline implements it.
type sink interface {
	push(ctx context.Context, c chunk) error
}

// event is one log event on its way from a source to a stream.
type event struct {
	ts     int64   // Unix milliseconds
	msg    string  // UTF-8
	org    *origin // what acknowledging it advances; nil for nothing
	off    int64   // file sources: the offset after the event
	cursor string  // cursor sources: the position after the event
}

// chunk is events read together from one source, in order.
type chunk struct {
	evs []event
	at  time.Time // when they were read
	src *sourceStats
}

// originKind says how an origin's checkpoint is kept.
type originKind int

const (
	originNone   originKind = iota // nothing to checkpoint (stdin)
	originFile                     // a file identity and offset
	originCursor                   // a cursor string (journald, event log)
)

// origin names the checkpoint entry that an event's acknowledgement
// advances. It is immutable: a source makes a new one when the identity
// of a file changes (its fingerprint grew, it was found under a copy).
type origin struct {
	source string
	kind   originKind
	file   fileEntry // originFile: the identity (Offset unused)
	cursor string    // originCursor: the state key (default: source)
}

// key identifies the checkpoint entry.
type originKey struct {
	source string
	kind   originKind
	id     uint64
	cursor string
}

func (o *origin) key() originKey {
	return originKey{source: o.source, kind: o.kind, id: o.file.ID, cursor: o.cursor}
}

// update is the state change that acknowledging e makes.
func (o *origin) update(e *event, now time.Time) (update, bool) {
	switch o.kind {
	case originFile:
		f := o.file
		f.Offset, f.Seen = e.off, now.UTC().Truncate(time.Second)
		return update{kind: updFile, source: o.source, file: f}, true
	case originCursor:
		return update{kind: updCursor, source: o.cursor, cursor: e.cursor}, true
	}
	return update{}, false
}
