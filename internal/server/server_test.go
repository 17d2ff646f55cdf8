package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestMetrics(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA)
	ctx := servertest.Ctx(t)
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(now - 20*86_400_000), Message: aws.String("too old")},
		{Timestamp: aws.Int64(now), Message: aws.String("hello")},
		{Timestamp: aws.Int64(now), Message: aws.String("world!")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("missing")})

	resp, err := http.Get(in.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		"logpond_ingested_events_total 2\n",
		"logpond_ingested_bytes_total 11\n",
		`logpond_rejected_events_total{reason="too_old"} 1` + "\n",
		"logpond_log_groups 1\n",
		"logpond_log_streams 1\n",
		"logpond_head_events 2\n",
		`logpond_api_requests_total{operation="PutLogEvents",status="200"} 1` + "\n",
		`logpond_api_requests_total{operation="DeleteLogGroup",status="400"} 1` + "\n",
		"logpond_wal_fsyncs_total ",
		"logpond_wal_fsync_duration_seconds_bucket",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
