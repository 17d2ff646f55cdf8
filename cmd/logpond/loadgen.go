package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/logpond/logpond/internal/loadgen"
)

const loadgenUsage = `Usage: logpond loadgen [flags]

Sends a deterministic mixed web/JSON corpus through signed PutLogEvents
requests and reports the ingest rate. Without --endpoint it starts its own
logpond server on a temporary data dir and also reports the server's CPU
time (events per server CPU-second) and bytes on disk.

Flags:
`

func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadgenUsage); fs.PrintDefaults() }
	var o loadgen.Options
	fs.StringVar(&o.Endpoint, "endpoint", "", "endpoint URL (default: start a server)")
	fs.StringVar(&o.AccessKeyID, "access-key", os.Getenv("AWS_ACCESS_KEY_ID"), "access key id (default $AWS_ACCESS_KEY_ID)")
	fs.StringVar(&o.Secret, "secret", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key (default $AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&o.Region, "region", "us-east-1", "region")
	fs.StringVar(&o.Group, "group", "loadgen", "log group")
	fs.IntVar(&o.Workers, "workers", 8, "concurrent writers, one stream each")
	fs.IntVar(&o.Events, "events", 1_000_000, "events to send")
	fs.IntVar(&o.BatchSize, "batch", 5000, "events per PutLogEvents")
	seed := fs.Uint64("seed", 1, "corpus seed")
	serverPID := fs.Int("server-pid", 0, "with --endpoint: pid of the server, to report its CPU time")
	cpuProfile := fs.String("server-cpu-profile", "", "without --endpoint: write the server's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	o.Seed = *seed

	var srv *spawned
	if o.Endpoint == "" {
		var err error
		if srv, err = spawnServer(ctx, *cpuProfile, stderr); err != nil {
			return err
		}
		defer srv.stop()
		o.Endpoint, o.AccessKeyID, o.Secret, *serverPID = srv.url, srv.key, srv.secret, srv.cmd.Process.Pid
	}
	if o.AccessKeyID == "" {
		return usageError{"loadgen: no credentials (--access-key/--secret or AWS_* environment)"}
	}
	cpu0, _ := processCPU(*serverPID)
	res, err := loadgen.Run(ctx, o)
	cpu1, _ := processCPU(*serverPID)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	secs := res.Elapsed.Seconds()
	fmt.Fprintf(stdout, "events            %d in %d requests (%d workers, batch %d)\n", res.Events, res.Requests, o.Workers, o.BatchSize)
	if res.Retries > 0 {
		fmt.Fprintf(stdout, "retries           %d PutLogEvents repeated after 503/throttling\n", res.Retries)
	}
	fmt.Fprintf(stdout, "elapsed           %.2f s\n", secs)
	fmt.Fprintf(stdout, "throughput        %.0f events/s, %.1f MB/s of messages (avg %.0f B/event)\n",
		float64(res.Events)/secs, float64(res.Bytes)/secs/1e6, float64(res.Bytes)/float64(max(res.Events, 1)))
	if *serverPID > 0 && cpu1 > cpu0 {
		cpu := (cpu1 - cpu0).Seconds()
		fmt.Fprintf(stdout, "server CPU        %.2f s (%.0f%% of one core)\n", cpu, 100*cpu/secs)
		fmt.Fprintf(stdout, "per server CPU-s  %.0f events\n", float64(res.Events)/cpu)
	}
	if srv != nil {
		fmt.Fprintf(stdout, "data dir          %d bytes on disk (%.1f B/event)\n", dirSize(srv.dir), float64(dirSize(srv.dir))/float64(max(res.Events, 1)))
	}
	return nil
}

type spawned struct {
	cmd         *exec.Cmd
	dir         string
	url         string
	key, secret string
}

// spawnServer starts this binary as a server on a free loopback port.
func spawnServer(ctx context.Context, cpuProfile string, stderr io.Writer) (*spawned, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "logpond-loadgen-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &spawned{dir: dir, url: "http://" + addr, key: "AKIDLOADGEN", secret: "loadgen-secret"}
	args := []string{"server", "--listen", addr, "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn"}
	if cpuProfile != "" {
		args = append(args, "--cpu-profile", cpuProfile)
	}
	s.cmd = exec.Command(exe, args...)
	s.cmd.Env = append(os.Environ(), "LOGPOND_ACCESS_KEY_ID="+s.key, "LOGPOND_SECRET_ACCESS_KEY="+s.secret, "LOGPOND_ACCOUNT_ID=123456789012")
	s.cmd.Stdout, s.cmd.Stderr = stderr, stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if i == 100 || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *spawned) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	os.RemoveAll(s.dir)
}

// processCPU returns the user+system CPU time of a process (Linux).
func processCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may contain spaces) in parentheses.
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(rest) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, _ := strconv.ParseInt(rest[11], 10, 64)
	stime, _ := strconv.ParseInt(rest[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
