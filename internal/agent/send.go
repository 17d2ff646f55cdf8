package agent

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"

	"github.com/logpond/logpond/internal/ship"
)

// API is what the agent calls: ship's PutLogEvents, CreateLogStream and
// CreateLogGroup, plus PutRetentionPolicy for groups it creates.
// *cloudwatchlogs.Client implements it.
type API interface {
	ship.API
	PutRetentionPolicy(ctx context.Context, in *cwl.PutRetentionPolicyInput, optFns ...func(*cwl.Options)) (*cwl.PutRetentionPolicyOutput, error)
}

// batchSender puts one batch of events, already within every
// PutLogEvents limit, into one stream. Send returns nil only once the
// server has answered every call of the batch with success (events it
// rejected for their timestamps are counted in the Stats, not retried);
// the agent advances checkpoints only then. Send retries throttling, 5xx
// and network errors a few times and then returns the error, which
// classify sorts. *ship.Sender implements it.
type batchSender interface {
	Send(ctx context.Context, evs []ship.Event) (ship.Stats, error)
}

// senderRetry is how patiently one Send retries before the batch goes to
// the spool; the spool's drain then retries with its own, longer backoff.
var senderRetry = ship.Retry{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, CallTimeout: 30 * time.Second}

// newShipSender returns the ship.Sender of one stream. The pipeline has
// already cut the batch to the limits in lim, so that one Send is one
// PutLogEvents call unless an event needs splitting, and made every
// message valid UTF-8 (pipeline.fit), which the Sender need not check
// again.
func newShipSender(api ship.API, d destKey, lim batchLimits, retry ship.Retry) (batchSender, error) {
	return ship.NewSender(ship.Options{
		API: api, Group: d.group, Stream: d.stream,
		CreateStream: true, CreateGroup: true,
		MaxBatchEvents: lim.events, MaxBatchBytes: lim.bytes, MaxEventBytes: lim.maxEvent,
		ValidUTF8: true,
		Retry:     retry,
	})
}

// failure is what to do with a batch whose send failed.
type failure int

const (
	failLater failure = iota // keep it (spool) and try again: the server may answer later
	failPark                 // the server refused it and would again: park it
	failStop                 // the agent is stopping: keep it (spool)
	failDone                 // the server had it already (DataAlreadyAcceptedException)
)

// classify sorts a send error. Throttling, 5xx, network errors and
// answers without an error (a response that could not be read) may pass
// later; so may refusals an operator can fix without touching the data
// (credentials, permissions, a group that may yet be created). Other 4xx
// answers would refuse the same batch forever.
func classify(err error) failure {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		var se *ship.Error
		if !errors.As(err, &se) {
			return failStop
		}
	}
	var se *ship.Error
	if !errors.As(err, &se) {
		return failLater
	}
	switch {
	case se.Code == "DataAlreadyAcceptedException":
		return failDone
	case se.Status == 0 || se.Status < 400 || se.Status == 429 || se.Status >= 500:
		return failLater
	case errors.Is(err, ship.ErrThrottled), errors.Is(err, ship.ErrCredentials), errors.Is(err, ship.ErrAccessDenied),
		errors.Is(err, ship.ErrGroupNotFound), errors.Is(err, ship.ErrStreamNotFound):
		return failLater
	case se.Code == "ServiceUnavailableException" || se.Code == "RequestTimeout" || se.Code == "RequestTimeoutException":
		return failLater
	}
	return failPark
}

// createGroupWithRetention creates a log group and sets its retention. A
// group that exists already is left as it is (its retention is the
// owner's business).
func createGroupWithRetention(ctx context.Context, api API, group string, days int32) error {
	_, err := api.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ResourceAlreadyExistsException" {
		return nil
	}
	if err != nil {
		return &ship.Error{Op: "CreateLogGroup", Group: group, Message: err.Error(), Err: err, Code: apiCode(err), Status: httpStatus(err)}
	}
	_, err = api.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(days)})
	if err != nil {
		return &ship.Error{Op: "PutRetentionPolicy", Group: group, Message: err.Error(), Err: err, Code: apiCode(err), Status: httpStatus(err)}
	}
	return nil
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
