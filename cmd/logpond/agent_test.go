package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestAgentCheck(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	if err := os.WriteFile(logFile, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	yamlPath := filepath.Join(dir, "agent.yaml")
	yaml := "endpoint: http://127.0.0.1:9700\nstate_dir: " + filepath.Join(dir, "state") + "\nsources:\n  - name: app\n    paths: [" + filepath.Join(dir, "*.log") + "]\n    group: app\n    stream: \"{filename}\"\n"
	if err := os.WriteFile(yamlPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	awslogs := filepath.Join(dir, "awslogs.conf")
	if err := os.WriteFile(awslogs, []byte("[general]\nstate_file = "+filepath.Join(dir, "old", "agent-state")+"\n\n[app]\nfile = "+logFile+"\nlog_group_name = app\nlog_stream_name = {hostname}\ndatetime_format = %b %d %H:%M:%S\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	f := func(args []string, wantErr string, wantOut ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"agent"}, args...), &out, &errOut)
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%q: %v\n%s", args, err, errOut.String())
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%q: error %v, want one containing %q", args, err, wantErr)
		}
		for _, w := range wantOut {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: output lacks %q:\n%s", args, w, out.String())
			}
		}
	}
	f([]string{"--check", "--config", yamlPath}, "", "logpond at http://127.0.0.1:9700", "matching now: "+logFile, "→ app / app.log", "configuration OK")
	f([]string{"--check", "--config", awslogs}, "", `source "app" (file)`, "identity: device/inode + fingerprint of the lines 1", "the old agent's state is not imported", "configuration OK")
	f([]string{"--check", "--config", awslogs, "--state-dir", filepath.Join(dir, "s2"), "--endpoint", "http://h:1"}, "", "state: "+filepath.Join(dir, "s2"), "logpond at http://h:1")
	f([]string{"--check", "--endpoint", "http://127.0.0.1:9700", "--file", filepath.Join(dir, "*.log"), "--group", "quick", "--state-dir", filepath.Join(dir, "q")}, "",
		`→ quick / `, "configuration OK")
	f([]string{"--check", "--stdin", "--group", "pipe", "--stream", "s"}, "", `source "stdin" (stdin)`, `→ group "pipe" stream "s"`)
	f([]string{"--check", "--file", "x.log", "--group", "g"}, "needs state_dir")
	f([]string{"--check", "--file", "x.log"}, "--group is required")
	f([]string{"--check"}, "give --config FILE")
	f([]string{"--check", "--config", yamlPath, "--file", "x"}, "do not go together")
	f([]string{"--check", "--config", filepath.Join(dir, "missing.yaml")}, "read config")

	var ue usageError
	if err := run(context.Background(), []string{"agent", "--bogus"}, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) {
		t.Errorf("unknown flag: %v, want a usage error", err)
	}
}

// TestAgentSIGHUP runs `logpond agent --config FILE` against an in-process
// server, changes the file and sends SIGHUP: the new source starts.
func TestAgentSIGHUP(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP")
	}
	in := servertest.Start(t, servertest.Options{})
	t.Setenv("AWS_ACCESS_KEY_ID", servertest.KeyA.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", servertest.KeyA.SecretAccessKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	for _, n := range []string{"a.log", "b.log"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("first line of "+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "agent.yaml")
	writeCfg := func(files ...string) {
		y := "endpoint: " + in.URL + "\nstate_dir: " + filepath.Join(dir, "state") + "\ndefaults:\n  group: hup\n  stream: \"{filename}\"\n  flush_interval: 50ms\n  poll_interval: 20ms\n  scan_interval: 50ms\nsources:\n"
		for _, f := range files {
			y += "  - paths: [" + filepath.Join(dir, f) + "]\n"
		}
		if err := os.WriteFile(cfgPath, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("a.log")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"agent", "--config", cfgPath, "--log-level", "warn"}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()
	c := in.Client(servertest.KeyA)
	waitEvents := func(stream string) bool {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			out, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("hup"), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
			if err == nil && len(out.Events) > 0 {
				return true
			}
		}
		return false
	}
	if !waitEvents("a.log") {
		t.Fatal("a.log never arrived")
	}
	writeCfg("a.log", "b.log")
	p, _ := os.FindProcess(os.Getpid())
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitEvents("b.log") {
		t.Fatal("after SIGHUP, b.log never arrived")
	}
}
