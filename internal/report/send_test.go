package report_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/report"
	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship"
	"github.com/logpond/logpond/internal/ship/shiptest"
)

// These tests send reports to an in-process logpond server through the
// AWS SDK and read them back.

var severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}

// sarifFixture returns a SARIF document of n findings; finding i (from 1)
// has severity severities[i%5], by the route given in the comments.
func sarifFixture(n int) []byte {
	var results []string
	for i := 1; i <= n; i++ {
		var sev string
		switch severities[i%5] {
		case "CRITICAL":
			sev = `"properties":{"security-severity":"9.1"}` // the score wins over the level
		case "HIGH":
			sev = `"level":"error"`
		case "MEDIUM":
			sev = `"level":"warning"`
		case "LOW":
			sev = `"ruleIndex":0` // the rule's default level: note
		case "INFO":
			sev = `"level":"none"`
		}
		results = append(results, fmt.Sprintf(`{"ruleId":"R%d",%s,"message":{"text":"finding %d"},`+
			`"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/f%d.go"},"region":{"startLine":%d}}}]}`, i%37, sev, i, i%100, i))
	}
	return []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fixture-scanner","version":"1.0",` +
		`"rules":[{"id":"R0","defaultConfiguration":{"level":"note"}}]}},"results":[` + strings.Join(results, ",") + `]}]}`)
}

func config(url string, cred auth.Credential) report.Config {
	return report.Config{
		Region:      "us-east-1",
		Endpoint:    url,
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""),
		LogGroup:    "security",
		Retry:       ship.Retry{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	}
}

// filter returns the messages of a stream that match pattern.
func filter(t *testing.T, c *cwl.Client, group, stream, pattern string) []string {
	t.Helper()
	in := &cwl.FilterLogEventsInput{LogGroupName: aws.String(group), LogStreamNames: []string{stream}}
	if pattern != "" {
		in.FilterPattern = aws.String(pattern)
	}
	var out []string
	p := cwl.NewFilterLogEventsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(servertest.Ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			out = append(out, *e.Message)
		}
	}
	return out
}

func createGroup(t *testing.T, c *cwl.Client, name string) {
	t.Helper()
	if _, err := c.CreateLogGroup(servertest.Ctx(t), &cwl.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func TestSend5000Findings(t *testing.T) {
	const n = 5000
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA)
	createGroup(t, c, "security")
	res, err := report.Send(servertest.Ctx(t), config(in.URL, servertest.KeyA), sarifFixture(n))
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != n+1 || res.Findings != n || res.Format != report.FormatSARIF || !strings.HasPrefix(res.Stream, "fixture-scanner-") {
		t.Fatalf("result %+v", res)
	}

	seen := make([]int, n+1)
	for _, sev := range severities {
		for _, m := range filter(t, c, "security", res.Stream, fmt.Sprintf(`{ $.severity = "%s" }`, sev)) {
			var e struct {
				Type, Severity, RunID, Message string
				Index                          int
			}
			if err := json.Unmarshal([]byte(m), &e); err != nil {
				t.Fatal(err)
			}
			if e.Type != "finding" || e.Severity != sev || e.RunID != res.RunID || e.Message != fmt.Sprintf("finding %d", e.Index) {
				t.Fatalf("%s: %s", sev, m)
			}
			if severities[e.Index%5] != sev {
				t.Fatalf("finding %d has severity %s, want %s", e.Index, sev, severities[e.Index%5])
			}
			seen[e.Index]++
		}
	}
	for i := 1; i <= n; i++ {
		if seen[i] != 1 {
			t.Fatalf("finding %d read back %d times", i, seen[i])
		}
	}
	sum := filter(t, c, "security", res.Stream, `{ $.type = "summary" }`)
	if len(sum) != 1 || !strings.Contains(sum[0], `"severityCounts":{"CRITICAL":1000,"HIGH":1000,"INFO":1000,"LOW":1000,"MEDIUM":1000}`) {
		t.Fatalf("summary %q", sum)
	}
}

func TestSendWhole(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA)
	cfg := config(in.URL, servertest.KeyA)
	cfg.Whole, cfg.CreateGroup, cfg.LogStream = true, true, "ci-run-7"
	doc := sarifFixture(3000) // ~600 KB: three parts of 256 KB
	res, err := report.Send(servertest.Ctx(t), cfg, doc)
	if err != nil {
		t.Fatal(err)
	}
	msgs := filter(t, c, "security", "ci-run-7", "")
	if res.Events != 3 || len(msgs) != 3 || res.Format != "whole" {
		t.Fatalf("result %+v, %d events stored", res, len(msgs))
	}
	var joined strings.Builder
	for i, m := range msgs {
		var p struct {
			Part, Parts int
			Data        string
		}
		if err := json.Unmarshal([]byte(m), &p); err != nil {
			t.Fatal(err)
		}
		if p.Part != i+1 || p.Parts != 3 {
			t.Fatalf("part %d of %d in place %d", p.Part, p.Parts, i+1)
		}
		joined.WriteString(p.Data)
	}
	var back any
	if err := json.Unmarshal([]byte(joined.String()), &back); err != nil || len(joined.String()) < len(doc)-10 {
		t.Fatalf("joined parts: %d bytes, %v", joined.Len(), err)
	}
}

func TestSendMissingGroup(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	cfg := config(in.URL, servertest.KeyA)
	_, err := report.Send(servertest.Ctx(t), cfg, sarifFixture(3))
	var se *report.SendError
	if !errors.As(err, &se) || !errors.Is(err, ship.ErrGroupNotFound) || !strings.Contains(se.Reason, `log group "security" in us-east-1 does not exist`) || !strings.Contains(se.Reason, "--create-group") {
		t.Fatalf("error %v", err)
	}
	cfg.CreateGroup = true
	if res, err := report.Send(servertest.Ctx(t), cfg, sarifFixture(3)); err != nil || res.Events != 4 {
		t.Fatalf("with CreateGroup: %+v, %v", res, err)
	}
}

func TestSendMissingConfig(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg := config("http://127.0.0.1:1", servertest.KeyA)
	cfg.Region = ""
	_, err := report.Send(t.Context(), cfg, sarifFixture(1))
	var ve *report.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Msg, "AWS_REGION") {
		t.Fatalf("no region: %v", err)
	}
	cfg.LogGroup = ""
	if _, err := report.Send(t.Context(), cfg, sarifFixture(1)); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "LOGPOND_LOG_GROUP_NAME") {
		t.Fatalf("no group: %v", err)
	}
	cfg = config("http://127.0.0.1:1", servertest.KeyA)
	if _, err := report.Send(t.Context(), cfg, []byte(`{"nothing": 1}`)); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "no findings") {
		t.Fatalf("no findings: %v", err)
	}
}

func TestSendWrongCredentials(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	createGroup(t, in.Client(servertest.KeyA), "security")
	cfg := config(in.URL, auth.Credential{AccessKeyID: servertest.KeyA.AccessKeyID, SecretAccessKey: "wrong"})
	_, err := report.Send(servertest.Ctx(t), cfg, sarifFixture(3))
	var se *report.SendError
	if !errors.As(err, &se) || !errors.Is(err, ship.ErrCredentials) || !strings.Contains(se.Reason, "credentials are missing or were rejected") || !strings.Contains(se.Reason, "InvalidSignatureException") {
		t.Fatalf("error %v", err)
	}
}

// faulty starts a server behind a handler that fails the first calls.
func faulty(t *testing.T, f shiptest.Fault) (*servertest.Instance, *shiptest.Faulty, string) {
	t.Helper()
	in := servertest.Start(t, servertest.Options{})
	createGroup(t, in.Client(servertest.KeyA), "security")
	fh := shiptest.NewFaulty(in.Server.Handler(), f)
	hs := httptest.NewServer(fh)
	t.Cleanup(hs.Close)
	return in, fh, hs.URL
}

func TestSendThrottled(t *testing.T) {
	in, fh, url := faulty(t, shiptest.Throttle("", 4)) // CreateLogStream, then PutLogEvents
	res, err := report.Send(servertest.Ctx(t), config(url, servertest.KeyA), sarifFixture(20))
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries != 4 || fh.Failed() != 4 || res.Events != 21 {
		t.Fatalf("result %+v, %d calls failed", res, fh.Failed())
	}
	if got := filter(t, in.Client(servertest.KeyA), "security", res.Stream, ""); len(got) != 21 {
		t.Fatalf("%d events stored", len(got))
	}
}

func TestSendErrors(t *testing.T) {
	cases := []struct {
		name   string
		fault  shiptest.Fault
		reason string
	}{
		{"throttled to the end", shiptest.Throttle("PutLogEvents", 100), "throttled by the service after 3 attempts"},
		{"access denied", shiptest.Fault{Op: "PutLogEvents", Count: 1, Status: http.StatusBadRequest, Code: "AccessDeniedException",
			Message: "User: arn:aws:iam::1:user/ci is not authorized to perform: logs:PutLogEvents"}, "the IAM permission logs:PutLogEvents on log group \"security\""},
		{"access denied on the stream", shiptest.Fault{Op: "CreateLogStream", Count: 1, Status: http.StatusBadRequest, Code: "AccessDeniedException", Message: "no"},
			"logs:CreateLogStream"},
		{"server error", shiptest.Fault{Op: "PutLogEvents", Count: 100, Status: 500, Code: "InternalFailure", Message: "boom"}, "PutLogEvents log group \"security\" in us-east-1 failed: InternalFailure: boom"},
		{"invalid", shiptest.Fault{Op: "PutLogEvents", Count: 1, Status: 400, Code: "InvalidParameterException", Message: "bad"}, "InvalidParameterException: bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, url := faulty(t, tc.fault)
			cfg := config(url, servertest.KeyA)
			cfg.Retry.MaxAttempts = 3
			_, err := report.Send(servertest.Ctx(t), cfg, sarifFixture(2))
			var se *report.SendError
			if !errors.As(err, &se) || !strings.Contains(se.Reason, tc.reason) {
				t.Fatalf("error %v, want a reason with %q", err, tc.reason)
			}
		})
	}
}

func TestSendUnreachable(t *testing.T) {
	hs := httptest.NewServer(http.NotFoundHandler())
	url := hs.URL
	hs.Close() // nothing listens there now
	cfg := config(url, servertest.KeyA)
	cfg.Retry.MaxAttempts = 2
	_, err := report.Send(servertest.Ctx(t), cfg, sarifFixture(2))
	var se *report.SendError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "cannot reach the service after 2 attempts") {
		t.Fatalf("error %v", err)
	}
}
