package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/server/servertest"
	"github.com/logpond/logpond/internal/ship/shiptest"
)

// reportEnv isolates the AWS configuration of a report test: credentials
// of account A from the environment, no shared files, no region, no
// group, no instance metadata.
func reportEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":             servertest.KeyA.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":         servertest.KeyA.SecretAccessKey,
		"AWS_SESSION_TOKEN":             "",
		"AWS_PROFILE":                   "",
		"AWS_CONFIG_FILE":               filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":   filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":     "true",
		"AWS_ENDPOINT_URL":              "",
		"AWS_REGION":                    "",
		"AWS_DEFAULT_REGION":            "",
		"LOGPOND_LOG_GROUP_NAME":        "",
		"ASH_CLOUDWATCH_LOG_GROUP_NAME": "",
	} {
		t.Setenv(k, v)
	}
}

const reportDoc = `{"findings": [{"id": "F1", "severity": "high", "title": "one"}, {"id": "F2", "severity": "low", "title": "two"}]}`

func writeDoc(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runReportCmd runs "logpond report args..." and returns the status line,
// decoded, and the error run returned.
func runReportCmd(t *testing.T, args ...string) (map[string]any, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"report"}, args...), &out, &errb)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines: %q", len(lines), out.String())
	}
	var status map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &status); err != nil {
		t.Fatalf("status %q: %v", lines[0], err)
	}
	return status, err
}

func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

func countEvents(t *testing.T, c *cwl.Client, group, stream string) int {
	t.Helper()
	n := 0
	p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String(group), LogStreamNames: []string{stream}})
	for p.HasMorePages() {
		page, err := p.NextPage(servertest.Ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Events)
	}
	return n
}

func TestReportCommand(t *testing.T) {
	reportEnv(t)
	in := servertest.Start(t, servertest.Options{})
	c := in.Client(servertest.KeyA) // us-east-1
	for _, g := range []string{"flag-group", "logpond-group", "ash-group"} {
		if _, err := c.CreateLogGroup(servertest.Ctx(t), &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	file := writeDoc(t, reportDoc)

	// Where each setting comes from. Resources live per region in
	// logpond, so a report that used the wrong region is not found in
	// us-east-1.
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		group string
	}{
		{"flags win", map[string]string{"AWS_REGION": "eu-west-1", "LOGPOND_LOG_GROUP_NAME": "logpond-group"},
			[]string{"--region", "us-east-1", "--log-group", "flag-group"}, "flag-group"},
		{"AWS_REGION and LOGPOND_LOG_GROUP_NAME", map[string]string{"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "eu-west-1",
			"LOGPOND_LOG_GROUP_NAME": "logpond-group", "ASH_CLOUDWATCH_LOG_GROUP_NAME": "ash-group"}, nil, "logpond-group"},
		{"AWS_DEFAULT_REGION and ASH_CLOUDWATCH_LOG_GROUP_NAME", map[string]string{"AWS_DEFAULT_REGION": "us-east-1",
			"ASH_CLOUDWATCH_LOG_GROUP_NAME": "ash-group"}, nil, "ash-group"},
		{"shared config", map[string]string{"ASH_CLOUDWATCH_LOG_GROUP_NAME": "ash-group", "AWS_CONFIG_FILE": "[default]\nregion = us-east-1\n"}, nil, "ash-group"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				if k == "AWS_CONFIG_FILE" {
					v = writeDoc(t, v)
				}
				t.Setenv(k, v)
			}
			args := append([]string{"--endpoint", in.URL, "--log-stream", "run-" + strings.ReplaceAll(tc.name, " ", "-"), file}, tc.args...)
			status, err := runReportCmd(t, args...)
			if err != nil {
				t.Fatalf("%v; status %v", err, status)
			}
			if status["status"] != "ok" || status["group"] != tc.group || status["events"] != 3.0 || status["findings"] != 2.0 || status["format"] != "findings" {
				t.Fatalf("status %v", status)
			}
			if n := countEvents(t, c, tc.group, status["stream"].(string)); n != 3 {
				t.Fatalf("%d events stored in us-east-1", n)
			}
		})
	}
}

func TestReportCommandStdinAndDefaults(t *testing.T) {
	reportEnv(t)
	in := servertest.Start(t, servertest.Options{})
	t.Setenv("AWS_REGION", "us-east-1")
	reportStdin = strings.NewReader(`{"runs":[{"tool":{"driver":{"name":"Bandit"}},"results":[{"ruleId":"B1","level":"error","message":{"text":"x"}}]}]}`)
	defer func() { reportStdin = os.Stdin }()
	status, err := runReportCmd(t, "--endpoint", in.URL, "--log-group", "new-group", "--create-group", "-")
	if err != nil {
		t.Fatal(err)
	}
	if status["status"] != "ok" || !strings.HasPrefix(status["stream"].(string), "bandit-") || status["format"] != "sarif" {
		t.Fatalf("status %v", status)
	}
	if n := countEvents(t, in.Client(servertest.KeyA), "new-group", status["stream"].(string)); n != 2 {
		t.Fatalf("%d events stored", n)
	}
}

func TestReportCommandFailures(t *testing.T) {
	reportEnv(t)
	in := servertest.Start(t, servertest.Options{})
	file := writeDoc(t, reportDoc)
	throttled := shiptest.NewFaulty(in.Server.Handler(), shiptest.Throttle("PutLogEvents", 1000))
	hs := httptest.NewServer(throttled)
	defer hs.Close()
	if _, err := in.Client(servertest.KeyA).CreateLogGroup(servertest.Ctx(t), &cwl.CreateLogGroupInput{LogGroupName: aws.String("exists")}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		exit   int
		reason string
	}{
		{"no region", nil, []string{"--endpoint", in.URL, "--log-group", "exists", file}, 2, "no AWS region: set --region, AWS_REGION or AWS_DEFAULT_REGION"},
		{"no group", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--endpoint", in.URL, file}, 2,
			"no log group: set --log-group, LOGPOND_LOG_GROUP_NAME or ASH_CLOUDWATCH_LOG_GROUP_NAME"},
		{"group does not exist", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--endpoint", in.URL, "--log-group", "missing", file}, 1,
			`log group "missing" in us-east-1 does not exist: create it, or pass --create-group`},
		{"wrong credentials", map[string]string{"AWS_REGION": "us-east-1", "AWS_SECRET_ACCESS_KEY": "wrong"}, []string{"--endpoint", in.URL, "--log-group", "exists", file}, 1,
			"the AWS credentials are missing or were rejected"},
		{"unknown key", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDNOBODY"}, []string{"--endpoint", in.URL, "--log-group", "exists", file}, 1,
			"UnrecognizedClientException"},
		{"throttled", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--endpoint", hs.URL, "--log-group", "exists", "--max-attempts", "2", file}, 1,
			"throttled by the service after 2 attempts"},
		{"not JSON", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--endpoint", in.URL, "--log-group", "exists", writeDoc(t, "{")}, 2, "not valid JSON"},
		{"no file", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--log-group", "exists", filepath.Join(t.TempDir(), "nope.json")}, 2, "read the document"},
		{"two files", nil, []string{file, file}, 2, "one document at a time"},
		{"bad flag", nil, []string{"--nope"}, 2, "flag provided but not defined"},
		{"bad endpoint", map[string]string{"AWS_REGION": "us-east-1"}, []string{"--endpoint", "localhost:9700", "--log-group", "exists", file}, 2, "not an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			status, err := runReportCmd(t, tc.args...)
			if got := exitCode(err); got != tc.exit {
				t.Fatalf("exit %d, want %d (%v)", got, tc.exit, err)
			}
			reason, _ := status["reason"].(string)
			if status["status"] != "error" || !strings.Contains(reason, tc.reason) {
				t.Fatalf("status %v, want a reason with %q", status, tc.reason)
			}
		})
	}
}
