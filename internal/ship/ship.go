// Package ship is the client side of PutLogEvents, shared by the agent,
// logpond report and the slog handler: it cuts events into batches that
// satisfy every PutLogEvents limit, sends them with retries (exponential
// backoff with full jitter on throttling, 5xx and network errors), creates
// the log group and stream when asked to, and counts what the server
// rejected.
//
// A Sender sends a slice of events synchronously. A Queue buffers events
// from any number of goroutines in a bounded buffer and sends them from one
// goroutine of its own, on a size threshold, on a flush interval, on Flush
// and on Close.
//
// Both talk to the service through the API interface, which
// *cloudwatchlogs.Client satisfies, so the same code works against logpond
// and against Amazon CloudWatch Logs; NewClient builds such a client from
// the standard AWS configuration chain plus an optional endpoint.
package ship

import (
	"context"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// Limits of PutLogEvents, as CloudWatch Logs documents them.
const (
	// MaxBatchEvents is the most events one PutLogEvents call may carry.
	MaxBatchEvents = 10_000
	// MaxBatchBytes bounds a call's size: the sum of its messages' UTF-8
	// bytes plus EventOverhead per event.
	MaxBatchBytes = 1_048_576
	// EventOverhead is what every event adds to a batch's size.
	EventOverhead = 26
	// MaxBatchSpanMillis is the widest a call's timestamps may spread.
	MaxBatchSpanMillis = 24 * 3_600_000

	// DefaultMaxEventBytes is the default bound of one event's message:
	// 256 KiB including the overhead, the limit every CloudWatch Logs
	// endpoint has accepted. AWS raised the limit to 1 MiB in 2025; set
	// Options.MaxEventBytes up to MaxEventBytes to use it.
	DefaultMaxEventBytes = 262_144 - EventOverhead
	// MaxEventBytes is the largest message an event may have anywhere.
	MaxEventBytes = 1_048_576 - EventOverhead
)

// API is the part of the CloudWatch Logs client that ship uses.
// *cloudwatchlogs.Client implements it. Implementations must be safe for
// concurrent use.
type API interface {
	PutLogEvents(ctx context.Context, in *cwl.PutLogEventsInput, optFns ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error)
	CreateLogStream(ctx context.Context, in *cwl.CreateLogStreamInput, optFns ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error)
	CreateLogGroup(ctx context.Context, in *cwl.CreateLogGroupInput, optFns ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error)
}

// Event is one log event.
type Event struct {
	Timestamp int64 // milliseconds since the Unix epoch
	Message   string
}

// Stats counts what a Send, a Sender's caller or a Queue did with events.
// Sizes count as PutLogEvents does: UTF-8 bytes plus EventOverhead.
type Stats struct {
	Events  int64 // events the server stored
	Bytes   int64 // their size
	Batches int64 // successful PutLogEvents calls
	Retries int64 // calls repeated after throttling, 5xx or network errors

	// Rejected by the server (PutLogEvents' rejectedLogEventsInfo).
	TooOld  int64 // older than 14 days
	TooNew  int64 // more than 2 hours in the future
	Expired int64 // older than the group's retention

	Failed    int64 // events of batches given up on after an error
	Split     int64 // oversize messages split into several events
	Truncated int64 // oversize messages truncated
	Empty     int64 // empty messages skipped (the API refuses them)
	Dropped   int64 // Queue only: events refused because the buffer was full or closed
}

// add adds o's counts to s.
func (s *Stats) add(o Stats) {
	s.Events += o.Events
	s.Bytes += o.Bytes
	s.Batches += o.Batches
	s.Retries += o.Retries
	s.TooOld += o.TooOld
	s.TooNew += o.TooNew
	s.Expired += o.Expired
	s.Failed += o.Failed
	s.Split += o.Split
	s.Truncated += o.Truncated
	s.Empty += o.Empty
	s.Dropped += o.Dropped
}
