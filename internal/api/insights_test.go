package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/api"
	"github.com/logpond/logpond/internal/insights"
	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/store"
)

// waitQuery polls GetQueryResults until the query ends.
func waitQuery(t *testing.T, c *cwl.Client, id string) *cwl.GetQueryResultsOutput {
	t.Helper()
	ctx := servertest.Ctx(t)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out := must(c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String(id)}))
		switch out.Status {
		case types.QueryStatusScheduled, types.QueryStatusRunning:
			continue
		}
		return out
	}
	t.Fatalf("query %s did not end", id)
	return nil
}

func startQuery(t *testing.T, c *cwl.Client, group, q string) string {
	t.Helper()
	now := time.Now().Unix()
	out := must(c.StartQuery(servertest.Ctx(t), &cwl.StartQueryInput{
		LogGroupName: aws.String(group), StartTime: aws.Int64(now - 3600), EndTime: aws.Int64(now + 60), QueryString: aws.String(q),
	}))
	return *out.QueryId
}

// rowMap turns a result row into field → value.
func rowMap(r []types.ResultField) map[string]string {
	m := map[string]string{}
	for _, f := range r {
		m[*f.Field] = *f.Value
	}
	return m
}

func TestInsightsQueryToComplete(t *testing.T) {
	_, c := setup(t, "app", "s1", "s2")
	ctx := servertest.Ctx(t)
	now := time.Now().UnixMilli() - 60_000
	put(t, c, "app", "s1", events(now,
		`{"level":"ERROR","svc":"pay","ms":120}`,
		`{"level":"INFO","svc":"pay","ms":20}`,
		`{"level":"ERROR","svc":"auth","ms":300}`,
	))
	put(t, c, "app", "s2", events(now+10, "plain ERROR line", "plain INFO line"))

	t.Run("stats", func(t *testing.T) {
		out := waitQuery(t, c, startQuery(t, c, "app", `filter level = "ERROR" | stats count(*) as n, max(ms) as worst by svc | sort svc`))
		if out.Status != types.QueryStatusComplete {
			t.Fatalf("status %s", out.Status)
		}
		var got []string
		for _, r := range out.Results {
			m := rowMap(r)
			if _, ok := m["@ptr"]; ok {
				t.Errorf("stats row has @ptr: %v", m)
			}
			got = append(got, fmt.Sprintf("%s n=%s worst=%s", m["svc"], m["n"], m["worst"]))
		}
		want := []string{"auth n=1 worst=300", "pay n=1 worst=120"}
		if !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		st := out.Statistics
		if st.RecordsScanned != 5 || st.RecordsMatched != 2 || st.BytesScanned <= 0 {
			t.Errorf("statistics %+v", *st)
		}
	})

	t.Run("events and GetLogRecord", func(t *testing.T) {
		out := waitQuery(t, c, startQuery(t, c, "app", `fields @timestamp, @message, @logStream | filter @message like /ERROR/ | sort @timestamp desc | limit 10`))
		if len(out.Results) != 3 {
			t.Fatalf("%d rows, want 3: %v", len(out.Results), out.Results)
		}
		first := rowMap(out.Results[0])
		if first["@message"] != "plain ERROR line" || first["@logStream"] != "s2" {
			t.Errorf("first row %v", first)
		}
		want := time.UnixMilli(now + 10).UTC().Format("2006-01-02 15:04:05.000")
		if first["@timestamp"] != want {
			t.Errorf("@timestamp %q, want %q", first["@timestamp"], want)
		}
		rec := must(c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String(first["@ptr"])}))
		if rec.LogRecord["@message"] != "plain ERROR line" || rec.LogRecord["@logStream"] != "s2" || rec.LogRecord["@log"] != servertest.AccountA+":app" {
			t.Errorf("GetLogRecord %v", rec.LogRecord)
		}
		json := rowMap(out.Results[2])
		rec = must(c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String(json["@ptr"])}))
		if rec.LogRecord["level"] != "ERROR" || rec.LogRecord["ms"] != "120" {
			t.Errorf("GetLogRecord of a JSON event %v", rec.LogRecord)
		}
		// Another account cannot follow the pointer.
		other := servertest.Start(t, servertest.Options{}).Client(servertest.KeyB)
		_, err := other.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String(first["@ptr"])})
		wantAPIError(t, err, "ResourceNotFoundException", "")
		_, err = c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String("garbage!")})
		wantAPIError(t, err, "InvalidParameterException", "")
	})

	t.Run("pages of results", func(t *testing.T) {
		id := startQuery(t, c, "app", `fields @message | sort @timestamp`)
		waitQuery(t, c, id)
		var msgs []string
		var token *string
		for {
			out := must(c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String(id), MaxItems: aws.Int32(2), NextToken: token}))
			for _, r := range out.Results {
				msgs = append(msgs, rowMap(r)["@message"])
			}
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		if len(msgs) != 5 || msgs[0] != `{"level":"ERROR","svc":"pay","ms":120}` {
			t.Errorf("paged rows %q", msgs)
		}
	})

	t.Run("several groups by ARN", func(t *testing.T) {
		must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("other")}))
		must(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("other"), LogStreamName: aws.String("s")}))
		put(t, c, "other", "s", events(now, "from other"))
		t0 := time.Now().Unix()
		q := must(c.StartQuery(ctx, &cwl.StartQueryInput{
			LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:" + servertest.AccountA + ":log-group:app", "other"},
			StartTime:           aws.Int64(t0 - 3600), EndTime: aws.Int64(t0 + 60),
			QueryString: aws.String("stats count(*) as n by @log | sort @log"),
		}))
		out := waitQuery(t, c, *q.QueryId)
		var got []string
		for _, r := range out.Results {
			m := rowMap(r)
			got = append(got, m["@log"]+"="+m["n"])
		}
		want := []string{servertest.AccountA + ":app=5", servertest.AccountA + ":other=1"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if out.Statistics.LogGroupsScanned != 2 {
			t.Errorf("logGroupsScanned %v", out.Statistics.LogGroupsScanned)
		}
	})

	t.Run("DescribeQueries", func(t *testing.T) {
		out := must(c.DescribeQueries(ctx, &cwl.DescribeQueriesInput{LogGroupName: aws.String("app"), Status: types.QueryStatusComplete}))
		if len(out.Queries) < 3 {
			t.Fatalf("%d queries", len(out.Queries))
		}
		for _, q := range out.Queries {
			if q.Status != types.QueryStatusComplete || *q.LogGroupName != "app" || q.CreateTime == nil {
				t.Errorf("query %+v", q)
			}
		}
		page := must(c.DescribeQueries(ctx, &cwl.DescribeQueriesInput{MaxResults: aws.Int32(1)}))
		if len(page.Queries) != 1 || page.NextToken == nil {
			t.Errorf("first page %d queries, token %v", len(page.Queries), page.NextToken)
		}
	})

	t.Run("GetLogGroupFields", func(t *testing.T) {
		out := must(c.GetLogGroupFields(ctx, &cwl.GetLogGroupFieldsInput{LogGroupName: aws.String("app")}))
		got := map[string]int32{}
		for _, f := range out.LogGroupFields {
			got[*f.Name] = f.Percent
		}
		if got["@timestamp"] != 100 || got["@message"] != 100 || got["level"] != 60 || got["svc"] != 60 {
			t.Errorf("fields %v", got)
		}
	})
}

func TestInsightsErrors(t *testing.T) {
	_, c := setup(t, "app", "s")
	ctx := servertest.Ctx(t)
	now := time.Now().Unix()
	start := func(in *cwl.StartQueryInput) error {
		if in.StartTime == nil {
			in.StartTime, in.EndTime = aws.Int64(now-60), aws.Int64(now)
		}
		if in.QueryString == nil {
			in.QueryString = aws.String("fields @message")
		}
		_, err := c.StartQuery(ctx, in)
		return err
	}

	err := start(&cwl.StartQueryInput{LogGroupName: aws.String("app"), QueryString: aws.String("fields @message | frobnicate x")})
	wantAPIError(t, err, "MalformedQueryException", "")
	var mq *types.MalformedQueryException
	if !errors.As(err, &mq) || mq.QueryCompileError == nil || mq.QueryCompileError.Location == nil {
		t.Fatalf("no queryCompileError in %v", err)
	}
	if loc := mq.QueryCompileError.Location; *loc.StartCharOffset != 18 || *loc.EndCharOffset != 28 {
		t.Errorf("location [%d, %d), want [18, 28)", *loc.StartCharOffset, *loc.EndCharOffset)
	}

	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupName: aws.String("nope")}), "ResourceNotFoundException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupNames: []string{"app", "nope"}}), "ResourceNotFoundException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{}), "InvalidParameterException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupName: aws.String("app"), LogGroupNames: []string{"app"}}), "InvalidParameterException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupName: aws.String("app"), StartTime: aws.Int64(now), EndTime: aws.Int64(now - 1)}), "InvalidParameterException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupName: aws.String("app"), QueryLanguage: types.QueryLanguageSql}), "InvalidParameterException", "")
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprint("g", i))
	}
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupNames: many}), "InvalidParameterException", "")
	wantAPIError(t, start(&cwl.StartQueryInput{LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:" + servertest.AccountB + ":log-group:app"}}), "ResourceNotFoundException", "")

	_, err = c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String("no-such-query")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.StopQuery(ctx, &cwl.StopQueryInput{QueryId: aws.String("no-such-query")})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	// Queries belong to their account.
	id := startQuery(t, c, "app", "fields @message")
	waitQuery(t, c, id)
	_, err = servertestClientB(t, c).GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}

// servertestClientB returns a client of account B for the server c talks to.
func servertestClientB(t *testing.T, c *cwl.Client) *cwl.Client {
	t.Helper()
	o := c.Options()
	return cwl.New(cwl.Options{
		Region:       o.Region,
		BaseEndpoint: o.BaseEndpoint,
		Credentials:  credentials.NewStaticCredentialsProvider(servertest.KeyB.AccessKeyID, servertest.KeyB.SecretAccessKey, ""),
	})
}

// gatedSource is the store behind a gate: scans wait until the gate opens
// (or the query ends), so tests can hold queries Running.
type gatedSource struct {
	st   *store.Store
	gate chan struct{}
}

func (g gatedSource) Scan(ctx context.Context, sc store.Scope, group string, r store.TimeRange, names []string, prefix string, fn func(*store.FilteredEvent) bool) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.st.Scan(ctx, sc, group, r, names, prefix, fn)
}

// apiServer starts an API server without authentication, with the
// insights options given, and returns a client.
func apiServer(t *testing.T, io insights.Options, wrap func(*store.Store) insights.Source) *cwl.Client {
	t.Helper()
	st, err := store.Open(store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	io.Source = wrap(st)
	a, err := api.New(api.Options{Store: st, Insights: io, DefaultAccount: servertest.AccountA})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a)
	t.Cleanup(func() {
		hs.Close()
		a.Close()
		st.Close()
	})
	return cwl.New(cwl.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
}

func TestInsightsConcurrencyLimitAndStop(t *testing.T) {
	gate := make(chan struct{})
	c := apiServer(t, insights.Options{MaxConcurrent: 2}, func(st *store.Store) insights.Source { return gatedSource{st, gate} })
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	a := startQuery(t, c, "g", "fields @message")
	b := startQuery(t, c, "g", "stats count(*)")
	now := time.Now().Unix()
	_, err := c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: aws.String("g"), StartTime: aws.Int64(now - 60), EndTime: aws.Int64(now), QueryString: aws.String("fields @message")})
	wantAPIError(t, err, "LimitExceededException", "")

	out := must(c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String(a)}))
	if out.Status != types.QueryStatusRunning && out.Status != types.QueryStatusScheduled {
		t.Fatalf("held query is %s", out.Status)
	}
	stop := must(c.StopQuery(ctx, &cwl.StopQueryInput{QueryId: aws.String(a)}))
	if !stop.Success {
		t.Error("StopQuery of a running query: success false")
	}
	if out := waitQuery(t, c, a); out.Status != types.QueryStatusCancelled {
		t.Errorf("stopped query is %s", out.Status)
	}
	if stop := must(c.StopQuery(ctx, &cwl.StopQueryInput{QueryId: aws.String(a)})); stop.Success {
		t.Error("StopQuery of an ended query: success true")
	}
	// The stopped query freed its slot.
	d := startQuery(t, c, "g", "fields @message")
	close(gate)
	for _, id := range []string{b, d} {
		if out := waitQuery(t, c, id); out.Status != types.QueryStatusComplete {
			t.Errorf("query %s is %s", id, out.Status)
		}
	}
	cancelled := must(c.DescribeQueries(ctx, &cwl.DescribeQueriesInput{Status: types.QueryStatusCancelled}))
	if len(cancelled.Queries) != 1 || *cancelled.Queries[0].QueryId != a {
		t.Errorf("cancelled queries %+v", cancelled.Queries)
	}
}

func TestInsightsTimeout(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	c := apiServer(t, insights.Options{Timeout: 50 * time.Millisecond}, func(st *store.Store) insights.Source { return gatedSource{st, gate} })
	must(c.CreateLogGroup(servertest.Ctx(t), &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	if out := waitQuery(t, c, startQuery(t, c, "g", "fields @message")); out.Status != types.QueryStatusTimeout {
		t.Errorf("status %s, want Timeout", out.Status)
	}
}

func TestQueryDefinitions(t *testing.T) {
	in, c := setup(t, "")
	ctx := servertest.Ctx(t)
	var ids []string
	for _, name := range []string{"errors/by-hour", "errors/top", "latency", "errors/all", "zeta"} {
		out := must(c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{
			Name: aws.String(name), QueryString: aws.String("fields @message | limit 5"), LogGroupNames: []string{"app"},
		}))
		ids = append(ids, *out.QueryDefinitionId)
	}
	// Update one, keeping its ID.
	must(c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{
		QueryDefinitionId: aws.String(ids[2]), Name: aws.String("latency"), QueryString: aws.String("stats avg(ms)"),
	}))
	_, err := c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{QueryDefinitionId: aws.String("nope"), Name: aws.String("x"), QueryString: aws.String("fields a")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{Name: aws.String("bad"), QueryString: aws.String("fields a |")})
	wantAPIError(t, err, "InvalidParameterException", "")

	list := func(c *cwl.Client, prefix *string) []string {
		var names []string
		var token *string
		for {
			page := must(c.DescribeQueryDefinitions(ctx, &cwl.DescribeQueryDefinitionsInput{MaxResults: aws.Int32(2), QueryDefinitionNamePrefix: prefix, NextToken: token}))
			if len(page.QueryDefinitions) > 2 {
				t.Fatalf("page of %d", len(page.QueryDefinitions))
			}
			for _, d := range page.QueryDefinitions {
				names = append(names, *d.Name+"="+*d.QueryString)
			}
			if page.NextToken == nil {
				return names
			}
			token = page.NextToken
		}
	}
	want := []string{"errors/all=fields @message | limit 5", "errors/by-hour=fields @message | limit 5", "errors/top=fields @message | limit 5", "latency=stats avg(ms)", "zeta=fields @message | limit 5"}
	if got := list(c, nil); !slices.Equal(got, want) {
		t.Errorf("definitions %q, want %q", got, want)
	}
	if got := list(c, aws.String("errors/")); !slices.Equal(got, want[:3]) {
		t.Errorf("prefixed %q", got)
	}
	del := must(c.DeleteQueryDefinition(ctx, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: aws.String(ids[4])}))
	if !del.Success {
		t.Error("delete: success false")
	}
	_, err = c.DeleteQueryDefinition(ctx, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: aws.String(ids[4])})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	if got := list(servertestClientB(t, c), nil); len(got) != 0 {
		t.Errorf("account B sees %q", got)
	}

	// Definitions are durable.
	dir := in.Dir
	in.Stop()
	c2 := servertest.Start(t, servertest.Options{Dir: dir}).Client(servertest.KeyA)
	if got := list(c2, nil); !slices.Equal(got, want[:4]) {
		t.Errorf("after restart %q, want %q", got, want[:4])
	}
}

func TestListLogGroupsForQuery(t *testing.T) {
	_, c := setup(t, "a", "s")
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("b")}))
	now := time.Now().Unix()
	q := must(c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupNames: []string{"a", "b"}, StartTime: aws.Int64(now - 60), EndTime: aws.Int64(now), QueryString: aws.String("fields @message")}))
	out := must(c.ListLogGroupsForQuery(ctx, &cwl.ListLogGroupsForQueryInput{QueryId: q.QueryId}))
	want := []string{"arn:aws:logs:us-east-1:111111111111:log-group:a", "arn:aws:logs:us-east-1:111111111111:log-group:b"}
	if !slices.Equal(out.LogGroupIdentifiers, want) {
		t.Fatalf("log groups = %q, want %q", out.LogGroupIdentifiers, want)
	}
	_, err := c.ListLogGroupsForQuery(ctx, &cwl.ListLogGroupsForQueryInput{QueryId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}
