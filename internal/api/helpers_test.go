package api_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/logpond/logpond/internal/server/servertest"
)

// wantAPIError fails unless err is an API error with the code and, when
// msg is not empty, that exact message.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("%s message:\n got %q\nwant %q", code, ae.ErrorMessage(), msg)
	}
}

// must returns v, or panics on err: calls that must succeed read as one
// expression. A panic fails the test binary with the stack of the call.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// setup starts a server and returns a client of account A with a group
// and streams created.
func setup(t *testing.T, group string, streams ...string) (*servertest.Instance, *cwl.Client) {
	t.Helper()
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA)
	ctx := servertest.Ctx(t)
	if group != "" {
		must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}))
	}
	for _, s := range streams {
		must(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(s)}))
	}
	return in, c
}

func events(ts int64, msgs ...string) []types.InputLogEvent {
	out := make([]types.InputLogEvent, len(msgs))
	for i, m := range msgs {
		out[i] = types.InputLogEvent{Timestamp: aws.Int64(ts + int64(i)), Message: aws.String(m)}
	}
	return out
}

func put(t *testing.T, c *cwl.Client, group, stream string, evs []types.InputLogEvent) *cwl.PutLogEventsOutput {
	t.Helper()
	return must(c.PutLogEvents(servertest.Ctx(t), &cwl.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs,
	}))
}
