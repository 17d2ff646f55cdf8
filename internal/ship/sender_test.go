package ship

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/logpond/logpond/internal/ship/shiptest"
)

// The tests in this file run in synctest bubbles against shiptest.Fake:
// backoff waits take no real time, and elapsed bubble time is exact.

func newTestSender(t *testing.T, api API, o Options) *Sender {
	t.Helper()
	o.API = api
	if o.Group == "" {
		o.Group, o.Stream = "g", "s"
	}
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func someEvents(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Timestamp: 1_700_000_000_000 + int64(i), Message: fmt.Sprintf("event %d", i)}
	}
	return evs
}

func failFirst(op string, n int, err error) func(string, int) error {
	return func(o string, k int) error {
		if o == op && k <= n {
			return err
		}
		return nil
	}
}

var (
	errThrottled = shiptest.APIError(400, "ThrottlingException", "Rate exceeded")
	errInternal  = shiptest.APIError(500, "InternalFailure", "oops")
	errNetwork   = &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
)

func TestSendRetries(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"throttling", errThrottled},
		{"5xx", errInternal},
		{"503 without code", shiptest.APIError(503, "", "")},
		{"network", errNetwork},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := shiptest.NewFake("g", "s")
				fake.Fail = failFirst("PutLogEvents", 3, tc.err)
				s := newTestSender(t, fake, Options{Retry: Retry{BaseDelay: time.Second, MaxDelay: 3 * time.Second}})
				start := time.Now()
				st, err := s.Send(t.Context(), someEvents(10))
				if err != nil {
					t.Fatal(err)
				}
				if st.Retries != 3 || st.Events != 10 || st.Batches != 1 || fake.Calls("PutLogEvents") != 4 {
					t.Fatalf("stats %+v after %d calls", st, fake.Calls("PutLogEvents"))
				}
				// Full jitter: each wait is below its cap (1s, 2s, 3s).
				if d := time.Since(start); d >= 6*time.Second {
					t.Fatalf("waited %v, more than the caps allow", d)
				}
			})
		})
	}
}

func TestSendGivesUp(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		attempts  int
		sentinel  error
		code      string
		retryable bool
	}{
		{"throttled to the end", errThrottled, 4, ErrThrottled, "ThrottlingException", true},
		{"network to the end", errNetwork, 4, nil, "", true},
		{"invalid parameter", shiptest.APIError(400, "InvalidParameterException", "bad"), 1, nil, "InvalidParameterException", false},
		{"access denied", shiptest.APIError(400, "AccessDeniedException", "User: x is not authorized to perform: logs:PutLogEvents"), 1, ErrAccessDenied, "AccessDeniedException", false},
		{"unknown key", shiptest.APIError(400, "UnrecognizedClientException", "The security token included in the request is invalid."), 1, ErrCredentials, "UnrecognizedClientException", false},
		{"quota", shiptest.APIError(400, "LimitExceededException", "too many"), 1, nil, "LimitExceededException", false},
		{"not implemented", shiptest.APIError(501, "", "no"), 1, nil, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := shiptest.NewFake("g", "s")
				fake.Fail = failFirst("PutLogEvents", 100, tc.err)
				s := newTestSender(t, fake, Options{Retry: Retry{MaxAttempts: 4}})
				st, err := s.Send(t.Context(), someEvents(10))
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not an *Error", err)
				}
				if e.Attempts != tc.attempts || e.Code != tc.code || e.Op != "PutLogEvents" || e.IAMAction() != "logs:PutLogEvents" {
					t.Fatalf("error %+v", e)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Fatalf("errors.Is(%v, %v) = false", err, tc.sentinel)
				}
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v does not wrap the client's", err)
				}
				if st.Failed != 10 || st.Events != 0 || st.Retries != int64(tc.attempts-1) {
					t.Fatalf("stats %+v", st)
				}
			})
		})
	}
}

func TestSendCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		fake.Fail = failFirst("PutLogEvents", 100, errThrottled)
		s := newTestSender(t, fake, Options{Retry: Retry{MaxAttempts: 100, BaseDelay: time.Minute, MaxDelay: time.Hour}})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		_, err := s.Send(ctx, someEvents(1))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want the deadline", err)
		}
		if d := time.Since(start); d != 10*time.Minute {
			t.Fatalf("returned after %v, want at the deadline", d)
		}
	})
}

func TestSendCallTimeoutRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		hang := true
		fake.Fail = func(op string, n int) error {
			if hang {
				hang = false
				time.Sleep(2 * time.Minute) // longer than CallTimeout
				return context.DeadlineExceeded
			}
			return nil
		}
		s := newTestSender(t, fake, Options{Retry: Retry{CallTimeout: time.Minute}})
		st, err := s.Send(t.Context(), someEvents(3))
		if err != nil || st.Retries != 1 || st.Events != 3 {
			t.Fatalf("stats %+v, error %v", st, err)
		}
	})
}

func TestSendCreates(t *testing.T) {
	cases := []struct {
		name                 string
		group, stream        string // existing
		createStream, create bool
		wantErr              error
		wantCalls            map[string]int
	}{
		{"stream exists", "g", "s", true, false, nil, map[string]int{"PutLogEvents": 1}},
		{"stream created", "g", "", true, false, nil, map[string]int{"PutLogEvents": 2, "CreateLogStream": 1}},
		{"stream not created", "g", "", false, false, ErrStreamNotFound, map[string]int{"PutLogEvents": 1}},
		{"group missing", "", "", true, false, ErrGroupNotFound, map[string]int{"PutLogEvents": 1, "CreateLogStream": 1}},
		{"group created", "", "", true, true, nil, map[string]int{"PutLogEvents": 2, "CreateLogStream": 2, "CreateLogGroup": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := shiptest.NewFake(tc.group, tc.stream)
				s := newTestSender(t, fake, Options{CreateStream: tc.createStream, CreateGroup: tc.create})
				st, err := s.Send(t.Context(), someEvents(5))
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if err == nil && st.Events != 5 {
					t.Fatalf("stats %+v", st)
				}
				for _, op := range []string{"PutLogEvents", "CreateLogStream", "CreateLogGroup"} {
					if got := fake.Calls(op); got != tc.wantCalls[op] {
						t.Errorf("%s called %d times, want %d", op, got, tc.wantCalls[op])
					}
				}
			})
		})
	}
}

func TestEnsureStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		// The first CreateLogStream is throttled, then it exists already.
		fake.Fail = failFirst("CreateLogStream", 1, errThrottled)
		s := newTestSender(t, fake, Options{})
		st, err := s.EnsureStream(t.Context())
		if err != nil || st.Retries != 1 {
			t.Fatalf("stats %+v, error %v", st, err)
		}
		// Another writer created the group between our two calls.
		fake = shiptest.NewFake("", "")
		fake.Fail = func(op string, n int) error {
			if op == "CreateLogGroup" {
				return shiptest.APIError(400, "ResourceAlreadyExistsException", "exists")
			}
			return nil
		}
		s = newTestSender(t, fake, Options{CreateGroup: true})
		if _, err := s.EnsureStream(t.Context()); !errors.Is(err, ErrGroupNotFound) {
			// The fake did not really create the group, so the second
			// CreateLogStream still finds none: the error says so.
			t.Fatalf("error %v", err)
		}
		if fake.Calls("CreateLogStream") != 2 {
			t.Fatalf("CreateLogStream called %d times, want 2", fake.Calls("CreateLogStream"))
		}
	})
}

func TestSendBatchesSortedWithinLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		s := newTestSender(t, fake, Options{MaxBatchEvents: 100})
		evs := someEvents(1000)
		for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 { // newest first
			evs[i], evs[j] = evs[j], evs[i]
		}
		st, err := s.Send(t.Context(), evs)
		if err != nil {
			t.Fatal(err)
		}
		if st.Batches != 10 || st.Events != 1000 || len(fake.Batches()) != 10 {
			t.Fatalf("stats %+v", st)
		}
		for i, m := range fake.Messages() {
			if m != fmt.Sprintf("event %d", i) {
				t.Fatalf("message %d is %q", i, m)
			}
		}
	})
}

func TestCountAccepted(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	b := make([]Event, 10)
	for i := range b {
		b[i] = Event{Message: "1234"} // 30 bytes each
	}
	cases := []struct {
		ri   *types.RejectedLogEventsInfo
		want Stats
	}{
		{nil, Stats{Events: 10, Bytes: 300}},
		{&types.RejectedLogEventsInfo{TooOldLogEventEndIndex: i32(2), TooNewLogEventStartIndex: i32(9)}, Stats{Events: 7, Bytes: 210, TooOld: 2, TooNew: 1}},
		{&types.RejectedLogEventsInfo{TooOldLogEventEndIndex: i32(2), ExpiredLogEventEndIndex: i32(5)}, Stats{Events: 5, Bytes: 150, TooOld: 2, Expired: 3}},
		{&types.RejectedLogEventsInfo{TooNewLogEventStartIndex: i32(0)}, Stats{TooNew: 10}},
	}
	var s Sender
	for _, tc := range cases {
		var st Stats
		s.countAccepted(b, tc.ri, &st)
		if st != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc.ri, st, tc.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	r := Retry{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	caps := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for attempt, limit := range caps {
		var maxSeen time.Duration
		for range 2000 {
			d := r.backoff(attempt + 1)
			if d < 0 || d >= limit {
				t.Fatalf("attempt %d: backoff %v outside [0, %v)", attempt+1, d, limit)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < limit/2 { // 2000 uniform draws all below half: p = 2^-2000
			t.Fatalf("attempt %d: backoff never above %v of cap %v", attempt+1, maxSeen, limit)
		}
	}
	if d := r.backoff(200); d < 0 || d >= time.Second {
		t.Fatalf("backoff after 200 attempts = %v", d)
	}
}

func TestOptionsValidate(t *testing.T) {
	fake := shiptest.NewFake("g", "s")
	bad := []Options{
		{},
		{API: fake, Stream: "s"},
		{API: fake, Group: "g"},
		{API: fake, Group: "g", Stream: "s", MaxBatchEvents: 10_001},
		{API: fake, Group: "g", Stream: "s", MaxBatchBytes: MaxBatchBytes + 1},
		{API: fake, Group: "g", Stream: "s", MaxEventBytes: MaxEventBytes + 1},
		{API: fake, Group: "g", Stream: "s", MaxBatchBytes: 1000, MaxEventBytes: 990},
		{API: fake, Group: "g", Stream: "s", MaxEventBytes: 10, Oversize: Truncate},
		{API: fake, Group: "g", Stream: "s", Oversize: 7},
		{API: fake, Group: "g", Stream: "s", Retry: Retry{MaxAttempts: -1}},
		{API: fake, Group: "g", Stream: "s", Retry: Retry{BaseDelay: time.Second, MaxDelay: time.Millisecond}},
	}
	for i, o := range bad {
		if _, err := NewSender(o); err == nil {
			t.Errorf("case %d: %+v accepted", i, o)
		}
	}
	s, err := NewSender(Options{API: fake, Group: "g", Stream: "s", MaxBatchBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if s.o.MaxEventBytes != 1000-EventOverhead || s.o.Retry.MaxAttempts != 8 {
		t.Fatalf("defaults %+v", s.o)
	}
}

// TestSendValidUTF8 checks Options.ValidUTF8: messages are taken as they
// are, but empty and oversize ones are still handled.
func TestSendValidUTF8(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		s := newTestSender(t, fake, Options{ValidUTF8: true, MaxEventBytes: 10})
		evs := []Event{{Timestamp: 1, Message: "ok é"}, {Timestamp: 2, Message: ""}, {Timestamp: 3, Message: "0123456789abc"}}
		st, err := s.Send(t.Context(), evs)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(fake.Messages()); got != "[ok é 0123456789 abc]" || st.Empty != 1 || st.Split != 1 {
			t.Errorf("messages %s, stats %+v", got, st)
		}
	})
}
