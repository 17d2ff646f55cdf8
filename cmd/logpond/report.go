package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/logpond/logpond/internal/report"
)

const reportUsage = `Usage: logpond report [flags] [FILE]

Sends a JSON document of scan results (SARIF, ASH aggregated results, or any
document with an array of findings) to a CloudWatch Logs log group, of a
logpond server (--endpoint) or of AWS: one summary event and one JSON event
per finding, so that filter patterns such as { $.severity = "HIGH" } select
findings. FILE "-" or none reads standard input. Event shapes: docs/report.md.

Configuration, first found wins:
  region     --region, AWS_REGION, AWS_DEFAULT_REGION, the shared AWS config
  log group  --log-group, LOGPOND_LOG_GROUP_NAME, ASH_CLOUDWATCH_LOG_GROUP_NAME
  credentials the standard AWS chain (environment, --profile or AWS_PROFILE,
             shared files, SSO, roles)
The log group must exist unless --create-group; the log stream (default
TOOL-YYYYMMDDTHHMMSSZ-ID, new per run) is created.

Prints one line of JSON on standard output:
  {"status":"ok","group":...,"stream":...,"events":N,"bytes":N,...}
  {"status":"error","reason":"..."}
Exit status: 0 sent; 1 sending failed; 2 bad flags, configuration or input
(nothing sent).

Flags:
`

// reportStdin is where "-" reads from; tests replace it.
var reportStdin io.Reader = os.Stdin

// reportStatus is the line printed on standard output.
type reportStatus struct {
	Status   string `json:"status"` // "ok" or "error"
	Reason   string `json:"reason,omitempty"`
	Group    string `json:"group,omitempty"`
	Stream   string `json:"stream,omitempty"`
	RunID    string `json:"runId,omitempty"`
	Format   string `json:"format,omitempty"`
	Findings *int   `json:"findings,omitempty"`
	Events   int64  `json:"events"`
	Bytes    int64  `json:"bytes"`
	Retries  int64  `json:"retries,omitempty"`
	Rejected int64  `json:"rejected,omitempty"`
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg report.Config
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, reportUsage); fs.PrintDefaults() }
	fs.StringVar(&cfg.LogGroup, "log-group", "", "log group (default $LOGPOND_LOG_GROUP_NAME, then $ASH_CLOUDWATCH_LOG_GROUP_NAME)")
	fs.StringVar(&cfg.LogStream, "log-stream", "", "log stream (default TOOL-YYYYMMDDTHHMMSSZ-ID)")
	fs.StringVar(&cfg.Region, "region", "", "AWS region (default $AWS_REGION, then $AWS_DEFAULT_REGION, then the shared config)")
	fs.StringVar(&cfg.Endpoint, "endpoint", "", "endpoint URL, e.g. http://127.0.0.1:9700 for logpond (default: AWS)")
	fs.StringVar(&cfg.Profile, "profile", "", "shared AWS config profile (default $AWS_PROFILE)")
	fs.BoolVar(&cfg.CreateGroup, "create-group", false, "create the log group if it does not exist")
	fs.BoolVar(&cfg.Whole, "whole", false, "send the document as one event (in numbered parts when too large), not one event per finding")
	fs.StringVar(&cfg.FindingsPath, "findings-path", "", "where the findings array is, e.g. scan.vulnerabilities or reports[].items")
	fs.StringVar(&cfg.Tool, "tool", "", "tool name (default: from the document)")
	fs.StringVar(&cfg.ToolVersion, "tool-version", "", "tool version (default: from the document)")
	fs.StringVar(&cfg.Target, "target", "", "what was scanned (default: from the document)")
	fs.IntVar(&cfg.Retry.MaxAttempts, "max-attempts", 8, "calls per request on throttling, 5xx and network errors")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")

	fail := func(status reportStatus, exit2 bool) error {
		status.Status = "error"
		printStatus(stdout, status)
		if exit2 {
			return usageError{"report: " + status.Reason}
		}
		return errors.New("report: " + status.Reason)
	}
	var files []string
	for { // flags may follow the file name too
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fail(reportStatus{Reason: err.Error()}, true)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) > 1 {
		return fail(reportStatus{Reason: fmt.Sprintf("one document at a time, got %d", len(files))}, true)
	}
	if cfg.Retry.MaxAttempts < 1 {
		return fail(reportStatus{Reason: "--max-attempts must be at least 1"}, true)
	}
	cfg.ApplyEnv(os.Getenv)

	name := "-"
	if len(files) == 1 {
		name = files[0]
	}
	var doc []byte
	var err error
	if name == "-" {
		doc, err = io.ReadAll(reportStdin)
	} else {
		doc, err = os.ReadFile(name)
	}
	if err != nil {
		return fail(reportStatus{Reason: "read the document: " + err.Error(), Group: cfg.LogGroup}, true)
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := report.Send(ctx, cfg, doc)
	status := reportStatus{
		Group: res.Group, Stream: res.Stream, RunID: res.RunID, Format: res.Format,
		Events: res.Events, Bytes: res.Bytes, Retries: res.Retries, Rejected: res.Rejected,
	}
	if res.Format != "" && res.Format != "whole" {
		status.Findings = &res.Findings
	}
	if err != nil {
		status.Reason = err.Error()
		var ve *report.ValidationError
		return fail(status, errors.As(err, &ve))
	}
	status.Status = "ok"
	printStatus(stdout, status)
	return nil
}

func printStatus(w io.Writer, s reportStatus) {
	b, err := json.Marshal(s)
	if err != nil { // a struct of strings and numbers always encodes
		panic(err)
	}
	fmt.Fprintf(w, "%s\n", b)
}
