// Package agent is logpond's log shipper: it reads sources (files, with
// their rotations; the systemd journal; standard input; the Windows event
// log), turns what they hold into events (timestamps, multi-line events,
// encodings, an optional normalised format), and ships them to log
// streams through internal/ship, to logpond or to Amazon CloudWatch Logs.
//
// Delivery is at least once. A source's checkpoint (a file's offset, a
// journal cursor) advances only after the server acknowledged the batch
// that carried its events, or after the batch was written to the on-disk
// spool that keeps a stream's batches while the server is unreachable.
// Checkpoints live in STATE_DIR/checkpoints.json, replaced atomically
// (temporary file, fsync, rename, directory fsync). After a crash at most
// the batch in flight per stream is sent again.
//
// The file formats (checkpoints, spool, parked batches) are specified in
// docs/agent.md.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/logpond/logpond/internal/ship"
)

// Options configure an Agent.
type Options struct {
	Config *Config // required; validated by New
	Logger *slog.Logger
	// API is the CloudWatch Logs client; nil builds one from the
	// Config's endpoint, region and profile with the standard AWS chain.
	API API
	// Stdin feeds stdin sources; default os.Stdin.
	Stdin io.Reader
	// Retry overrides how patiently one send retries before spooling
	// (tests); the zero value is the agent's default.
	Retry ship.Retry
}

// Agent runs sources and pipelines. Run runs it; Reload swaps its
// configuration; both may be called from other goroutines than the one
// that runs it.
type Agent struct {
	o       Options
	log     *slog.Logger
	api     API
	metrics *metrics

	state     *state // nil without a state dir
	spoolRoot string
	parkDir   string
	budget    *spoolBudget

	reload chan reloadReq

	hostOnce sync.Once
	host     hostInfo

	mu    sync.Mutex // guards pipes and cfg
	pipes map[destKey]*pipeline
	cfg   *Config
}

// New checks the configuration and prepares an agent; nothing runs yet.
func New(ctx context.Context, o Options) (*Agent, error) {
	if o.Config == nil {
		return nil, errors.New("agent: no configuration")
	}
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Retry == (ship.Retry{}) {
		o.Retry = senderRetry
	}
	a := &Agent{o: o, log: o.Logger, api: o.API, metrics: newMetrics(), reload: make(chan reloadReq, 1), cfg: o.Config}
	if a.api == nil {
		api, err := newAPI(ctx, o.Config)
		if err != nil {
			return nil, err
		}
		a.api = api
	}
	a.budget = &spoolBudget{max: int64(o.Config.Spool.MaxBytes), used: &a.metrics.spoolBytes}
	a.metrics.spoolMax.Store(int64(o.Config.Spool.MaxBytes))
	return a, nil
}

// newAPI builds the client of a configuration from the standard AWS
// chain; with an endpoint (logpond) and no region anywhere, us-east-1.
func newAPI(ctx context.Context, c *Config) (API, error) {
	o := ship.ClientOptions{Endpoint: c.Endpoint, Region: c.Region, Profile: c.Profile}
	cl, err := ship.NewClient(ctx, o)
	if errors.Is(err, ship.ErrNoRegion) && c.Endpoint != "" {
		o.Region = "us-east-1"
		cl, err = ship.NewClient(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	return cl, nil
}

// Metrics returns the handler of /metrics.
func (a *Agent) Metrics() http.Handler { return a.metrics }

// Reload replaces the configuration: Run stops the sources, sends (or
// spools) what they read, and starts the new ones, which continue from
// their checkpoints. A new endpoint, region or profile gets a new client
// (unless Options.API was given). state_dir, metrics_listen and hostname
// are not changed by a reload. An invalid configuration is refused and
// the old one stays.
func (a *Agent) Reload(c *Config) error {
	err := c.Validate()
	a.mu.Lock()
	old := a.cfg
	a.mu.Unlock()
	if err == nil && c.StateDir != old.StateDir {
		err = fmt.Errorf("reload: state_dir cannot change while running (%q → %q)", old.StateDir, c.StateDir)
	}
	r := reloadReq{cfg: c}
	if err == nil && a.o.API == nil && (c.Endpoint != old.Endpoint || c.Region != old.Region || c.Profile != old.Profile) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r.api, err = newAPI(ctx, c)
		cancel()
	}
	if err != nil {
		a.metrics.reloadErrors.Add(1)
		return err
	}
	select {
	case <-a.reload: // a reload not yet taken is replaced
	default:
	}
	a.reload <- r
	return nil
}

// reloadReq is a validated configuration and, if it needs one, its client.
type reloadReq struct {
	cfg *Config
	api API
}

// Run runs the agent until ctx ends, or, when every source is finite
// (stdin), until they have ended and everything they read is
// acknowledged or spooled. At the end it stops the sources and gives the
// pipelines ShutdownTimeout to send what they hold; the rest is spooled.
func (a *Agent) Run(ctx context.Context) error {
	a.mu.Lock()
	cfg := a.cfg
	a.mu.Unlock()
	if cfg.StateDir != "" {
		st, err := openState(cfg.StateDir)
		if err != nil {
			return err
		}
		defer st.Close()
		a.state = st
		a.spoolRoot = filepath.Join(cfg.StateDir, "spool")
		a.parkDir = filepath.Join(cfg.StateDir, "parked")
	}
	if cfg.MetricsListen != "" {
		stop, err := a.serveMetrics(cfg.MetricsListen)
		if err != nil {
			return err
		}
		defer stop()
	}
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone() // an ended context: stop sending after the timeout, from now
	for {
		g, err := a.start(ctx, cfg)
		if err != nil {
			return err
		}
		a.log.Info("agent running", "sources", len(cfg.Sources), "from", cfg.From)
		timeout := time.Duration(cfg.ShutdownTimeout)
		select {
		case <-ctx.Done():
			g.stop(ctx, timeout)
			return nil
		case <-g.finished:
			// Finite sources ended: wait for their events to be sent,
			// for as long as it takes unless ctx ends.
			g.stop(ctx, timeout)
			return nil
		case err := <-g.failed:
			g.stop(done, timeout)
			return err
		case r := <-a.reload:
			a.log.Info("reloading configuration", "from", r.cfg.From)
			g.stop(done, timeout)
			a.metrics.reloads.Add(1)
			cfg = r.cfg
			if r.api != nil {
				a.api = r.api
			}
			// No pipeline runs between two generations.
			a.budget.max = int64(cfg.Spool.MaxBytes)
			a.metrics.spoolMax.Store(a.budget.max)
			a.mu.Lock()
			a.cfg = cfg
			a.mu.Unlock()
		}
	}
}

// serveMetrics serves /metrics on addr until the returned function is
// called.
func (a *Agent) serveMetrics(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	a.log.Info("metrics listening", "addr", ln.Addr().String())
	return func() { hs.Close(); <-done }, nil
}

// generation is one configuration's sources and pipelines.
type generation struct {
	a        *Agent
	cancel   context.CancelFunc // stops the sources
	sendStop context.CancelFunc // ends the pipelines' sends
	sources  sync.WaitGroup
	finished chan struct{} // closed when every source ended, if all are finite
	failed   chan error    // a source failed
}

// source is one running source. run returns when ctx ends or, for a
// finite source, when its input ends.
type source interface {
	run(ctx context.Context) error
}

// sourceEnv is what a source needs from the agent.
type sourceEnv struct {
	a     *Agent
	state *state
	stats *sourceStats
	log   *slog.Logger
	ctx   context.Context // the pipelines' send context

	// Tests replace the agent's pipelines and host name.
	dest func(cfg *SourceConfig, vars map[string]string) sink
	host string
}

func (e *sourceEnv) hostname() string {
	if e.a == nil {
		return e.host
	}
	return e.a.hostInfo().hostname
}

// destFor returns the started pipeline of the stream that cfg's names
// resolve to with vars.
func (e *sourceEnv) destFor(cfg *SourceConfig, vars map[string]string) sink {
	if e.dest != nil {
		return e.dest(cfg, vars)
	}
	return e.a.pipeline(e.ctx, e.a.resolve(cfg, vars), cfg)
}

func (a *Agent) start(ctx context.Context, cfg *Config) (*generation, error) {
	sctx, cancel := context.WithCancel(ctx)
	sendCtx, sendStop := context.WithCancel(context.WithoutCancel(ctx))
	g := &generation{a: a, cancel: cancel, sendStop: sendStop, finished: make(chan struct{}), failed: make(chan error, len(cfg.Sources))}
	a.mu.Lock()
	a.pipes = map[destKey]*pipeline{}
	a.mu.Unlock()

	// Streams with a spool from before drain it even if no source feeds
	// them any more.
	if a.state != nil {
		keys, err := listSpools(a.spoolRoot)
		if err != nil {
			cancel()
			sendStop()
			return nil, err
		}
		for _, k := range keys {
			a.pipeline(sendCtx, k, &SourceConfig{})
		}
	}
	var srcs []source
	finite := 0
	for i := range cfg.Sources {
		sc := &cfg.Sources[i]
		env := &sourceEnv{a: a, state: a.state, stats: a.metrics.source(sc.Name, sc.Type), log: a.log.With("source", sc.Name), ctx: sendCtx}
		var s source
		var err error
		switch sc.Type {
		case TypeFile:
			s, err = newFileSource(sc, env)
		case TypeJournald:
			s = newJournaldSource(sc, env)
		case TypeStdin:
			s = newStdinSource(sc, env, a.o.Stdin)
			finite++
		case TypeEventLog:
			s, err = newEventLogSource(sc, env)
		}
		if err != nil {
			cancel()
			g.closePipes()
			sendStop()
			return nil, fmt.Errorf("source %q: %w", sc.Name, err)
		}
		srcs = append(srcs, s)
	}
	for i, s := range srcs {
		name := cfg.Sources[i].Name
		g.sources.Go(func() {
			if err := s.run(sctx); err != nil {
				g.failed <- fmt.Errorf("source %q: %w", name, err)
			}
		})
	}
	go func() {
		g.sources.Wait()
		if finite == len(srcs) {
			close(g.finished)
		}
	}()
	return g, nil
}

// stop stops the sources, then closes the pipelines: they send what they
// hold, for up to timeout once ctx has ended, and spool the rest.
func (g *generation) stop(ctx context.Context, timeout time.Duration) {
	g.cancel()
	g.sources.Wait()
	closed := make(chan struct{})
	go func() { g.closePipes(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
		t := time.NewTimer(timeout)
		select {
		case <-closed:
		case <-t.C:
			g.sendStop()
			<-closed
		}
		t.Stop()
	}
	g.sendStop()
}

func (g *generation) closePipes() {
	g.a.mu.Lock()
	pipes := g.a.pipes
	g.a.pipes = nil
	g.a.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pipes {
		wg.Go(p.close)
	}
	wg.Wait()
}

// pipeline returns the started pipeline of d, creating it with cfg's
// batch settings if it does not exist yet.
func (a *Agent) pipeline(sendCtx context.Context, d destKey, cfg *SourceConfig) *pipeline {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.pipes[d]; p != nil {
		return p
	}
	if cfg.BatchCount == 0 { // a spool's pipeline before any source named it
		c := *cfg
		c.applyDefaults(&SourceConfig{})
		cfg = &c
	}
	lim := cfg.limits()
	send, err := newShipSender(a.api, d, lim, a.o.Retry)
	if err != nil {
		// The limits were validated with the configuration.
		panic(fmt.Sprintf("agent: sender for %s: %v", d, err))
	}
	p := newPipeline(a, d, lim, int32(cfg.RetentionInDays), send, sendCtx)
	p.start()
	a.pipes[d] = p
	return p
}

// resolve fills in the placeholders of a source's group and stream.
func (a *Agent) resolve(cfg *SourceConfig, vars map[string]string) destKey {
	h := a.hostInfo()
	r := func(tmpl string) string {
		if !strings.Contains(tmpl, "{") {
			return tmpl
		}
		return placeholderRE.ReplaceAllStringFunc(tmpl, func(p string) string {
			switch p {
			case "{hostname}":
				return h.hostname
			case "{instance_id}":
				return a.instanceID()
			case "{ip_address}":
				return h.ip
			case "{source}":
				return cfg.Name
			case "{date}":
				return time.Now().UTC().Format("2006-01-02")
			}
			if v, ok := vars[p]; ok {
				return v
			}
			return p
		})
	}
	return destKey{group: r(cfg.Group), stream: sanitizeStream(r(cfg.Stream))}
}

// sanitizeStream replaces the characters a stream name may not have.
func sanitizeStream(s string) string {
	return strings.NewReplacer(":", "_", "*", "_").Replace(s)
}

type hostInfo struct {
	hostname, ip string
	instanceID   string
	idOnce       sync.Once
}

func (a *Agent) hostInfo() *hostInfo {
	a.hostOnce.Do(func() {
		a.mu.Lock()
		h := a.cfg.Hostname
		a.mu.Unlock()
		if h == "" {
			h, _ = os.Hostname()
		}
		if h == "" {
			h = "localhost"
		}
		a.host.hostname = h
		a.host.ip = localIP()
	})
	return &a.host
}

// instanceID asks the EC2 instance metadata service once; off EC2 it
// falls back to the host name.
func (a *Agent) instanceID() string {
	h := a.hostInfo()
	h.idOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out, err := imds.New(imds.Options{}).GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
		if err == nil {
			b, rerr := io.ReadAll(out.Content)
			out.Content.Close()
			if rerr == nil && len(b) > 0 {
				h.instanceID = strings.TrimSpace(string(b))
				return
			}
		}
		a.log.Warn("no EC2 instance id (not on EC2?); {instance_id} is the host name", "err", err)
		h.instanceID = h.hostname
	})
	return h.instanceID
}

// localIP returns the first non-loopback IPv4 address, else 127.0.0.1.
func localIP() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}
