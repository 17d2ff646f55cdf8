package ship

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Retry says how often and how patiently a call is repeated after a
// throttling, 5xx or network error. Other errors are returned at once.
type Retry struct {
	// MaxAttempts bounds the calls per request, the first included.
	// Default 8; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the cap of the first wait; each further wait doubles
	// the cap up to MaxDelay. The wait itself is uniform in [0, cap)
	// ("full jitter"). Defaults 200ms and 20s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// CallTimeout bounds each call; a call that times out counts as a
	// network error. Default 60s.
	CallTimeout time.Duration
}

func (r *Retry) defaults() {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = 8
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = 200 * time.Millisecond
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = 20 * time.Second
	}
	if r.CallTimeout == 0 {
		r.CallTimeout = 60 * time.Second
	}
}

func (r *Retry) validate() error {
	switch {
	case r.MaxAttempts < 1:
		return fmt.Errorf("retry: MaxAttempts %d is below 1", r.MaxAttempts)
	case r.BaseDelay < 0 || r.MaxDelay < r.BaseDelay:
		return fmt.Errorf("retry: need 0 ≤ BaseDelay (%v) ≤ MaxDelay (%v)", r.BaseDelay, r.MaxDelay)
	case r.CallTimeout < 0:
		return fmt.Errorf("retry: negative CallTimeout %v", r.CallTimeout)
	}
	return nil
}

// backoff returns the wait before attempt+1, after attempt failed
// (attempt ≥ 1): uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))).
func (r *Retry) backoff(attempt int) time.Duration {
	limit := r.MaxDelay
	if shift := attempt - 1; shift < 62 {
		if c := r.BaseDelay << shift; c > 0 && c < limit {
			limit = c
		}
	}
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// Sentinels that errors.Is finds in an *Error.
var (
	ErrGroupNotFound  = errors.New("log group does not exist")
	ErrStreamNotFound = errors.New("log stream does not exist")
	ErrAccessDenied   = errors.New("access denied")
	ErrCredentials    = errors.New("credentials missing or rejected")
	ErrThrottled      = errors.New("throttled")
)

// Error is a call that failed: refused by the server, or still failing
// after the last retry.
type Error struct {
	Op       string // the API operation: PutLogEvents, CreateLogStream, CreateLogGroup
	Group    string
	Stream   string
	Code     string // the AWS exception name; "" when there was no answer
	Message  string // the server's message, or the network error
	Status   int    // HTTP status; 0 when there was no answer
	Attempts int    // calls made
	Err      error  // the last error from the API client
}

// IAMAction is the permission the failed call needs, e.g. logs:PutLogEvents.
func (e *Error) IAMAction() string { return "logs:" + e.Op }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Group != "" {
		fmt.Fprintf(&b, " %s", e.Group)
		if e.Stream != "" && e.Op != "CreateLogGroup" {
			fmt.Fprintf(&b, "/%s", e.Stream)
		}
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Message)
	} else {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap returns the client's error and the sentinel that names the kind
// of failure, if one does.
func (e *Error) Unwrap() []error {
	errs := []error{e.Err}
	if s := e.sentinel(); s != nil {
		errs = append(errs, s)
	}
	return errs
}

func (e *Error) sentinel() error {
	switch {
	case e.Code == "ResourceNotFoundException":
		// CreateLogStream answers "not found" only for a missing group.
		if e.Op == "CreateLogStream" || strings.Contains(e.Message, "log group") {
			return ErrGroupNotFound
		}
		if strings.Contains(e.Message, "log stream") {
			return ErrStreamNotFound
		}
	case e.Code == "AccessDeniedException" || e.Code == "AccessDenied":
		return ErrAccessDenied
	case credentialCodes[e.Code]:
		return ErrCredentials
	case e.Code == "" && errors.As(e.Err, new(*v4.SigningError)):
		return ErrCredentials
	case throttleCodes[e.Code]:
		return ErrThrottled
	}
	return nil
}

// credentialCodes are answers to a request signed with unknown or wrong
// credentials.
var credentialCodes = map[string]bool{
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationTokenException": true,
	"ExpiredTokenException":               true,
	"InvalidClientTokenId":                true,
	"SignatureDoesNotMatch":               true,
}

// throttleCodes are the AWS SDK's throttling exception names minus
// LimitExceededException, which CloudWatch Logs uses for quotas that
// waiting does not lift.
var throttleCodes = func() map[string]bool {
	m := map[string]bool{}
	for c := range retry.DefaultThrottleErrorCodes {
		m[c] = true
	}
	delete(m, "LimitExceededException")
	return m
}()

// transientCodes are exceptions a later attempt may not get.
var transientCodes = map[string]bool{
	"ServiceUnavailableException": true,
	"InternalFailure":             true,
	"InternalServerError":         true,
	"RequestTimeout":              true,
	"RequestTimeoutException":     true,
}

// outcome is what became of one call.
type outcome struct {
	code      string
	message   string
	status    int
	retryable bool
}

// classify reads an error from the API client: an answer with an AWS
// exception and HTTP status, or no answer (a network error).
func classify(err error) outcome {
	var o outcome
	var ae smithy.APIError
	if errors.As(err, &ae) {
		o.code, o.message = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		o.status = re.HTTPStatusCode()
	}
	switch {
	case throttleCodes[o.code] || transientCodes[o.code]:
		o.retryable = true
	case o.status == 429 || o.status >= 500 && o.status != 501:
		o.retryable = true
	case o.status != 0 || o.code != "":
		// an answer: the request itself is at fault
	case errors.As(err, new(*v4.SigningError)):
		// no credentials: retrying does not find any
	case errors.Is(err, context.DeadlineExceeded):
		o.retryable = true // the call's own timeout
	default:
		o.retryable = retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary
	}
	if o.message == "" {
		o.message = err.Error()
	}
	return o
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
