package ui

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/logpond/logpond/internal/store"
)

const (
	// tailLateWindow is how far before the present live tail looks on each
	// poll: an event that arrives with a timestamp older than that is not
	// shown (as with `aws logs tail --follow`, whose window is the newest
	// event it has seen).
	tailLateWindow = 60 * time.Second
	// tailMaxPerPoll bounds the events one poll sends; the rest are counted
	// as dropped. The app keeps its own, larger, buffer cap.
	tailMaxPerPoll = 2000
	// tailMaxBacklog bounds the recent events sent when a tail starts.
	tailMaxBacklog = 500
	tailHeartbeat  = 15 * time.Second
	// maxTails bounds the live-tail streams open at once, in all and per
	// session.
	maxTails           = 64
	maxTailsPerSession = 4
)

// tail streams new events as server-sent events: GET /ui/api/tail. It
// polls the store every TailPoll and sends the events it has not sent
// before; see docs/ui-api.md for the protocol.
func (h *Handler) tail(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	sel := selection{
		LogGroupNames:       q["logGroupName"],
		LogStreamNames:      q["logStreamName"],
		LogStreamNamePrefix: q.Get("logStreamNamePrefix"),
		FilterPattern:       q.Get("filterPattern"),
	}
	match, err := sel.check()
	if err != nil {
		writeRequestError(w, err)
		return
	}
	backlog := 100
	if v := q.Get("backlog"); v != "" {
		if backlog, err = strconv.Atoi(v); err != nil || backlog < 0 || backlog > tailMaxBacklog {
			writeRequestError(w, badRequest("backlog must be between 0 and %d.", tailMaxBacklog))
			return
		}
	}
	for _, g := range sel.LogGroupNames {
		if _, err := h.opts.Store.GetGroup(s.scope, g); err != nil {
			writeRequestError(w, err)
			return
		}
	}
	ctx, release, ok := h.startTail(r, s)
	if !ok {
		writeError(w, http.StatusTooManyRequests, "LimitExceededException", "Too many live tails are open; close one first.")
		return
	}
	defer release()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	out.comment("logpond live tail")

	t := &tailer{store: h.opts.Store, scope: s.scope, sel: sel, match: match, seen: map[uint64]int64{}}
	now := h.opts.Now()
	// Mark what exists as seen first, then read the backlog: an event that
	// lands in between is in the backlog, and one after it in a later poll.
	if _, _, err := t.poll(ctx, now); err != nil {
		out.send("end", endMessage{Reason: "error", Message: err.Error()})
		return
	}
	recent, err := t.backlog(backlog)
	if err != nil {
		out.send("end", endMessage{Reason: "error", Message: err.Error()})
		return
	}
	if out.send("events", eventsMessage{Events: recent, Backlog: true}) != nil {
		return
	}

	ticker := time.NewTicker(h.opts.TailPoll)
	defer ticker.Stop()
	lastWrite := time.Now()
	for {
		select {
		case <-ctx.Done():
			out.send("end", endMessage{Reason: "shutdown", Message: "The server is shutting down."})
			return
		case <-ticker.C:
		}
		if !h.sessions.alive(s) {
			out.send("end", endMessage{Reason: "signed-out", Message: "The session has ended."})
			return
		}
		evs, dropped, err := t.poll(ctx, h.opts.Now())
		if err != nil {
			if ctx.Err() == nil {
				out.send("end", endMessage{Reason: "error", Message: err.Error()})
			}
			return
		}
		var werr error
		switch {
		case len(evs) > 0 || dropped > 0:
			werr = out.send("events", eventsMessage{Events: evs, Dropped: dropped})
			lastWrite = time.Now()
		case time.Since(lastWrite) >= tailHeartbeat:
			werr = out.comment("ping")
			lastWrite = time.Now()
		}
		if werr != nil {
			return // the client went away
		}
	}
}

type eventsMessage struct {
	Events  []event `json:"events"`
	Dropped int     `json:"dropped,omitempty"`
	Backlog bool    `json:"backlog,omitempty"`
}

type endMessage struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// startTail admits a live-tail stream and returns the context that ends
// it: the request's, ended also by Close and by the http.Server's
// Shutdown (which otherwise would wait for the stream forever).
func (h *Handler) startTail(r *http.Request, s *session) (context.Context, func(), bool) {
	h.tailsMu.Lock()
	defer h.tailsMu.Unlock()
	select {
	case <-h.stop:
		return nil, nil, false
	default:
	}
	if h.tailCount >= maxTails || h.sessions.tailCount(s) >= maxTailsPerSession {
		return nil, nil, false
	}
	h.tailCount++
	h.sessions.addTail(s, 1)
	h.tails.Add(1)
	ctx, cancel := context.WithCancel(r.Context())
	shutdown := h.endOnShutdownLocked(r)
	go func() {
		select {
		case <-ctx.Done():
		case <-h.stop:
		case <-shutdown:
		}
		cancel()
	}()
	release := func() {
		cancel()
		h.tailsMu.Lock()
		h.tailCount--
		h.tailsMu.Unlock()
		h.sessions.addTail(s, -1)
		h.tails.Done()
	}
	return ctx, release, true
}

// endOnShutdownLocked returns a channel closed when the http.Server that
// serves r starts shutting down. http.Server.Shutdown waits for handlers
// to return but does not cancel their contexts; RegisterOnShutdown is its
// hook for long-lived connections such as this one.
func (h *Handler) endOnShutdownLocked(r *http.Request) <-chan struct{} {
	hs, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if hs == nil {
		return nil
	}
	if ch, ok := h.shutdownCh[hs]; ok {
		return ch
	}
	ch := make(chan struct{})
	h.shutdownCh[hs] = ch
	hs.RegisterOnShutdown(func() {
		h.tailsMu.Lock()
		defer h.tailsMu.Unlock()
		close(ch)
		delete(h.shutdownCh, hs)
	})
	return ch
}

// tailer finds the events of a selection that it has not seen before.
type tailer struct {
	store *store.Store
	scope store.Scope
	sel   selection
	match func(string) bool
	// seen holds the sequence numbers of the events within the late
	// window that have been considered, with their timestamps for pruning.
	seen map[uint64]int64
}

// poll returns the matching events not seen before with timestamps from
// tailLateWindow before now on, oldest first, at most tailMaxPerPoll of
// them (the newest), and how many more it left out.
func (t *tailer) poll(ctx context.Context, now time.Time) ([]event, int, error) {
	low := now.Add(-tailLateWindow).UnixMilli()
	var out []event
	for _, g := range t.sel.LogGroupNames {
		err := t.store.Scan(ctx, t.scope, g, store.TimeRange{Start: low, End: store.AllTime.End}, t.sel.streamNames(), t.sel.LogStreamNamePrefix,
			func(e *store.FilteredEvent) bool {
				if _, ok := t.seen[e.Seq]; ok {
					return true
				}
				t.seen[e.Seq] = e.Timestamp
				if t.match == nil || t.match(e.Message) {
					out = append(out, newEvent(g, e))
				}
				return true
			})
		if err != nil {
			return nil, 0, fmt.Errorf("log group %s: %w", g, err)
		}
	}
	for seq, ts := range t.seen {
		if ts < low {
			delete(t.seen, seq)
		}
	}
	sortEvents(out)
	dropped := 0
	if len(out) > tailMaxPerPoll {
		dropped = len(out) - tailMaxPerPoll
		out = out[dropped:]
	}
	return out, dropped, nil
}

// backlog returns the newest n matching events, oldest first, and marks
// them seen.
func (t *tailer) backlog(n int) ([]event, error) {
	if n == 0 {
		return []event{}, nil
	}
	var out []event
	for _, g := range t.sel.LogGroupNames {
		res, err := t.store.FilterLogEvents(t.scope, g, store.FilterQuery{
			Range: store.AllTime, StreamNames: t.sel.streamNames(), Prefix: t.sel.LogStreamNamePrefix,
			Match: t.match, Backward: true, Limit: n, MaxScan: 5_000_000,
		})
		if err != nil {
			return nil, fmt.Errorf("log group %s: %w", g, err)
		}
		for i := range res.Events {
			e := &res.Events[i]
			t.seen[e.Seq] = e.Timestamp
			out = append(out, newEvent(g, e))
		}
	}
	sortEvents(out)
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out, nil
}

// sortEvents orders events as FilterLogEvents does: by timestamp, then by
// sequence number (the digits 20 to 40 of the eventId).
func sortEvents(evs []event) {
	slices.SortFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
			return c
		}
		return cmp.Compare(a.EventID[20:40], b.EventID[20:40])
	})
}

// sseWriter writes server-sent events and flushes each one.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *sseWriter) send(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("event: ")
	buf.WriteString(name)
	buf.WriteString("\ndata: ")
	buf.Write(b) // JSON has no raw newlines
	buf.WriteString("\n\n")
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *sseWriter) comment(text string) error {
	if _, err := fmt.Fprintf(s.w, ": %s\n\n", text); err != nil {
		return err
	}
	return s.rc.Flush()
}
