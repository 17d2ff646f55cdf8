package api_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

// TestTransformer with the AWS-format parsers and dateTimeConverter,
// through the SDK.
func TestTransformerVendedLogs(t *testing.T) {
	_, c := setup(t, "")
	ctx := servertest.Ctx(t)
	testTransformer := func(procs []types.Processor, msgs ...string) []string {
		t.Helper()
		out := must(c.TestTransformer(ctx, &cwl.TestTransformerInput{TransformerConfig: procs, LogEventMessages: msgs}))
		if len(out.TransformedLogs) != len(msgs) {
			t.Fatalf("%d transformed logs for %d events", len(out.TransformedLogs), len(msgs))
		}
		var got []string
		for i, r := range out.TransformedLogs {
			if r.EventNumber != int64(i+1) || *r.EventMessage != msgs[i] {
				t.Errorf("event %d: %+v", i+1, r)
			}
			got = append(got, *r.TransformedEventMessage)
		}
		return got
	}

	vpc := []types.Processor{
		{ParseVPC: &types.ParseVPC{}},
		{DeleteKeys: &types.DeleteKeys{WithKeys: []string{"version", "accountId", "interfaceId"}}},
	}
	got := testTransformer(vpc,
		"2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
		"not a flow log")
	want := []string{
		`{"srcAddr":"192.0.2.0","dstAddr":"192.0.2.24","srcPort":20641,"dstPort":22,"protocol":6,"packets":20,"bytes":4249,"start":1418530010,"end":1418530070,"action":"ACCEPT","logStatus":"OK"}`,
		"not a flow log",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("parseVPC event %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}

	dates := []types.Processor{
		{ParseJSON: &types.ParseJSON{}},
		{DateTimeConverter: &types.DateTimeConverter{
			Source: aws.String("german_datetime"), Target: aws.String("target_1"), Locale: aws.String("de"),
			MatchPatterns:  []string{"EEEE dd. MMMM yyyy HH:mm:ss"},
			SourceTimezone: aws.String("Europe/Berlin"), TargetTimezone: aws.String("America/New_York"),
			TargetFormat: aws.String("yyyy-MM-dd'T'HH:mm:ss z"),
		}},
		{DateTimeConverter: &types.DateTimeConverter{
			Source: aws.String("ts"), Target: aws.String("timestamp"),
			MatchPatterns: []string{"dd/MMM/yyyy:HH:mm:ss Z", "yyyy-MM-dd HH:mm:ss"},
		}},
	}
	got = testTransformer(dates,
		`{"german_datetime":"Samstag 05. Dezember 1998 11:00:00","ts":"10/Oct/2000:13:55:36 -0700"}`,
		`{"ts":"2024-05-01 10:00:00"}`,
		`{"ts":"yesterday"}`)
	want = []string{
		`{"german_datetime":"Samstag 05. Dezember 1998 11:00:00","ts":"10/Oct/2000:13:55:36 -0700","target_1":"1998-12-05T05:00:00 EST","timestamp":"2000-10-10T20:55:36.000Z"}`,
		`{"ts":"2024-05-01 10:00:00","timestamp":"2024-05-01T10:00:00.000Z"}`,
		`{"ts":"yesterday"}`,
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("dateTimeConverter event %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}

	ocsf := testTransformer([]types.Processor{{ParseToOCSF: &types.ParseToOCSF{EventSource: types.EventSourceVpcFlow, OcsfVersion: types.OCSFVersionV11}}},
		"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK")
	for _, part := range []string{`"class_uid":4001,`, `"activity_id":5,`, `"type_uid":400105,`, `"time":1418530010000,`,
		`"src_endpoint":{"ip":"172.31.9.69","port":49761}`, `"disposition":"Blocked"`, `"version":"1.1.0"`} {
		if !strings.Contains(ocsf[0], part) {
			t.Errorf("parseToOCSF: %s lacks %s", ocsf[0], part)
		}
	}

	_, err := c.TestTransformer(ctx, &cwl.TestTransformerInput{LogEventMessages: []string{"x"},
		TransformerConfig: []types.Processor{{ParsePostgres: &types.ParsePostgres{Source: aws.String("msg")}}}})
	wantAPIError(t, err, "InvalidParameterException", `Invalid transformerConfig: parsePostgres accepts only @message as source, not "msg".`)
	_, err = c.TestTransformer(ctx, &cwl.TestTransformerInput{LogEventMessages: []string{"{}"},
		TransformerConfig: []types.Processor{{ParseJSON: &types.ParseJSON{}}, {DateTimeConverter: &types.DateTimeConverter{
			Source: aws.String("a"), Target: aws.String("b"), MatchPatterns: []string{"yyyy"}, SourceTimezone: aws.String("Mars/Base")}}}})
	wantAPIError(t, err, "InvalidParameterException", `Invalid dateTimeConverter: sourceTimezone: unknown time zone "Mars/Base".`)
}
