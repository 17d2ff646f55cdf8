package ship

import (
	"context"
	"errors"
	"fmt"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Options configure a Sender. The zero value of every field but API,
// Group and Stream is a usable default.
type Options struct {
	API    API    // required
	Group  string // required: the log group's name
	Stream string // required: the log stream's name

	// CreateStream creates the stream when PutLogEvents answers
	// ResourceNotFoundException, and CreateGroup creates the group too
	// when CreateLogStream answers that the group is missing. An
	// "already exists" answer counts as success (another writer won).
	CreateStream bool
	CreateGroup  bool

	// Batch limits, at most (and by default) the API's.
	MaxBatchEvents int // default MaxBatchEvents
	MaxBatchBytes  int // default MaxBatchBytes
	MaxEventBytes  int // bound of one message; default DefaultMaxEventBytes, at most MaxEventBytes
	// Oversize is what happens to a longer message; default Split.
	Oversize Oversize
	// TruncateMarker ends a truncated message; default DefaultTruncateMarker.
	TruncateMarker string
	// ValidUTF8 promises that every message given to Send is valid UTF-8
	// (the agent's pipeline makes it so before it cuts batches), and Send
	// does not check that again; it still checks that messages are not
	// empty and not too long. Invalid UTF-8 given anyway is still sent as
	// U+FFFD, but a call may then exceed MaxBatchBytes.
	ValidUTF8 bool

	Retry Retry
}

func (o *Options) defaults() {
	if o.MaxBatchEvents == 0 {
		o.MaxBatchEvents = MaxBatchEvents
	}
	if o.MaxBatchBytes == 0 {
		o.MaxBatchBytes = MaxBatchBytes
	}
	if o.MaxEventBytes == 0 {
		o.MaxEventBytes = min(DefaultMaxEventBytes, o.MaxBatchBytes-EventOverhead)
	}
	if o.TruncateMarker == "" {
		o.TruncateMarker = DefaultTruncateMarker
	}
	o.Retry.defaults()
}

func (o *Options) validate() error {
	switch {
	case o.API == nil:
		return errors.New("ship: no API client")
	case o.Group == "":
		return errors.New("ship: no log group")
	case o.Stream == "":
		return errors.New("ship: no log stream")
	case o.MaxBatchEvents < 1 || o.MaxBatchEvents > MaxBatchEvents:
		return fmt.Errorf("ship: MaxBatchEvents %d is outside 1..%d", o.MaxBatchEvents, MaxBatchEvents)
	case o.MaxBatchBytes < 64 || o.MaxBatchBytes > MaxBatchBytes:
		return fmt.Errorf("ship: MaxBatchBytes %d is outside 64..%d", o.MaxBatchBytes, MaxBatchBytes)
	case o.MaxEventBytes > MaxEventBytes || o.MaxEventBytes+EventOverhead > o.MaxBatchBytes:
		return fmt.Errorf("ship: MaxEventBytes %d exceeds %d or MaxBatchBytes-%d", o.MaxEventBytes, MaxEventBytes, EventOverhead)
	case o.MaxEventBytes < 4 || o.Oversize == Truncate && o.MaxEventBytes < len(o.TruncateMarker)+4:
		// 4 bytes hold any character, so cuts fall on character boundaries
		return fmt.Errorf("ship: MaxEventBytes %d leaves no room for a character beside the truncate marker", o.MaxEventBytes)
	case o.Oversize != Split && o.Oversize != Truncate:
		return fmt.Errorf("ship: unknown Oversize %d", o.Oversize)
	}
	return o.Retry.validate()
}

// Sender sends events to one log stream, synchronously. It is safe for
// concurrent use; it keeps no state between calls.
type Sender struct {
	o   Options
	fit fitter
	lim batchLimits
}

// NewSender checks o and returns a Sender.
func NewSender(o Options) (*Sender, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Sender{
		o:   o,
		fit: fitter{maxEvent: o.MaxEventBytes, oversize: o.Oversize, marker: o.TruncateMarker, valid: o.ValidUTF8},
		lim: batchLimits{events: o.MaxBatchEvents, bytes: o.MaxBatchBytes, span: MaxBatchSpanMillis},
	}, nil
}

// Send puts evs into the stream in as few PutLogEvents calls as the limits
// allow, in timestamp order (equal timestamps keep their order). It may
// reorder evs. It returns what it did; on error, Failed counts the events
// not sent, and the error is an *Error or the context's error.
func (s *Sender) Send(ctx context.Context, evs []Event) (Stats, error) {
	var st Stats
	evs = s.prepare(evs, &st)
	sortEvents(evs)
	ins := make([]types.InputLogEvent, 0, min(len(evs), s.lim.events))
	sent := 0
	for b := range batches(evs, s.lim) {
		ins = ins[:0]
		for i := range b {
			ins = append(ins, types.InputLogEvent{Timestamp: &b[i].Timestamp, Message: &b[i].Message})
		}
		if err := s.put(ctx, b, ins, &st); err != nil {
			st.Failed += int64(len(evs) - sent)
			return st, err
		}
		sent += len(b)
	}
	return st, nil
}

// prepare returns evs, or a copy with every message made acceptable.
func (s *Sender) prepare(evs []Event, st *Stats) []Event {
	i := 0
	for i < len(evs) && s.fit.fits(evs[i].Message) {
		i++
	}
	if i == len(evs) {
		return evs
	}
	out := append(make([]Event, 0, len(evs)+8), evs[:i]...)
	for _, e := range evs[i:] {
		out = s.fit.fit(out, e.Timestamp, e.Message, st)
	}
	return out
}

// put sends one batch, creating the stream (and group) once if allowed.
func (s *Sender) put(ctx context.Context, b []Event, ins []types.InputLogEvent, st *Stats) error {
	in := &cwl.PutLogEventsInput{LogGroupName: &s.o.Group, LogStreamName: &s.o.Stream, LogEvents: ins}
	var out *cwl.PutLogEventsOutput
	call := func(ctx context.Context) (err error) {
		out, err = s.o.API.PutLogEvents(ctx, in)
		return err
	}
	err := s.do(ctx, "PutLogEvents", st, call)
	if s.o.CreateStream && isCode(err, "ResourceNotFoundException") {
		if err = s.ensureStream(ctx, st); err == nil {
			err = s.do(ctx, "PutLogEvents", st, call)
		}
	}
	if err != nil {
		return err
	}
	st.Batches++
	s.countAccepted(b, out.RejectedLogEventsInfo, st)
	return nil
}

// countAccepted counts the events of b the server stored and those it
// rejected for their timestamps.
func (s *Sender) countAccepted(b []Event, ri *types.RejectedLogEventsInfo, st *Stats) {
	lo, hi := 0, len(b)
	if ri != nil {
		idx := func(p *int32, def int) int {
			if p == nil {
				return def
			}
			return min(max(int(*p), 0), len(b))
		}
		tooOldEnd := idx(ri.TooOldLogEventEndIndex, 0)
		expiredEnd := max(idx(ri.ExpiredLogEventEndIndex, 0), tooOldEnd)
		hi = max(idx(ri.TooNewLogEventStartIndex, len(b)), expiredEnd)
		lo = expiredEnd
		st.TooOld += int64(tooOldEnd)
		st.Expired += int64(expiredEnd - tooOldEnd)
		st.TooNew += int64(len(b) - hi)
	}
	for i := lo; i < hi; i++ {
		st.Bytes += int64(eventSize(&b[i]))
	}
	st.Events += int64(hi - lo)
}

// EnsureStream creates the stream if it does not exist, and the group
// first if it does not exist and Options.CreateGroup is set. It needs the
// permission logs:CreateLogStream (and logs:CreateLogGroup), not
// logs:DescribeLogStreams.
func (s *Sender) EnsureStream(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.ensureStream(ctx, &st)
	return st, err
}

func (s *Sender) ensureStream(ctx context.Context, st *Stats) error {
	createStream := func(ctx context.Context) error {
		_, err := s.o.API.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &s.o.Group, LogStreamName: &s.o.Stream})
		return err
	}
	err := s.do(ctx, "CreateLogStream", st, createStream)
	if s.o.CreateGroup && isCode(err, "ResourceNotFoundException") {
		err = s.do(ctx, "CreateLogGroup", st, func(ctx context.Context) error {
			_, err := s.o.API.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &s.o.Group})
			return err
		})
		if err == nil || isCode(err, "ResourceAlreadyExistsException") {
			err = s.do(ctx, "CreateLogStream", st, createStream)
		}
	}
	if isCode(err, "ResourceAlreadyExistsException") {
		return nil
	}
	return err
}

// do makes one API call with retries. The error is an *Error, or ctx's
// error when ctx ended.
func (s *Sender) do(ctx context.Context, op string, st *Stats, call func(context.Context) error) error {
	r := &s.o.Retry
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, r.CallTimeout)
		err := call(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s/%s: %w", op, s.o.Group, s.o.Stream, context.Cause(ctx))
		}
		o := classify(err)
		if !o.retryable || attempt >= r.MaxAttempts {
			return &Error{Op: op, Group: s.o.Group, Stream: s.o.Stream, Code: o.code, Message: o.message, Status: o.status, Attempts: attempt, Err: err}
		}
		st.Retries++
		if err := sleep(ctx, r.backoff(attempt)); err != nil {
			return fmt.Errorf("%s %s/%s: %w", op, s.o.Group, s.o.Stream, context.Cause(ctx))
		}
	}
}

// isCode reports whether err is an *Error with that exception name.
func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
