// Package slogcw provides a log/slog Handler that sends records as JSON
// log events to a log stream of Amazon CloudWatch Logs or of a logpond
// server.
//
// Logging never waits for the network: Handle encodes the record as
// slog.JSONHandler would (same keys, same value encodings) into a bounded
// buffer and returns. A goroutine of the handler sends the buffer in
// PutLogEvents batches when it holds a batch's worth, every FlushInterval,
// on Flush and on Close, retrying with exponential backoff on throttling,
// 5xx and network errors. What does not fit the buffer is dropped and
// counted (Stats.Dropped); it never blocks the caller.
//
//	client, _ := cloudwatchlogs.NewFromConfig(awsConfig)
//	h, err := slogcw.New(ctx, slogcw.Options{Client: client, LogGroup: "app", LogStream: host})
//	if err != nil { ... }
//	defer h.Close()
//	logger := slog.New(h)
//
// The handler never logs, and records that reach it from its own sending
// (for instance from an HTTP transport that logs with the context it is
// given) are dropped and counted in Stats.Recursive instead of being sent,
// so installing it with slog.SetDefault cannot make it feed itself.
package slogcw

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/logpond/logpond/internal/ship"
)

// Client is the part of the CloudWatch Logs API the handler calls;
// *cloudwatchlogs.Client implements it. Turn off the client's own retries
// (Retryer: aws.NopRetryer{}) if you like: the handler retries.
type Client interface {
	PutLogEvents(ctx context.Context, in *cwl.PutLogEventsInput, optFns ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error)
	CreateLogStream(ctx context.Context, in *cwl.CreateLogStreamInput, optFns ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error)
	CreateLogGroup(ctx context.Context, in *cwl.CreateLogGroupInput, optFns ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error)
}

// Options configure a Handler. Client, LogGroup and LogStream are
// required; every other field has a default.
type Options struct {
	Client    Client
	LogGroup  string
	LogStream string // created when missing
	// CreateLogGroup creates the log group when it is missing too.
	CreateLogGroup bool

	// Level is the minimum level logged; default slog.LevelInfo.
	Level slog.Leveler
	// AddSource adds the "source" attribute with the caller's position.
	AddSource bool
	// ReplaceAttr rewrites or removes attributes, as in slog.HandlerOptions.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// BufferBytes bounds the records waiting to be sent (JSON bytes plus
	// 26 per record); default 8 MiB. One more buffer may be in flight.
	BufferBytes int
	// FlushInterval is the longest a record waits to be sent; default 5s.
	FlushInterval time.Duration
	// CloseTimeout bounds the last send of Close; default 10s.
	CloseTimeout time.Duration
	// MaxAttempts bounds the calls for one batch (default 8); a batch that
	// still fails is counted in Stats.Failed and reported to OnError.
	MaxAttempts int
	// MaxEventBytes bounds one record's JSON; default 262,118 (256 KiB
	// with the API's per-event overhead), at most 1,048,550.
	MaxEventBytes int
	// SplitOversize splits a longer record into several events instead of
	// truncating it with a "…[truncated]" marker (the default).
	SplitOversize bool
	// OnError, if set, receives every error of a send, from the handler's
	// goroutine. It must return promptly. It may log through this handler.
	OnError func(error)
}

// Stats count what a Handler did with its records.
type Stats struct {
	Sent      int64 // events the server stored
	Bytes     int64 // their size, as PutLogEvents counts it
	Dropped   int64 // records refused because the buffer was full, or after Close
	Failed    int64 // records of batches given up on after errors
	Retries   int64 // PutLogEvents calls repeated
	Recursive int64 // records logged by the handler's own sending, dropped
	Truncated int64 // records longer than MaxEventBytes, truncated
	Split     int64 // records longer than MaxEventBytes, split
	Rejected  int64 // events the server refused as too old or too new
}

// Handler is a slog.Handler that ships records. Handlers derived with
// WithAttrs and WithGroup share the buffer, goroutine and Close of the
// handler New returned. All methods may be called concurrently.
type Handler struct {
	c      *core
	pre    []byte   // attrs from WithAttrs, encoded; groups opened in it stay open
	groups []string // every group from WithGroup
	nOpen  int      // how many of groups are opened in pre
}

// core is what a Handler and the handlers derived from it share.
type core struct {
	q            *ship.Queue
	level        slog.Leveler
	addSource    bool
	rep          func(groups []string, a slog.Attr) slog.Attr
	closeTimeout time.Duration
	recursive    atomic.Int64
	stopWatch    func() bool // stops the watch of New's context; set before New returns
	closeOnce    sync.Once
	closeErr     error
}

// ownCallKey marks the contexts of the handler's own API calls.
type ownCallKey struct{}

// New starts a handler. When ctx ends, the handler closes itself (as
// Close does); Close may be called any time before or after.
func New(ctx context.Context, o Options) (*Handler, error) {
	if o.Client == nil {
		return nil, errors.New("slogcw: no Client")
	}
	if o.Level == nil {
		o.Level = slog.LevelInfo
	}
	if o.CloseTimeout == 0 {
		o.CloseTimeout = 10 * time.Second
	}
	so := ship.Options{
		API:           o.Client,
		Group:         o.LogGroup,
		Stream:        o.LogStream,
		CreateStream:  true,
		CreateGroup:   o.CreateLogGroup,
		MaxEventBytes: o.MaxEventBytes,
		Oversize:      ship.Truncate,
		Retry:         ship.Retry{MaxAttempts: o.MaxAttempts},
	}
	if o.SplitOversize {
		so.Oversize = ship.Split
	}
	s, err := ship.NewSender(so)
	if err != nil {
		return nil, errors.New("slogcw: " + err.Error())
	}
	c := &core{level: o.Level, addSource: o.AddSource, rep: o.ReplaceAttr, closeTimeout: o.CloseTimeout}
	q, err := ship.NewQueue(s, ship.QueueOptions{
		MaxBufferBytes: o.BufferBytes,
		FlushInterval:  o.FlushInterval,
		OnError:        o.OnError,
		Context:        context.WithValue(context.Background(), ownCallKey{}, c),
	})
	if err != nil {
		return nil, errors.New("slogcw: " + err.Error())
	}
	c.q = q
	if ctx == nil {
		ctx = context.Background()
	}
	c.stopWatch = context.AfterFunc(ctx, func() { c.close() })
	return &Handler{c: c}, nil
}

// Enabled reports whether level is at least Options.Level.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.c.level.Level()
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Handle encodes r and queues it. It does not wait: a record that does not
// fit the buffer is dropped and counted. It always returns nil.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil && ctx.Value(ownCallKey{}) == h.c {
		h.c.recursive.Add(1)
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	buf := h.appendRecord((*bp)[:0], &r)
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	h.c.q.TryAddValid(ts.UnixMilli(), buf) // appendRecord writes only valid UTF-8
	if cap(buf) <= 64<<10 {
		*bp = buf
		bufPool.Put(bp)
	}
	return nil
}

// appendRecord encodes r as one JSON object.
func (h *Handler) appendRecord(buf []byte, r *slog.Record) []byte {
	c := h.c
	e := encoder{rep: c.rep}
	buf = append(buf, '{')
	if c.rep == nil { // the common case, without building attrs
		if !r.Time.IsZero() {
			buf = append(buf, `"`+slog.TimeKey+`":`...)
			buf = appendTime(buf, r.Time)
			buf = append(buf, ',')
		}
		buf = appendLevel(buf, r.Level)
		if c.addSource {
			if src := recordSource(r); src != nil {
				buf, _ = e.appendAttr(buf, slog.Any(slog.SourceKey, src))
			}
		}
		buf = append(buf, `,"`+slog.MessageKey+`":`...)
		buf = appendString(buf, r.Message)
	} else {
		if !r.Time.IsZero() {
			buf, _ = e.appendAttr(buf, slog.Time(slog.TimeKey, r.Time.Round(0)))
		}
		buf, _ = e.appendAttr(buf, slog.Any(slog.LevelKey, r.Level))
		if c.addSource {
			if src := recordSource(r); src != nil {
				buf, _ = e.appendAttr(buf, slog.Any(slog.SourceKey, src))
			}
		}
		buf, _ = e.appendAttr(buf, slog.String(slog.MessageKey, r.Message))
	}

	if len(h.pre) > 0 {
		if buf[len(buf)-1] != '{' {
			buf = append(buf, ',')
		}
		buf = append(buf, h.pre...)
	}
	open := h.nOpen
	if r.NumAttrs() > 0 {
		mark := len(buf)
		for _, g := range h.groups[h.nOpen:] {
			buf = appendKey(buf, g)
			buf = append(buf, '{')
		}
		opened := len(buf)
		if c.rep != nil { // capped: appends must not write into h.groups
			e.groups = h.groups[:len(h.groups):len(h.groups)]
		}
		r.Attrs(func(a slog.Attr) bool {
			buf, _ = e.appendAttr(buf, a)
			return true
		})
		if len(buf) == opened { // nothing written: no empty groups either
			buf = buf[:mark]
		} else {
			open = len(h.groups)
		}
	}
	for range open {
		buf = append(buf, '}')
	}
	return append(buf, '}')
}

// WithAttrs returns a handler whose records carry attrs too.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	buf := append([]byte(nil), h.pre...)
	for _, g := range h.groups[h.nOpen:] {
		buf = appendKey(buf, g)
		buf = append(buf, '{')
	}
	opened := len(buf)
	e := encoder{rep: h.c.rep}
	if e.rep != nil {
		e.groups = h.groups[:len(h.groups):len(h.groups)]
	}
	for _, a := range attrs {
		buf, _ = e.appendAttr(buf, a)
	}
	if len(buf) == opened { // every attr was elided
		return h
	}
	h2.pre = buf
	h2.nOpen = len(h.groups)
	return &h2
}

// WithGroup returns a handler that puts the attrs of its records, and of
// its later WithAttrs, in the group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], name)
	return &h2
}

// Flush sends every record handled before the call and returns the first
// error of that send, or ctx's error if ctx ends first.
func (h *Handler) Flush(ctx context.Context) error { return h.c.q.Flush(ctx) }

// Close sends what is buffered, waiting at most Options.CloseTimeout, and
// stops the handler's goroutine. Records handled after Close are dropped
// and counted. It returns the last send's error; later calls return the
// same.
func (h *Handler) Close() error {
	h.c.stopWatch()
	return h.c.close()
}

// close is Close, also run by the watch of New's context.
func (c *core) close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
		defer cancel()
		c.closeErr = c.q.Close(ctx)
	})
	return c.closeErr
}

// Stats returns what the handler has done so far.
func (h *Handler) Stats() Stats {
	st := h.c.q.Stats()
	return Stats{
		Sent:      st.Events,
		Bytes:     st.Bytes,
		Dropped:   st.Dropped,
		Failed:    st.Failed,
		Retries:   st.Retries,
		Recursive: h.c.recursive.Load(),
		Truncated: st.Truncated,
		Split:     st.Split,
		Rejected:  st.TooOld + st.TooNew + st.Expired,
	}
}
