package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/logpond/logpond/internal/store"
)

// Cookie names: with TLS the __Host- prefix makes browsers refuse the
// cookie unless it is Secure, for the whole host and set by it.
const (
	cookieName    = "logpond_session"
	cookieNameTLS = "__Host-logpond_session"
	csrfHeader    = "X-Logpond-CSRF"
)

// session is one signed-in browser. Its identity fields never change.
type session struct {
	key         [32]byte // SHA-256 of the cookie value
	accessKeyID string
	scope       store.Scope
	csrf        string
	created     time.Time
	lastSeen    time.Time // guarded by sessions.mu
	ended       bool      // guarded by sessions.mu: signed out or expired
	tails       int       // guarded by sessions.mu: open live tails
}

// sessions holds the signed-in browsers in memory. The map is keyed by a
// hash of the cookie value, so that neither a lookup's timing nor a dump of
// memory reveals usable cookies.
type sessions struct {
	now       func() time.Time
	idle, max time.Duration
	limit     int

	mu    sync.Mutex // guards byKey and every session's lastSeen and ended
	byKey map[[32]byte]*session
}

func newSessions(now func() time.Time, idle, max time.Duration, limit int) *sessions {
	return &sessions{now: now, idle: idle, max: max, limit: limit, byKey: map[[32]byte]*session{}}
}

// create makes a session and returns it with its cookie value.
func (ss *sessions) create(accessKeyID string, scope store.Scope) (*session, string) {
	id := randomToken()
	now := ss.now()
	s := &session{key: sha256.Sum256([]byte(id)), accessKeyID: accessKeyID, scope: scope, csrf: randomToken(), created: now, lastSeen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	for len(ss.byKey) >= ss.limit {
		ss.evictOldestLocked()
	}
	ss.byKey[s.key] = s
	return s, id
}

// get returns the live session of a cookie value and marks it used.
func (ss *sessions) get(id string) *session {
	k := sha256.Sum256([]byte(id))
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byKey[k]
	if s == nil {
		return nil
	}
	if ss.expiredLocked(s, now) {
		ss.endLocked(s)
		return nil
	}
	s.lastSeen = now
	return s
}

// alive reports whether s is still signed in (live tail asks on each poll).
func (ss *sessions) alive(s *session) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !s.ended && ss.expiredLocked(s, ss.now()) {
		ss.endLocked(s)
	}
	return !s.ended
}

func (ss *sessions) tailCount(s *session) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return s.tails
}

func (ss *sessions) addTail(s *session, n int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.tails += n
}

func (ss *sessions) end(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.endLocked(s)
}

func (ss *sessions) endLocked(s *session) {
	s.ended = true
	delete(ss.byKey, s.key)
}

func (ss *sessions) expiredLocked(s *session, now time.Time) bool {
	return s.ended || now.Sub(s.lastSeen) > ss.idle || now.Sub(s.created) > ss.max
}

// expireLocked drops expired sessions; it runs at each sign-in, so the map
// stays bounded by the sessions signed in within SessionMax.
func (ss *sessions) expireLocked(now time.Time) {
	for _, s := range ss.byKey {
		if ss.expiredLocked(s, now) {
			ss.endLocked(s)
		}
	}
}

func (ss *sessions) evictOldestLocked() {
	var oldest *session
	for _, s := range ss.byKey {
		if oldest == nil || s.lastSeen.Before(oldest.lastSeen) {
			oldest = s
		}
	}
	if oldest != nil {
		ss.endLocked(oldest)
	}
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sessionHandler is an endpoint that needs a signed-in session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s *session)

// withSession finds the request's session and, for every method but GET
// and HEAD, checks the request's origin and CSRF token.
func (h *Handler) withSession(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead
		if (safe && !sameOriginRead(r)) || (!safe && !sameOriginWrite(r)) {
			writeError(w, http.StatusForbidden, "AccessDeniedException", "Cross-site requests are not allowed.")
			return
		}
		var s *session
		if c, err := r.Cookie(sessionCookieName(r)); err == nil {
			s = h.sessions.get(c.Value)
		}
		if s == nil {
			writeError(w, http.StatusUnauthorized, "NotSignedIn", "Sign in first: the session is missing or has expired.")
			return
		}
		if !safe && subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(s.csrf)) != 1 {
			writeError(w, http.StatusForbidden, "AccessDeniedException", "Missing or wrong "+csrfHeader+" header.")
			return
		}
		next(w, r, s)
	}
}

func sessionCookieName(r *http.Request) string {
	if r.TLS != nil {
		return cookieNameTLS
	}
	return cookieName
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	c := &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/ui/",
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
	if r.TLS != nil {
		c.Name, c.Path, c.Secure = cookieNameTLS, "/", true
	}
	http.SetCookie(w, c)
}

type signInRequest struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Region          string `json:"region"`
}

// sessionResponse describes the signed-in session to the app. CSRFToken
// goes in the X-Logpond-CSRF header of every later state-changing call.
type sessionResponse struct {
	AccessKeyID string `json:"accessKeyId"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	CSRFToken   string `json:"csrfToken"`
	Expires     int64  `json:"expires"` // ms since the epoch, at the latest
}

func (h *Handler) describe(s *session) sessionResponse {
	return sessionResponse{
		AccessKeyID: s.accessKeyID, Account: s.scope.Account, Region: s.scope.Region,
		CSRFToken: s.csrf, Expires: s.created.Add(h.opts.SessionMax).UnixMilli(),
	}
}

// regionRE accepts what can sit in a SigV4 credential scope's region.
var regionRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// dummySecret is compared against when the key id is unknown, so that a
// wrong id and a wrong secret take the same time.
var dummySecret = []byte(randomToken())

// signIn checks an access key and its secret against the server's
// identities and starts a session bound to the key's account and the
// chosen region. There is no session yet, so instead of a CSRF token it
// needs a JSON body (which a cross-site form cannot send without a
// preflight that we never grant) and a same-origin Origin.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !sameOriginWrite(r) {
		writeError(w, http.StatusForbidden, "AccessDeniedException", "Cross-site requests are not allowed.")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "SerializationException", "Sign in with a JSON body.")
		return
	}
	client := clientIP(r)
	if !h.limiter.allow(client) {
		writeError(w, http.StatusTooManyRequests, "ThrottlingException", "Too many failed sign-ins; wait a few minutes.")
		return
	}
	var in signInRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "Could not parse the sign-in request.")
		return
	}
	if in.Region == "" {
		in.Region = h.opts.DefaultRegion
	}
	if !regionRE.MatchString(in.Region) {
		writeError(w, http.StatusBadRequest, "InvalidParameterException", "The region must be lowercase letters, digits and dashes, such as us-east-1.")
		return
	}
	account, ok := h.checkKey(in.AccessKeyID, in.SecretAccessKey)
	if !ok {
		h.limiter.fail(client)
		h.log.Warn("ui sign-in failed", "access_key_id", in.AccessKeyID, "client", client)
		writeError(w, http.StatusUnauthorized, "InvalidCredentials", "The access key id or secret access key is wrong.")
		return
	}
	s, id := h.sessions.create(in.AccessKeyID, store.Scope{Account: account, Region: in.Region})
	setSessionCookie(w, r, id, int(h.opts.SessionMax/time.Second))
	h.log.Info("ui sign-in", "access_key_id", in.AccessKeyID, "account", account, "region", in.Region, "client", client)
	writeJSON(w, http.StatusOK, h.describe(s))
}

// checkKey returns the account of a valid key pair.
func (h *Handler) checkKey(id, secret string) (string, bool) {
	if h.opts.NoAuth {
		return h.opts.DefaultAccount, true
	}
	want := dummySecret
	cred, known := h.opts.Lookup(id)
	if known {
		want = []byte(cred.SecretAccessKey)
	}
	match := subtle.ConstantTimeCompare([]byte(secret), want) == 1
	return cred.AccountID, known && match && id != ""
}

func (h *Handler) sessionInfo(w http.ResponseWriter, r *http.Request, s *session) {
	writeJSON(w, http.StatusOK, h.describe(s))
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	h.sessions.end(s)
	setSessionCookie(w, r, "", -1)
	writeJSON(w, http.StatusOK, struct{}{})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signInLimiter slows down guessing: a client address with too many failed
// sign-ins within a window is refused until the window has passed.
type signInLimiter struct {
	now func() time.Time

	mu       sync.Mutex // guards failures
	failures map[string][]time.Time
}

const (
	signInWindow      = 5 * time.Minute
	signInMaxFailures = 10
)

func newSignInLimiter(now func() time.Time) *signInLimiter {
	return &signInLimiter{now: now, failures: map[string][]time.Time{}}
}

func (l *signInLimiter) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recentLocked(client)) < signInMaxFailures
}

func (l *signInLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[client] = append(l.recentLocked(client), l.now())
	if len(l.failures) > 10_000 { // forget the idle ones
		for c := range l.failures {
			if len(l.recentLocked(c)) == 0 {
				delete(l.failures, c)
			}
		}
	}
}

// recentLocked returns client's failures within the window, dropping older ones.
func (l *signInLimiter) recentLocked(client string) []time.Time {
	fs := l.failures[client]
	cut := l.now().Add(-signInWindow)
	i := 0
	for i < len(fs) && fs[i].Before(cut) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, client)
		return nil
	}
	l.failures[client] = fs
	return fs
}
