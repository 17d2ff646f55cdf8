package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestStartLiveTail(t *testing.T) {
	_, c := setup(t, "g", "web-1", "db-1")
	ctx, cancel := context.WithTimeout(servertest.Ctx(t), 30*time.Second)
	defer cancel()
	out, err := c.StartLiveTail(ctx, &cwl.StartLiveTailInput{
		LogGroupIdentifiers:   []string{"arn:aws:logs:us-east-1:111111111111:log-group:g"},
		LogStreamNamePrefixes: []string{"web"},
		LogEventFilterPattern: aws.String("ERROR"),
	})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	first := <-stream.Events()
	start, ok := first.(*types.StartLiveTailResponseStreamMemberSessionStart)
	if !ok {
		t.Fatalf("first event %T, want sessionStart (err %v)", first, stream.Err())
	}
	if start.Value.SessionId == nil || len(start.Value.LogGroupIdentifiers) != 1 {
		t.Fatalf("sessionStart = %+v", start.Value)
	}
	now := time.Now().UnixMilli()
	put(t, c, "g", "web-1", events(now, "INFO fine", "ERROR in web", "ERROR again"))
	put(t, c, "g", "db-1", events(now, "ERROR in db (other prefix)"))
	var got []string
	deadline := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case ev, ok := <-stream.Events():
			if !ok {
				t.Fatalf("stream ended: %v", stream.Err())
			}
			if u, ok := ev.(*types.StartLiveTailResponseStreamMemberSessionUpdate); ok {
				for _, e := range u.Value.SessionResults {
					if *e.LogStreamName != "web-1" || e.IngestionTime == nil || e.Timestamp == nil {
						t.Fatalf("event %+v", e)
					}
					got = append(got, *e.Message)
				}
			}
		case <-deadline:
			t.Fatalf("live tail delivered %q within 10 s", got)
		}
	}
	if got[0] != "ERROR in web" || got[1] != "ERROR again" {
		t.Fatalf("live tail = %q", got)
	}
}

func TestStartLiveTailErrors(t *testing.T) {
	_, c := setup(t, "g")
	ctx := servertest.Ctx(t)
	_, err := c.StartLiveTail(ctx, &cwl.StartLiveTailInput{LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:111111111111:log-group:nope"}})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.StartLiveTail(ctx, &cwl.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}, LogEventFilterPattern: aws.String("{ $.a = ")})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.StartLiveTail(ctx, &cwl.StartLiveTailInput{LogGroupIdentifiers: []string{"g", "h"}, LogStreamNames: []string{"s"}})
	wantAPIError(t, err, "InvalidParameterException", "logStreamNames and logStreamNamePrefixes can be used only with exactly one log group.")
}

func TestStartLiveTailTimeout(t *testing.T) {
	in := servertest.Start(t, servertest.Options{LiveTailMaxDuration: 1500 * time.Millisecond})
	c := in.Client(servertest.KeyA)
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	out, err := c.StartLiveTail(ctx, &cwl.StartLiveTailInput{LogGroupIdentifiers: []string{"g"}})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	updates := 0
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-stream.Events():
			if !ok {
				var te *types.SessionTimeoutException
				if !errors.As(stream.Err(), &te) {
					t.Fatalf("stream ended with %v, want SessionTimeoutException", stream.Err())
				}
				if updates == 0 {
					t.Fatal("no sessionUpdate before the timeout")
				}
				return
			}
			if _, ok := ev.(*types.StartLiveTailResponseStreamMemberSessionUpdate); ok {
				updates++
			}
		case <-timeout:
			t.Fatal("session did not time out")
		}
	}
}
