// Package server assembles a logpond server: the store on disk, the
// CloudWatch Logs API with its authentication, and the HTTP routes around
// them. cmd/logpond and in-process tests build servers through it.
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/logpond/logpond/internal/api"
	"github.com/logpond/logpond/internal/api/sigv4"
	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/store"
	"github.com/logpond/logpond/internal/ui"
)

// Options configure a Server.
type Options struct {
	DataDir string
	// Keys are the accepted access keys. Required unless NoAuth.
	Keys auth.Keys
	// NoAuth accepts unsigned and wrongly signed requests as DefaultAccount
	// (development only).
	NoAuth         bool
	DefaultAccount string
	Logger         *slog.Logger
	Now            func() time.Time // injected clock for tests; default time.Now
	// LiveTailMaxDuration ends live tail sessions (default 3 h, as AWS).
	LiveTailMaxDuration time.Duration
	// Store tunes the embedded store (seal thresholds, cache size); its
	// Dir, Logger, Now and Metrics are set by Open.
	Store store.Options
}

// Server is an assembled logpond server.
type Server struct {
	Store   *store.Store
	handler http.Handler
	ui      *ui.Handler
	api     *api.Server // its Close stops running Logs Insights queries
}

// Open opens the store in opts.DataDir and builds the HTTP handler.
func Open(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !opts.NoAuth && len(opts.Keys) == 0 {
		return nil, errors.New("server: no credentials configured and authentication is on")
	}
	set := metrics.NewSet()
	so := opts.Store
	so.Dir, so.Logger, so.Now, so.Metrics = opts.DataDir, opts.Logger, opts.Now, set
	st, err := store.Open(so)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	apiOpts := api.Options{Store: st, Logger: opts.Logger, Now: opts.Now, DefaultAccount: opts.DefaultAccount, Metrics: set,
		LiveTailMaxDuration: opts.LiveTailMaxDuration}
	if !opts.NoAuth {
		apiOpts.Auth = &sigv4.Verifier{Lookup: opts.Keys.Lookup, Service: "logs", Now: opts.Now}
	}
	a, err := api.New(apiOpts)
	if err != nil {
		st.Close()
		return nil, err
	}
	u, err := ui.New(ui.Options{API: a, Store: st, Lookup: opts.Keys.Lookup, NoAuth: opts.NoAuth,
		DefaultAccount: opts.DefaultAccount, Logger: opts.Logger, Now: opts.Now})
	if err != nil {
		a.Close()
		st.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", a)
	// The web UI; a browser that opens the server's address lands on it.
	mux.Handle("/ui/", u)
	mux.Handle("GET /{$}", ui.RedirectBrowsers(a))
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		set.WritePrometheus(w)
		metrics.WriteProcessMetrics(w)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok\n"))
	})
	// Anything else that is not the API gets the API's own error shape, so
	// that misdirected SDK calls fail clearly.
	mux.Handle("/", a)
	return &Server{Store: st, handler: mux, ui: u, api: a}, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close ends the UI's live-tail streams, stops running Logs Insights
// queries and closes the store. Stop serving HTTP first.
func (s *Server) Close() error {
	s.ui.Close()
	return errors.Join(s.api.Close(), s.Store.Close())
}
