package api_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestPutLogEventsErrors(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	now := time.Now().UnixMilli()
	cases := []struct {
		name       string
		group, str string
		evs        []types.InputLogEvent
		code, msg  string
	}{
		{"unordered", "g", "s", []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}},
			"InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."},
		{"span", "g", "s", []types.InputLogEvent{{Timestamp: aws.Int64(now - 25*3600_000), Message: aws.String("a")}, {Timestamp: aws.Int64(now), Message: aws.String("b")}},
			"InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{"empty message", "g", "s", []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("")}},
			"InvalidParameterException", "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no events", "g", "s", []types.InputLogEvent{},
			"InvalidParameterException", "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"too large", "g", "s", []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String(strings.Repeat("x", 600_000))}, {Timestamp: aws.Int64(now), Message: aws.String(strings.Repeat("y", 600_000))}},
			"InvalidParameterException", "Upload too large: 1200052 bytes exceeds limit of 1048576"},
		{"no stream", "g", "nope", events(now, "x"), "ResourceNotFoundException", "The specified log stream does not exist."},
		{"no group", "nope", "s", events(now, "x"), "ResourceNotFoundException", "The specified log group does not exist."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(tc.group), LogStreamName: aws.String(tc.str), LogEvents: tc.evs})
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	// None of the rejected requests stored anything.
	out := must(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(out.Events) != 0 {
		t.Fatalf("rejected requests stored %d events", len(out.Events))
	}
}

func TestPutLogEventsRejectedInfo(t *testing.T) {
	_, c := setup(t, "g", "s")
	now := time.Now().UnixMilli()
	day := int64(86_400_000)
	out := put(t, c, "g", "s", []types.InputLogEvent{
		{Timestamp: aws.Int64(now - 20*day), Message: aws.String("too old")},
		{Timestamp: aws.Int64(now - 15*day), Message: aws.String("too old")},
		{Timestamp: aws.Int64(now), Message: aws.String("ok")},
		{Timestamp: aws.Int64(now + 3*3600_000), Message: aws.String("too new")},
	})
	ri := out.RejectedLogEventsInfo
	if ri == nil || ri.TooOldLogEventEndIndex == nil || *ri.TooOldLogEventEndIndex != 2 || ri.TooNewLogEventStartIndex == nil || *ri.TooNewLogEventStartIndex != 3 || ri.ExpiredLogEventEndIndex != nil {
		t.Fatalf("rejectedLogEventsInfo = %+v", ri)
	}
	if out.NextSequenceToken == nil || len(*out.NextSequenceToken) != 56 {
		t.Fatalf("nextSequenceToken = %v", out.NextSequenceToken)
	}
	got := must(c.GetLogEvents(servertest.Ctx(t), &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(got.Events) != 1 || *got.Events[0].Message != "ok" {
		t.Fatalf("stored = %+v", got.Events)
	}
}

func TestGetLogEvents(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	base := time.Now().Add(-time.Hour).UnixMilli()
	var msgs []string
	for i := 0; i < 250; i++ {
		msgs = append(msgs, fmt.Sprintf("event %03d", i))
	}
	for i := 0; i < len(msgs); i += 100 {
		put(t, c, "g", "s", events(base+int64(i), msgs[i:min(i+100, len(msgs))]...))
	}
	in := func(m func(*cwl.GetLogEventsInput)) *cwl.GetLogEventsInput {
		x := &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}
		m(x)
		return x
	}
	texts := func(evs []types.OutputLogEvent) []string {
		var out []string
		for _, e := range evs {
			out = append(out, *e.Message)
		}
		return out
	}
	// Default: the newest events, in ascending order.
	out := must(c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) { x.Limit = aws.Int32(10) })))
	if got := texts(out.Events); !slices.Equal(got, msgs[240:]) {
		t.Fatalf("default page = %q", got)
	}
	// Backward paging from there reaches the start, then repeats its token.
	var back []string
	tok := out.NextBackwardToken
	back = append(texts(out.Events), back...)
	for i := 0; ; i++ {
		o := must(c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) { x.Limit = aws.Int32(30); x.NextToken = tok })))
		if *o.NextBackwardToken == *tok {
			if len(o.Events) != 0 {
				t.Fatal("same token with events")
			}
			break
		}
		back = append(texts(o.Events), back...)
		tok = o.NextBackwardToken
		if i > 20 {
			t.Fatal("backward paging does not end")
		}
	}
	if !slices.Equal(back, msgs) {
		t.Fatalf("backward paging returned %d events", len(back))
	}
	// Forward with the SDK paginator, which stops on a repeated token.
	var fwd []string
	p := cwl.NewGetLogEventsPaginator(c, in(func(x *cwl.GetLogEventsInput) { x.StartFromHead = aws.Bool(true); x.Limit = aws.Int32(64) }),
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for pages := 0; p.HasMorePages(); pages++ {
		o := must(p.NextPage(ctx))
		if o.NextForwardToken == nil || o.NextBackwardToken == nil {
			t.Fatal("nil token")
		}
		fwd = append(fwd, texts(o.Events)...)
		if pages > 20 {
			t.Fatal("paginator does not stop")
		}
	}
	if !slices.Equal(fwd, msgs) {
		t.Fatalf("forward paginator returned %d events", len(fwd))
	}
	// Start inclusive, end exclusive.
	o := must(c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) {
		x.StartTime = aws.Int64(base + 10)
		x.EndTime = aws.Int64(base + 20)
		x.StartFromHead = aws.Bool(true)
	})))
	if got := texts(o.Events); !slices.Equal(got, msgs[10:20]) {
		t.Fatalf("range = %q", got)
	}
	// New events appear behind a forward token that had reached the end.
	end := must(c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) { x.NextToken = out.NextForwardToken })))
	if len(end.Events) != 0 || *end.NextForwardToken != *out.NextForwardToken {
		t.Fatalf("at end: %d events, token %s vs %s", len(end.Events), *end.NextForwardToken, *out.NextForwardToken)
	}
	put(t, c, "g", "s", events(base+1000, "late"))
	o = must(c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) { x.NextToken = end.NextForwardToken })))
	if got := texts(o.Events); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("after new put: %q", got)
	}
	_, err := c.GetLogEvents(ctx, in(func(x *cwl.GetLogEventsInput) { x.NextToken = aws.String("f/123") }))
	wantAPIError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g"), LogStreamName: aws.String("s")})
	wantAPIError(t, err, "InvalidParameterException", "")
}

func TestFilterLogEvents(t *testing.T) {
	_, c := setup(t, "g", "web-1", "web-2", "db")
	ctx := servertest.Ctx(t)
	base := time.Now().Add(-time.Hour).UnixMilli()
	// Interleave timestamps across streams.
	want := map[string][]string{}
	for i := 0; i < 30; i++ {
		for j, s := range []string{"web-1", "web-2", "db"} {
			level := "INFO"
			if i%5 == 0 {
				level = "ERROR"
			}
			msg := fmt.Sprintf("%s %s request %d", level, s, i)
			put(t, c, "g", s, events(base+int64(i*3+j), msg))
			want["all"] = append(want["all"], msg)
			if level == "ERROR" {
				want["error"] = append(want["error"], msg)
			}
			if strings.HasPrefix(s, "web") {
				want["web"] = append(want["web"], msg)
			}
		}
	}
	collect := func(in *cwl.FilterLogEventsInput) []string {
		t.Helper()
		var out []string
		p := cwl.NewFilterLogEventsPaginator(c, in)
		for p.HasMorePages() {
			o := must(p.NextPage(ctx))
			for _, e := range o.Events {
				if !regexp.MustCompile(`^\d{56}$`).MatchString(*e.EventId) {
					t.Fatalf("eventId %q", *e.EventId)
				}
				if e.LogStreamName == nil || e.IngestionTime == nil {
					t.Fatal("missing fields")
				}
				out = append(out, *e.Message)
			}
		}
		return out
	}
	cases := []struct {
		name string
		in   cwl.FilterLogEventsInput
		want []string
	}{
		{"all", cwl.FilterLogEventsInput{Limit: aws.Int32(7)}, want["all"]},
		{"term", cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR"), Limit: aws.Int32(4)}, want["error"]},
		{"prefix", cwl.FilterLogEventsInput{LogStreamNamePrefix: aws.String("web")}, want["web"]},
		{"names", cwl.FilterLogEventsInput{LogStreamNames: []string{"web-2", "web-1"}, Limit: aws.Int32(5)}, want["web"]},
		{"range", cwl.FilterLogEventsInput{StartTime: aws.Int64(base + 3), EndTime: aws.Int64(base + 5)}, want["all"][3:6]},
		{"none", cwl.FilterLogEventsInput{FilterPattern: aws.String("nothing-matches-this")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.LogGroupName = aws.String("g")
			if got := collect(&in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %d events %q\nwant %d %q", len(got), got, len(tc.want), tc.want)
			}
		})
	}
	// The last page has no nextToken.
	o := must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}))
	if o.NextToken != nil || len(o.Events) != 90 || o.SearchedLogStreams == nil {
		t.Fatalf("single page: %d events, token %v", len(o.Events), o.NextToken)
	}
	_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"a"}, LogStreamNamePrefix: aws.String("a")})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestDescribeLogStreams(t *testing.T) {
	_, c := setup(t, "g", "b", "a", "c", "other")
	ctx := servertest.Ctx(t)
	now := time.Now().UnixMilli()
	put(t, c, "g", "c", events(now-3000, "x"))
	put(t, c, "g", "a", events(now-2000, "yy"))
	put(t, c, "g", "b", events(now-1000, "zzz"))
	names := func(in *cwl.DescribeLogStreamsInput) []string {
		var out []string
		p := cwl.NewDescribeLogStreamsPaginator(c, in)
		for p.HasMorePages() {
			for _, s := range must(p.NextPage(ctx)).LogStreams {
				out = append(out, *s.LogStreamName)
			}
		}
		return out
	}
	cases := []struct {
		in   cwl.DescribeLogStreamsInput
		want []string
	}{
		{cwl.DescribeLogStreamsInput{Limit: aws.Int32(2)}, []string{"a", "b", "c", "other"}},
		{cwl.DescribeLogStreamsInput{Descending: aws.Bool(true), Limit: aws.Int32(3)}, []string{"other", "c", "b", "a"}},
		{cwl.DescribeLogStreamsInput{OrderBy: types.OrderByLastEventTime, Limit: aws.Int32(1)}, []string{"other", "c", "a", "b"}},
		{cwl.DescribeLogStreamsInput{OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)}, []string{"b", "a", "c", "other"}},
		{cwl.DescribeLogStreamsInput{LogStreamNamePrefix: aws.String("o")}, []string{"other"}},
	}
	for _, tc := range cases {
		in := tc.in
		in.LogGroupName = aws.String("g")
		if got := names(&in); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.in, got, tc.want)
		}
	}
	s := must(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogStreamNamePrefix: aws.String("b")})).LogStreams[0]
	if *s.StoredBytes != 3 || *s.FirstEventTimestamp != now-1000 || *s.LastEventTimestamp != now-1000 || s.LastIngestionTime == nil ||
		*s.Arn != "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:b" {
		t.Errorf("stream = %+v", s)
	}
	_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("a")})
	wantAPIError(t, err, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("a")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a:b")})
	wantAPIError(t, err, "InvalidParameterException", "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
	must(c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")}))
	_, err = c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
}

func TestConcurrentPutsToOneStream(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	base := time.Now().Add(-time.Minute).UnixMilli()
	const writers, batches, perBatch = 8, 10, 50
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		go func(w int) {
			for b := 0; b < batches; b++ {
				var evs []types.InputLogEvent
				for i := 0; i < perBatch; i++ {
					// Writers overlap in time, so batches interleave.
					evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(base + int64(b*perBatch+i)), Message: aws.String(fmt.Sprintf("w%d b%d i%d", w, b, i))})
				}
				if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: evs}); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}(w)
	}
	for w := 0; w < writers; w++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var last int64
	p := cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		for _, e := range must(p.NextPage(ctx)).Events {
			if *e.Timestamp < last {
				t.Fatalf("events out of order: %d after %d", *e.Timestamp, last)
			}
			last = *e.Timestamp
			if seen[*e.Message] {
				t.Fatalf("duplicate %q", *e.Message)
			}
			seen[*e.Message] = true
		}
	}
	if len(seen) != writers*batches*perBatch {
		t.Fatalf("read %d events, want %d", len(seen), writers*batches*perBatch)
	}
}

func TestFilterPatternErrors(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	for _, p := range []string{`{ $.a = `, `[a, b`, `%(x)%`, `a:b`} {
		_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(p)})
		wantAPIError(t, err, "InvalidParameterException", "")
		if !strings.Contains(err.Error(), "Invalid filter pattern") {
			t.Errorf("%q: %v", p, err)
		}
	}
	_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(strings.Repeat("a", 1025))})
	wantAPIError(t, err, "InvalidParameterException", "")
}

func TestFilterPatternKinds(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	now := time.Now().UnixMilli()
	put(t, c, "g", "s", events(now,
		`{"level":"ERROR","service":"payments","latency":120}`,
		`{"level":"INFO","service":"payments","latency":5}`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`,
		`127.0.0.1 - bob [10/Oct/2000:13:25:16 -0700] "GET /a.html HTTP/1.0" 200 99`,
		`plain ERROR line with Exception`,
	))
	cases := map[string][]int{
		`{ $.level = "ERROR" && $.service = "payments" }`:              {0},
		`{ $.latency > 10 }`:                                           {0},
		`[ip, id, user, timestamp, request, status_code = 404, bytes]`: {2},
		`[..., status = 2*, size]`:                                     {3},
		`ERROR -Exception`:                                             {0},
		`?frank ?bob`:                                                  {2, 3},
		`"ERROR line"`:                                                 {4},
		`%ERR[O]R%`:                                                    {0, 4},
	}
	all := []string{}
	for _, e := range must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")})).Events {
		all = append(all, *e.Message)
	}
	for p, idx := range cases {
		var got, want []string
		for _, e := range must(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(p)})).Events {
			got = append(got, *e.Message)
		}
		for _, i := range idx {
			want = append(want, all[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", p, got, want)
		}
	}
}
