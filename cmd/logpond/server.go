package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server"
)

const serverUsage = `Usage: logpond server [flags]

Runs the CloudWatch Logs API on --listen with the embedded store in --data-dir.

Identities (SigV4 verification is on by default):
  --credentials FILE            JSON {"credentials":[{"accessKeyId","secretAccessKey","accountId"}]}
  LOGPOND_ACCESS_KEY_ID, LOGPOND_SECRET_ACCESS_KEY, LOGPOND_ACCOUNT_ID
                                one identity from the environment
  neither                       a key pair is generated once, printed, and kept in
                                DATA_DIR/credentials.json
  --auth none                   accept any request as --account (development only)

A --config FILE (JSON object whose keys are flag names, e.g. {"listen": ":9700"})
supplies defaults; flags on the command line win.

Flags:
`

type serverConfig struct {
	listen      string
	dataDir     string
	credentials string
	authMode    string
	account     string
	logLevel    string
	shutdown    time.Duration

	headMaxBytes int64
	sealInterval time.Duration
	cacheBytes   int64
	readMemory   int64
	memoryLimit  int64
}

func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg serverConfig
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serverUsage); fs.PrintDefaults() }
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:9700", "address to serve the API on (HOST:PORT)")
	fs.StringVar(&cfg.dataDir, "data-dir", "logpond-data", "directory of the embedded store")
	fs.StringVar(&cfg.credentials, "credentials", "", "credentials file (JSON)")
	fs.StringVar(&cfg.authMode, "auth", "sigv4", "authentication: sigv4 or none")
	fs.StringVar(&cfg.account, "account", "000000000000", "account of every request with --auth none")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&cfg.shutdown, "shutdown-timeout", 30*time.Second, "how long to wait for requests in flight at shutdown")
	configFile := fs.String("config", "", "configuration file (JSON; keys are flag names)")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to this file (for benchmarks)")
	pprofListen := fs.String("pprof-listen", "", "serve Go's /debug/pprof/ profiles on this separate address (HOST:PORT; off by default)")
	fs.Int64Var(&cfg.headMaxBytes, "head-max-bytes", 0, "seal the in-memory head into segment files at this many message bytes (0: 32 MiB; writers wait while it holds twice that)")
	fs.DurationVar(&cfg.sealInterval, "seal-interval", 0, "seal the head at least this often (0: 5m)")
	fs.Int64Var(&cfg.cacheBytes, "cache-bytes", 0, "cache of decompressed segment blocks (0: 64 MiB)")
	fs.Int64Var(&cfg.readMemory, "read-memory", 0, "decoded segment blocks one read (scan, search page, listing) holds at once, in bytes; past it, blocks are dropped and decoded again (0: 32 MiB)")
	fs.Int64Var(&cfg.memoryLimit, "memory-limit", -1, "soft limit of the Go heap in bytes, at which garbage collection works harder (-1: from the store's bounds, 256 MiB by default; 0: none; GOMEMLIMIT, if set, wins)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("server: unexpected argument %q", fs.Arg(0))}
	}
	if *configFile != "" {
		if err := applyConfigFile(fs, *configFile); err != nil {
			return err
		}
	}

	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return usageError{fmt.Sprintf("server: --log-level: %v", err)}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	opts := server.Options{DataDir: cfg.dataDir, Logger: logger, DefaultAccount: cfg.account}
	opts.Store.HeadMaxBytes, opts.Store.SealInterval, opts.Store.CacheBytes = cfg.headMaxBytes, cfg.sealInterval, cfg.cacheBytes
	opts.Store.ReadMemory = cfg.readMemory
	switch cfg.authMode {
	case "none":
		opts.NoAuth = true
		logger.Warn("authentication is OFF (--auth none): every request is accepted as account " + cfg.account + "; use only for development")
	case "sigv4":
		keys, err := loadKeys(cfg, stdout, logger)
		if err != nil {
			return err
		}
		opts.Keys = keys
	default:
		return usageError{fmt.Sprintf("server: --auth must be sigv4 or none, not %q", cfg.authMode)}
	}

	applyMemoryLimit(memoryLimit(cfg), logger)
	if *pprofListen != "" {
		stop, err := startPprof(*pprofListen, logger)
		if err != nil {
			return err
		}
		defer stop()
	}

	srv, err := server.Open(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a whole request, body included
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("logpond listening", "addr", ln.Addr().String(), "data_dir", cfg.dataDir, "version", version)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	shutErr := hs.Shutdown(sctx)
	<-errc
	if err := srv.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	if shutErr != nil {
		return fmt.Errorf("shutdown: %w", shutErr)
	}
	logger.Info("stopped")
	return nil
}

// loadKeys finds the identities: --credentials, the environment, or a key
// pair generated once and kept in the data dir.
func loadKeys(cfg serverConfig, stdout io.Writer, logger *slog.Logger) (auth.Keys, error) {
	if cfg.credentials != "" {
		return auth.LoadFile(cfg.credentials)
	}
	if id := os.Getenv("LOGPOND_ACCESS_KEY_ID"); id != "" {
		account := os.Getenv("LOGPOND_ACCOUNT_ID")
		if account == "" {
			account = "000000000000"
		}
		keys := auth.Keys{}
		err := keys.Add(auth.Credential{AccessKeyID: id, SecretAccessKey: os.Getenv("LOGPOND_SECRET_ACCESS_KEY"), AccountID: account})
		if err != nil {
			return nil, fmt.Errorf("LOGPOND_* environment: %w", err)
		}
		return keys, nil
	}
	path := filepath.Join(cfg.dataDir, "credentials.json")
	if _, err := os.Stat(path); err == nil {
		logger.Info("using credentials from the data dir", "file", path)
		return auth.LoadFile(path)
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	c := auth.Generate("000000000000")
	if err := auth.WriteFile(path, auth.File{Credentials: []auth.Credential{c}}); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, `logpond: no credentials configured; generated a key pair (kept in %s):
  export AWS_ACCESS_KEY_ID=%s
  export AWS_SECRET_ACCESS_KEY=%s
  export AWS_REGION=us-east-1
`, path, c.AccessKeyID, c.SecretAccessKey)
	keys := auth.Keys{}
	return keys, keys.Add(c)
}

// applyConfigFile sets every flag named in the JSON file that was not given
// on the command line.
func applyConfigFile(fs *flag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var values map[string]any
	if err := json.Unmarshal(b, &values); err != nil {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for k, v := range values {
		f := fs.Lookup(k)
		if f == nil || k == "config" {
			return fmt.Errorf("config %s: unknown setting %q", path, k)
		}
		if set[k] {
			continue
		}
		s := fmt.Sprint(v)
		if n, ok := v.(float64); ok {
			s = strings.TrimSuffix(fmt.Sprintf("%f", n), ".000000")
		}
		if err := f.Value.Set(s); err != nil {
			return fmt.Errorf("config %s: %s: %w", path, k, err)
		}
	}
	return nil
}

// startCPUProfile profiles until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
