package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/logpond/logpond/internal/agent"
)

const agentUsage = `Usage:
  logpond agent --config FILE [--check]
  logpond agent --endpoint URL --file GLOB --group G [--stream S] --state-dir DIR
  ... | logpond agent --stdin --group G [--stream S] [--endpoint URL]

Ships log files, the systemd journal, standard input or the Windows event
log to logpond (--endpoint) or to Amazon CloudWatch Logs, at least once:
checkpoints advance only after the server acknowledged, and batches are
spooled on disk while it is unreachable.

--config takes the agent's YAML file (see docs/agent.md) or the original
CloudWatch Logs agent's awslogs.conf. --check validates it, prints the
resolved plan and exits. SIGHUP reloads the file; SIGTERM or SIGINT stops
after sending (or spooling) what was read.

Credentials and region come from the standard AWS chain (AWS_* variables,
~/.aws/config and credentials, profiles, instance roles). Flags given on
the command line override the file's endpoint, region, profile, state dir
and metrics address.

Flags:
`

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type agentFlags struct {
	config, endpoint, region, profile, stateDir, metrics string
	group, stream, format, initial, logLevel             string
	files                                                stringList
	stdin, check                                         bool
	retention                                            int
}

// agentStdin is the stdin of stdin sources (tests replace it).
var agentStdin io.Reader = os.Stdin

// agentGCPercent is the agent's GOGC unless the environment sets one.
const agentGCPercent = 200

func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f agentFlags
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agentUsage); fs.PrintDefaults() }
	fs.StringVar(&f.config, "config", "", "configuration file: YAML, or an awslogs.conf")
	fs.BoolVar(&f.check, "check", false, "validate the configuration, print the plan and exit")
	fs.StringVar(&f.endpoint, "endpoint", "", "logpond's URL, e.g. http://127.0.0.1:9700 (default: AWS)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: from the AWS environment; us-east-1 with --endpoint)")
	fs.StringVar(&f.profile, "profile", "", "AWS shared-config profile")
	fs.StringVar(&f.stateDir, "state-dir", "", "directory of checkpoints, spool and parked batches")
	fs.StringVar(&f.metrics, "metrics-listen", "", "serve /metrics on HOST:PORT")
	fs.Var(&f.files, "file", "quick start: ship files matching this glob (repeatable)")
	fs.BoolVar(&f.stdin, "stdin", false, "quick start: ship standard input until it ends")
	fs.StringVar(&f.group, "group", "", "quick start: log group")
	fs.StringVar(&f.stream, "stream", "{hostname}", "quick start: log stream")
	fs.StringVar(&f.format, "format", "raw", "quick start: raw or cloudlog")
	fs.StringVar(&f.initial, "initial-position", "start_of_file", "quick start: start_of_file or end_of_file, for files seen the first time")
	fs.IntVar(&f.retention, "retention", 0, "quick start: retention in days of groups the agent creates")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("agent: unexpected argument %q", fs.Arg(0))}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usageError{fmt.Sprintf("agent: --log-level: %v", err)}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg, err := agentConfig(&f, set)
	if err != nil {
		return err
	}
	if f.check {
		cfg.Plan(stdout)
		fmt.Fprintln(stdout, "\nconfiguration OK")
		return nil
	}
	for _, w := range cfg.Warnings {
		logger.Warn(w)
	}

	// The agent's heap is small and mostly short-lived batches: collect
	// less often than the default (docs/agent.md, benchmarks).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(agentGCPercent)
	}
	a, err := agent.New(ctx, agent.Options{Config: cfg, Logger: logger, Stdin: agentStdin})
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	for {
		select {
		case err := <-done:
			return err
		case <-hup:
			if f.config == "" {
				logger.Warn("SIGHUP: no --config file to reload")
				continue
			}
			nc, err := agentConfig(&f, set)
			if err == nil {
				err = a.Reload(nc)
			}
			if err != nil {
				logger.Error("SIGHUP: configuration not reloaded; the old one stays", "err", err)
			}
		}
	}
}

// agentConfig builds the configuration from --config (with the flags
// given overriding it) or from the quick-start flags, and validates it.
func agentConfig(f *agentFlags, set map[string]bool) (*agent.Config, error) {
	var cfg *agent.Config
	quick := len(f.files) > 0 || f.stdin
	switch {
	case f.config != "" && quick:
		return nil, usageError{"agent: --config and the quick-start flags (--file, --stdin) do not go together"}
	case f.config != "":
		b, err := os.ReadFile(f.config)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		if cfg, err = agent.ParseConfig(b, f.config); err != nil {
			return nil, err
		}
	case quick:
		if f.group == "" {
			return nil, usageError{"agent: --group is required with --file or --stdin"}
		}
		cfg = &agent.Config{From: "command line"}
		src := agent.SourceConfig{Group: f.group, Stream: f.stream, Format: f.format, RetentionInDays: f.retention, InitialPosition: f.initial}
		if len(f.files) > 0 {
			s := src
			s.Type, s.Paths = agent.TypeFile, f.files
			cfg.Sources = append(cfg.Sources, s)
		}
		if f.stdin {
			s := src
			s.Type, s.Name = agent.TypeStdin, "stdin"
			cfg.Sources = append(cfg.Sources, s)
		}
	default:
		return nil, usageError{"agent: give --config FILE, or --file GLOB (or --stdin) with --group"}
	}
	override := func(flagName string, dst *string, v string) {
		if set[flagName] || (*dst == "" && v != "") {
			*dst = v
		}
	}
	override("endpoint", &cfg.Endpoint, f.endpoint)
	override("region", &cfg.Region, f.region)
	override("profile", &cfg.Profile, f.profile)
	override("state-dir", &cfg.StateDir, f.stateDir)
	override("metrics-listen", &cfg.MetricsListen, f.metrics)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}
