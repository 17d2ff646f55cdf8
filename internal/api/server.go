// Package api implements the CloudWatch Logs wire protocol (JSON 1.1 over
// HTTP POST, X-Amz-Target: Logs_20140328.<Operation>, SigV4): it
// authenticates requests, decodes and validates them against the service
// model, calls the store, and encodes responses and errors exactly as
// CloudWatch Logs does.
package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/klauspost/compress/gzip"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/api/sigv4"
	"github.com/logpond/logpond/internal/insights"
	"github.com/logpond/logpond/internal/store"
)

const targetPrefix = "Logs_20140328."

// Authenticator checks a request's signature and names its account.
type Authenticator interface {
	// Verify is given the request and its raw body (before gzip decoding).
	Verify(r *http.Request, body []byte) (sigv4.Identity, error)
}

// Options configure a Server.
type Options struct {
	Store *store.Store
	// Auth verifies requests; nil accepts any request (development only) as
	// DefaultAccount in the region of the credential scope, if any.
	Auth           Authenticator
	DefaultAccount string // for Auth == nil; default 000000000000
	DefaultRegion  string // when a request names none; default us-east-1
	// MaxBodyBytes bounds a request body, compressed or not (default 8 MiB:
	// a full PutLogEvents batch with JSON escaping fits).
	MaxBodyBytes int64
	Logger       *slog.Logger
	Now          func() time.Time
	// Metrics receives request counts and durations; nil keeps them private.
	Metrics *metrics.Set
	// LiveTailMaxDuration ends live tail sessions (default 3 h, as AWS).
	LiveTailMaxDuration time.Duration
	// Insights configures Logs Insights queries; Source, Now and Ptr are
	// filled in (the store, Now, and the API's @ptr encoding) when unset.
	Insights insights.Options
}

// Server is the CloudWatch Logs API as an http.Handler.
type Server struct {
	opts  Options
	log   *slog.Logger
	store *store.Store
	ops   map[string]handler
	// insights runs Logs Insights queries; Close stops it.
	insights *insights.Manager
}

// call is one API request in flight.
type call struct {
	ctx   context.Context
	op    *model.Operation
	scope store.Scope
	body  []byte

	// incomplete is set by a read that could not return every event it
	// should have (quarantined segments); the response then carries the
	// X-Logpond-Incomplete header.
	incomplete bool
}

// incompleteHeader marks responses of reads that met quarantined segments.
const incompleteHeader = "X-Logpond-Incomplete"

// handler runs an operation and returns the response value to encode.
type handler func(c *call) (any, error)

// New returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("api: no store")
	}
	if opts.DefaultAccount == "" {
		opts.DefaultAccount = "000000000000"
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewSet()
	}
	if opts.LiveTailMaxDuration <= 0 {
		opts.LiveTailMaxDuration = 3 * time.Hour
	}
	io := opts.Insights
	if io.Source == nil {
		io.Source = opts.Store
	}
	if io.Now == nil {
		io.Now = opts.Now
	}
	if io.Ptr == nil {
		io.Ptr = encodePtr
	}
	mgr, err := insights.New(io)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, store: opts.Store, insights: mgr}
	s.ops = s.routes()
	return s, nil
}

// Close stops the running Logs Insights queries and waits for them. Stop
// serving requests first; close the store after.
func (s *Server) Close() error { return s.insights.Close() }

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// statusWriter remembers the status of a response for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// deadlines of streaming responses).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP handles one API request.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
	defer func() { s.observe(r.Header.Get("X-Amz-Target"), w.status, time.Since(start)) }()
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	if r.Method != http.MethodPost {
		s.writeError(w, errorf(http.StatusMethodNotAllowed, "UnknownOperationException", "The CloudWatch Logs API accepts only POST requests."))
		return
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 16<<20 {
			bodyPool.Put(buf)
		}
	}()
	if cl := r.ContentLength; cl > 0 && cl <= s.opts.MaxBodyBytes {
		buf.Grow(int(cl) + bytes.MinRead) // read in place, without doubling
	}
	if err := readLimited(buf, r.Body, s.opts.MaxBodyBytes); err != nil {
		s.writeError(w, toAPIError(err))
		return
	}
	raw := buf.Bytes()

	id, err := s.authenticate(r, raw)
	if err != nil {
		s.writeError(w, toAPIError(err))
		return
	}
	body := raw
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		if body, err = gunzip(raw, s.opts.MaxBodyBytes); err != nil {
			s.writeError(w, toAPIError(err))
			return
		}
	}

	s.respond(r.Context(), w, reqID, r.Header.Get("X-Amz-Target"), store.Scope{Account: id.AccountID, Region: id.Region}, body)
}

// Invoke runs the operation opName (e.g. "FilterLogEvents") as scope, for
// callers inside the server that have authenticated the caller themselves
// (the web UI's sessions): the same decoding, validation, handler and
// error mapping as a signed request, without HTTP or SigV4. It returns the
// HTTP status and the JSON body a signed request would have received. body
// is the uncompressed JSON request; it must not change until Invoke returns.
func (s *Server) Invoke(ctx context.Context, scope store.Scope, opName string, body []byte) (status int, resp []byte) {
	rec := &recorder{header: http.Header{}}
	if int64(len(body)) > s.opts.MaxBodyBytes {
		s.writeError(rec, errorf(http.StatusRequestEntityTooLarge, "InvalidParameterException", "Request body exceeds the limit of %d bytes.", s.opts.MaxBodyBytes))
	} else {
		s.respond(ctx, rec, newRequestID(), targetPrefix+opName, scope, body)
	}
	return rec.status, rec.body.Bytes()
}

// respond dispatches a decoded, authenticated request to its handler and
// writes the response or the error.
func (s *Server) respond(ctx context.Context, w http.ResponseWriter, reqID, target string, scope store.Scope, body []byte) {
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := model.Lookup(name)
	if !ok || !known {
		s.writeError(w, errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %q.", target))
		return
	}
	if sh := s.streamHandler(name); sh != nil {
		if err := sh(&call{ctx: ctx, op: op, scope: scope, body: body}, w); err != nil {
			s.writeError(w, toAPIError(err))
		}
		return
	}
	h := s.ops[name]
	if h == nil {
		s.writeError(w, errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported by logpond yet.", name))
		return
	}
	c := &call{ctx: ctx, op: op, scope: scope, body: body}
	resp, err := h(c)
	if err != nil {
		ae := toAPIError(err)
		if ae.Status >= 500 {
			s.log.Error("request failed", "op", name, "request_id", reqID, "err", err)
		}
		var mq *malformedQueryError
		if errors.As(err, &mq) {
			s.writeJSON(w, ae.Status, mq.body())
			return
		}
		s.writeError(w, ae)
		return
	}
	if c.incomplete {
		w.Header().Set(incompleteHeader, "some events are in quarantined segments and could not be read")
	}
	s.writeJSON(w, http.StatusOK, resp)
}

// observe counts a finished request by operation and status.
func (s *Server) observe(target string, status int, d time.Duration) {
	op, ok := strings.CutPrefix(target, targetPrefix)
	if _, known := model.Lookup(op); !ok || !known {
		op = "unknown"
	}
	set := s.opts.Metrics
	set.GetOrCreateCounter(fmt.Sprintf(`logpond_api_requests_total{operation=%q,status="%d"}`, op, status)).Inc()
	set.GetOrCreateHistogram(fmt.Sprintf(`logpond_api_request_duration_seconds{operation=%q}`, op)).Update(d.Seconds())
}

func (s *Server) authenticate(r *http.Request, body []byte) (sigv4.Identity, error) {
	if s.opts.Auth != nil {
		return s.opts.Auth.Verify(r, body)
	}
	id := sigv4.Identity{AccountID: s.opts.DefaultAccount, Region: regionFromAuthorization(r.Header.Get("Authorization"))}
	if id.Region == "" {
		id.Region = s.opts.DefaultRegion
	}
	return id, nil
}

// regionFromAuthorization extracts the region of a SigV4 credential scope
// without verifying anything (for --auth none).
func regionFromAuthorization(h string) string {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}

func readLimited(buf *bytes.Buffer, r io.Reader, limit int64) error {
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return serializationError("could not read request body: %v", err)
	}
	if n > limit {
		return errorf(http.StatusRequestEntityTooLarge, "InvalidParameterException", "Request body exceeds the limit of %d bytes.", limit)
	}
	return nil
}

func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, serializationError("invalid gzip request body: %v", err)
	}
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, serializationError("invalid gzip request body: %v", err)
	}
	if n > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "InvalidParameterException", "Decompressed request body exceeds the limit of %d bytes.", limit)
	}
	return out.Bytes(), nil
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, e *Error) {
	s.writeJSON(w, e.Status, struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
}

// recorder is the http.ResponseWriter of Invoke.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// decode validates c's body against the operation's input shape and then
// decodes it into v. Validation errors come back in AWS's wording.
func (c *call) decode(v any) error {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return serializationError("Could not parse request body: %v", err)
	}
	if dec.More() {
		return serializationError("Could not parse request body: trailing data after JSON value")
	}
	vs, err := model.Validate(c.op.Input, tree)
	var te *model.TypeError
	if errors.As(err, &te) {
		return serializationError("%v", te)
	}
	if len(vs) > 0 {
		return validationError(c.op, vs)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return serializationError("Could not parse request body: %v", err)
	}
	return nil
}
