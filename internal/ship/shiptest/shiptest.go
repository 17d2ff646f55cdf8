// Package shiptest helps test code that ships events: an HTTP wrapper that
// makes a server fail its first calls (throttling, 5xx, dropped
// connections), and an in-memory ship.API for tests that run in a
// testing/synctest bubble, where real sockets do not belong.
package shiptest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Fault describes the calls a Faulty handler fails.
type Fault struct {
	Op    string // operation, e.g. "PutLogEvents"; "" matches every call
	Count int    // how many matching calls fail, from the first
	// Status and Code make the answer: {"__type": Code, "message": Message}
	// with HTTP status Status. Status 0 drops the connection instead.
	Status  int
	Code    string
	Message string
}

// Throttle is the fault CloudWatch Logs answers when a caller is too fast.
func Throttle(op string, n int) Fault {
	return Fault{Op: op, Count: n, Status: http.StatusBadRequest, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// Faulty wraps an API handler and fails the first calls that match.
type Faulty struct {
	next   http.Handler
	fault  Fault
	seen   atomic.Int64 // matching calls so far
	failed atomic.Int64
}

// NewFaulty returns h wrapped with fault f.
func NewFaulty(h http.Handler, f Fault) *Faulty { return &Faulty{next: h, fault: f} }

// Failed is the number of calls failed so far.
func (f *Faulty) Failed() int { return int(f.failed.Load()) }

func (f *Faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	op = op[strings.LastIndexByte(op, '.')+1:]
	if (f.fault.Op == "" || f.fault.Op == op) && f.seen.Add(1) <= int64(f.fault.Count) {
		f.failed.Add(1)
		if f.fault.Status == 0 {
			panic(http.ErrAbortHandler) // the client sees the connection close
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", f.fault.Code)
		w.WriteHeader(f.fault.Status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, f.fault.Code, f.fault.Message)
		return
	}
	f.next.ServeHTTP(w, r)
}

// APIError returns an error shaped like the AWS SDK's for an answer with
// that status and exception.
func APIError(status int, code, msg string) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: msg},
	}}
}

// Batch is one PutLogEvents call a Fake accepted.
type Batch struct {
	Group, Stream string
	Events        []types.InputLogEvent
}

// Fake is an in-memory ship.API. Its hooks may fail calls; it checks the
// batch rules PutLogEvents checks and keeps every accepted batch. It is
// safe for concurrent use.
type Fake struct {
	// Fail, if set, is asked before each call; a non-nil error is returned
	// as the call's outcome. n counts the calls of that operation, from 1.
	Fail func(op string, n int) error

	mu      sync.Mutex // guards the fields below
	calls   map[string]int
	groups  map[string]map[string]bool
	batches []Batch
}

// NewFake returns a Fake with the given group and stream existing (none
// when group is "").
func NewFake(group, stream string) *Fake {
	f := &Fake{calls: map[string]int{}, groups: map[string]map[string]bool{}}
	if group != "" {
		f.groups[group] = map[string]bool{}
		if stream != "" {
			f.groups[group][stream] = true
		}
	}
	return f
}

// Batches returns the accepted batches so far.
func (f *Fake) Batches() []Batch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Batch(nil), f.batches...)
}

// Messages returns the accepted messages in the order received.
func (f *Fake) Messages() []string {
	var out []string
	for _, b := range f.Batches() {
		for _, e := range b.Events {
			out = append(out, *e.Message)
		}
	}
	return out
}

// Calls returns how many calls of op were made.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *Fake) begin(ctx context.Context, op string) error {
	f.mu.Lock()
	f.calls[op]++
	n := f.calls[op]
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.Fail != nil {
		return f.Fail(op, n)
	}
	return nil
}

var (
	errGroupNotFound  = APIError(400, "ResourceNotFoundException", "The specified log group does not exist.")
	errStreamNotFound = APIError(400, "ResourceNotFoundException", "The specified log stream does not exist.")
)

// PutLogEvents implements ship.API.
func (f *Fake) PutLogEvents(ctx context.Context, in *cwl.PutLogEventsInput, _ ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error) {
	if err := f.begin(ctx, "PutLogEvents"); err != nil {
		return nil, err
	}
	evs := in.LogEvents
	size := 0
	for i, e := range evs {
		size += len(*e.Message) + 26
		if *e.Message == "" {
			return nil, APIError(400, "InvalidParameterException", "empty message")
		}
		if i > 0 && *e.Timestamp < *evs[i-1].Timestamp {
			return nil, APIError(400, "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	switch {
	case len(evs) == 0 || len(evs) > 10_000:
		return nil, APIError(400, "InvalidParameterException", fmt.Sprintf("%d events", len(evs)))
	case size > 1_048_576:
		return nil, APIError(400, "InvalidParameterException", fmt.Sprintf("Upload too large: %d bytes exceeds limit of 1048576", size))
	case *evs[len(evs)-1].Timestamp-*evs[0].Timestamp > 24*3_600_000:
		return nil, APIError(400, "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[*in.LogGroupName]
	if !ok {
		return nil, errGroupNotFound
	}
	if !g[*in.LogStreamName] {
		return nil, errStreamNotFound
	}
	b := Batch{Group: *in.LogGroupName, Stream: *in.LogStreamName, Events: make([]types.InputLogEvent, len(evs))}
	for i, e := range evs { // copy: the caller may reuse its strings' backing
		msg, ts := strings.Clone(*e.Message), *e.Timestamp
		b.Events[i] = types.InputLogEvent{Message: &msg, Timestamp: &ts}
	}
	f.batches = append(f.batches, b)
	return &cwl.PutLogEventsOutput{}, nil
}

// CreateLogStream implements ship.API.
func (f *Fake) CreateLogStream(ctx context.Context, in *cwl.CreateLogStreamInput, _ ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error) {
	if err := f.begin(ctx, "CreateLogStream"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[*in.LogGroupName]
	if !ok {
		return nil, errGroupNotFound
	}
	if g[*in.LogStreamName] {
		return nil, APIError(400, "ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	g[*in.LogStreamName] = true
	return &cwl.CreateLogStreamOutput{}, nil
}

// CreateLogGroup implements ship.API.
func (f *Fake) CreateLogGroup(ctx context.Context, in *cwl.CreateLogGroupInput, _ ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error) {
	if err := f.begin(ctx, "CreateLogGroup"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[*in.LogGroupName]; ok {
		return nil, APIError(400, "ResourceAlreadyExistsException", "The specified log group already exists")
	}
	f.groups[*in.LogGroupName] = map[string]bool{}
	return &cwl.CreateLogGroupOutput{}, nil
}
