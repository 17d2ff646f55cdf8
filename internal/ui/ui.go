// Package ui serves logpond's web UI under /ui/: the built single-page app
// embedded from dist/ (its TypeScript source is in web/), browser sessions
// signed in with an access key, and the JSON and event-stream endpoints
// the app calls (docs/ui-api.md): CloudWatch operations run as the
// session's account, histogram buckets, the context of an event, and live
// tail.
//
// The app and its data share one origin. Sessions live in memory (a
// restart signs everyone out); the cookie is HttpOnly and SameSite=Strict,
// and every state-changing call needs the session's CSRF token in a header
// and a same-origin Origin.
package ui

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/logpond/logpond/internal/api/sigv4"
	"github.com/logpond/logpond/internal/store"
)

// Invoker runs a CloudWatch Logs operation as an account and region; it is
// implemented by *api.Server.
type Invoker interface {
	Invoke(ctx context.Context, scope store.Scope, opName string, body []byte) (status int, resp []byte)
}

// Options configure a Handler.
type Options struct {
	API   Invoker
	Store *store.Store
	// Lookup finds the credential of an access key id for sign-in. Nil
	// with NoAuth.
	Lookup func(accessKeyID string) (sigv4.Credential, bool)
	// NoAuth signs in anyone, whatever key they type, as DefaultAccount
	// (the server's --auth none, development only).
	NoAuth         bool
	DefaultAccount string // default 000000000000
	DefaultRegion  string // offered at sign-in; default us-east-1
	Logger         *slog.Logger
	Now            func() time.Time

	// SessionIdle and SessionMax bound a session's life without requests
	// and in all (defaults 12 h and 7 days).
	SessionIdle, SessionMax time.Duration
	// MaxSessions bounds the sessions kept; signing in beyond it ends the
	// least recently used one (default 10,000).
	MaxSessions int
	// TailPoll is how often live tail looks for new events (default 500 ms).
	TailPoll time.Duration
}

// Handler serves /ui/. Close ends its live-tail streams.
type Handler struct {
	opts     Options
	log      *slog.Logger
	sessions *sessions
	limiter  *signInLimiter
	assets   *assets
	mux      *http.ServeMux

	// stop is closed by Close; live-tail streams end when it is.
	stop     chan struct{}
	stopOnce sync.Once
	// tails counts open live-tail streams (bounded by maxTails); Close
	// waits for them.
	tails     sync.WaitGroup
	tailsMu   sync.Mutex // guards tailCount and shutdownCh
	tailCount int
	// shutdownCh has, for each http.Server serving live tails, a channel
	// its Shutdown closes (see endOnShutdownLocked).
	shutdownCh map[*http.Server]chan struct{}
}

// New returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.DefaultAccount == "" {
		opts.DefaultAccount = "000000000000"
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 12 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 7 * 24 * time.Hour
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 10_000
	}
	if opts.TailPoll <= 0 {
		opts.TailPoll = 500 * time.Millisecond
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		opts:       opts,
		log:        opts.Logger,
		sessions:   newSessions(opts.Now, opts.SessionIdle, opts.SessionMax, opts.MaxSessions),
		limiter:    newSignInLimiter(opts.Now),
		assets:     a,
		stop:       make(chan struct{}),
		shutdownCh: map[*http.Server]chan struct{}{},
	}
	h.mux = h.routes()
	return h, nil
}

// routes maps the UI's paths to their handlers. Every path is under /ui/.
func (h *Handler) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /ui/api/config", h.config)
	m.HandleFunc("GET /ui/api/session", h.withSession(h.sessionInfo))
	m.HandleFunc("POST /ui/api/session", h.signIn)
	m.HandleFunc("DELETE /ui/api/session", h.withSession(h.signOut))
	m.HandleFunc("POST /ui/api/op/{operation}", h.withSession(h.operation))
	m.HandleFunc("POST /ui/api/histogram", h.withSession(h.histogram))
	m.HandleFunc("POST /ui/api/context", h.withSession(h.eventContext))
	m.HandleFunc("GET /ui/api/tail", h.withSession(h.tail))
	m.HandleFunc("/ui/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "No such UI endpoint: "+r.Method+" "+r.URL.Path)
	})
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.assets.serve(w, r)
	})
	return m
}

// ServeHTTP serves a request under /ui/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	h.mux.ServeHTTP(w, r)
}

// Close ends the live-tail streams and waits for them. The handler still
// serves other requests afterwards, and refuses new streams.
func (h *Handler) Close() error {
	h.stopOnce.Do(func() { close(h.stop) })
	h.tails.Wait()
	return nil
}

type configResponse struct {
	AuthRequired  bool   `json:"authRequired"`
	DefaultRegion string `json:"defaultRegion"`
}

// config tells the sign-in page what to ask for.
func (h *Handler) config(w http.ResponseWriter, r *http.Request) {
	if !sameOriginRead(r) {
		writeError(w, http.StatusForbidden, "AccessDeniedException", "Cross-site requests are not allowed.")
		return
	}
	writeJSON(w, http.StatusOK, configResponse{AuthRequired: !h.opts.NoAuth, DefaultRegion: h.opts.DefaultRegion})
}

// RedirectBrowsers sends a browser's page load (Accept: text/html) to the
// UI at /ui/ and passes every other request to next, so that API clients
// keep the API's answers.
func RedirectBrowsers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/ui/", http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
