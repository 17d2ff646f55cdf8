package api_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/logpond/logpond/internal/server/servertest"
)

// TestQuarantinedSegmentReported damages the segment holding stream "a"
// and checks that reads touching its events say they are incomplete:
// FilterLogEvents lists the stream in searchedLogStreams with
// searchedCompletely false, GetLogEvents carries X-Logpond-Incomplete;
// Insights counts the lost events as estimatedRecordsSkipped; reads of
// other streams, or of times after the damage, do not. After a restart the
// store still knows.
func TestQuarantinedSegmentReported(t *testing.T) {
	in, c := setup(t, "g", "a")
	ctx := servertest.Ctx(t)
	old := time.Now().Add(-time.Hour).UnixMilli()
	put(t, c, "g", "a", events(old, "one", "two", "three"))
	if err := in.Server.Store.Seal(); err != nil {
		t.Fatal(err)
	}
	must(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("b")}))
	recent := time.Now().UnixMilli()
	put(t, c, "g", "b", events(recent, "b event"))
	put(t, c, "g", "a", events(recent, "later a event"))
	in.Stop()

	segs, err := filepath.Glob(filepath.Join(in.Dir, "segments", "*.seg"))
	if err != nil || len(segs) != 1 {
		t.Fatalf("segments: %v, %v; want one", segs, err)
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b = b[:len(b)/2]
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}

	for restart := range 2 {
		in = servertest.Start(t, servertest.Options{Dir: in.Dir})
		c = in.Client(servertest.KeyA)
		fl := must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}))
		if len(fl.Events) != 2 {
			t.Errorf("restart %d: %d events readable, want the 2 recent ones", restart, len(fl.Events))
		}
		want := []types.SearchedLogStream{{LogStreamName: aws.String("a"), SearchedCompletely: aws.Bool(false)}}
		if got := fl.SearchedLogStreams; len(got) != 1 || aws.ToString(got[0].LogStreamName) != "a" || aws.ToBool(got[0].SearchedCompletely) {
			t.Errorf("restart %d: searchedLogStreams %+v, want %+v", restart, got, want)
		}
		fl = must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"b"}}))
		if len(fl.SearchedLogStreams) != 0 {
			t.Errorf("restart %d: stream b reported incomplete", restart)
		}
		fl = must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), StartTime: aws.Int64(recent)}))
		if len(fl.SearchedLogStreams) != 0 || len(fl.Events) != 2 {
			t.Errorf("restart %d: read after the damaged range: %d events, searchedLogStreams %+v", restart, len(fl.Events), fl.SearchedLogStreams)
		}

		header := func(out *cwl.GetLogEventsOutput) string {
			raw, _ := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
			if raw == nil {
				t.Fatal("no raw response")
			}
			return raw.Header.Get("X-Logpond-Incomplete")
		}
		ge := must(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a"), StartFromHead: aws.Bool(true)}))
		if len(ge.Events) != 1 || header(ge) == "" {
			t.Errorf("restart %d: GetLogEvents of a: %d events, X-Logpond-Incomplete %q; want 1 event and the header", restart, len(ge.Events), header(ge))
		}
		ge = must(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("b")}))
		if h := header(ge); h != "" {
			t.Errorf("restart %d: GetLogEvents of b carries X-Logpond-Incomplete %q", restart, h)
		}
		qs := must(c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: aws.String("g"), QueryString: aws.String("stats count(*)"),
			StartTime: aws.Int64(old/1000 - 60), EndTime: aws.Int64(recent/1000 + 60)}))
		var qr *cwl.GetQueryResultsOutput
		for range 200 {
			qr = must(c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: qs.QueryId}))
			if qr.Status == types.QueryStatusComplete {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if st := qr.Statistics; qr.Status != types.QueryStatusComplete || st == nil || st.EstimatedRecordsSkipped != 3 || st.RecordsScanned != 2 || st.EstimatedBytesSkipped <= 0 {
			t.Errorf("restart %d: Insights over the damaged range: status %s, statistics %+v; want 2 scanned and 3 estimated skipped", restart, qr.Status, st)
		}
		in.Stop()
	}
}
