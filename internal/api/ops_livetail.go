package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/logpond/logpond/internal/store"
)

// Live tail limits, as CloudWatch Logs documents them.
const (
	liveTailUpdateEvery = time.Second // at most one sessionUpdate per second
	liveTailMaxEvents   = 500         // events per sessionUpdate; more are sampled
	liveTailBuffer      = 10_000      // events held between updates before dropping
)

// streamHandler returns the handler of an operation whose response is an
// event stream, or nil. Such a handler writes the response itself; an error
// it returns before the stream started becomes an ordinary error response.
func (s *Server) streamHandler(name string) func(c *call, w http.ResponseWriter) error {
	if name == "StartLiveTail" {
		return s.startLiveTail
	}
	return nil
}

type startLiveTailInput struct {
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
	LogStreamNames        []string `json:"logStreamNames"`
	LogStreamNamePrefixes []string `json:"logStreamNamePrefixes"`
	LogEventFilterPattern *string  `json:"logEventFilterPattern"`
}

type liveTailEvent struct {
	LogStreamName      string `json:"logStreamName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	Message            string `json:"message"`
	Timestamp          int64  `json:"timestamp"`
	IngestionTime      int64  `json:"ingestionTime"`
}

// tailBuffer collects matching events between two updates.
type tailBuffer struct {
	mu      sync.Mutex // guards the fields below
	events  []liveTailEvent
	dropped bool
}

// startLiveTail streams the events put into up to 10 log groups, as
// sessionStart then a sessionUpdate each second, until the client goes
// away or the session reaches its maximum duration (SessionTimeoutException).
func (s *Server) startLiveTail(c *call, w http.ResponseWriter) error {
	var in startLiveTailInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if len(in.LogStreamNames) > 0 && len(in.LogStreamNamePrefixes) > 0 {
		return invalidParameter("logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.")
	}
	if (len(in.LogStreamNames) > 0 || len(in.LogStreamNamePrefixes) > 0) && len(in.LogGroupIdentifiers) != 1 {
		return invalidParameter("logStreamNames and logStreamNamePrefixes can be used only with exactly one log group.")
	}
	groups := map[string]string{} // name -> identifier as the client gave it
	for _, id := range in.LogGroupIdentifiers {
		name, err := groupFromIdentifier(c.scope, id)
		if err != nil {
			return err
		}
		if _, err := s.store.GetGroup(c.scope, name); err != nil {
			return err
		}
		groups[name] = id
	}
	match := func(string) bool { return true }
	if in.LogEventFilterPattern != nil && *in.LogEventFilterPattern != "" {
		m, err := compileFilterPattern(*in.LogEventFilterPattern)
		if err != nil {
			return err
		}
		match = m
	}
	rc := http.NewResponseController(w)
	streamOK := func(name string) bool {
		if len(in.LogStreamNames) > 0 {
			for _, n := range in.LogStreamNames {
				if n == name {
					return true
				}
			}
			return false
		}
		if len(in.LogStreamNamePrefixes) > 0 {
			for _, p := range in.LogStreamNamePrefixes {
				if len(name) >= len(p) && name[:len(p)] == p {
					return true
				}
			}
			return false
		}
		return true
	}

	buf := &tailBuffer{}
	remove := s.store.AddTap(func(b *store.Batch) {
		if b.Scope != c.scope {
			return
		}
		id, ok := groups[b.Group]
		if !ok || !streamOK(b.Stream) {
			return
		}
		buf.mu.Lock()
		defer buf.mu.Unlock()
		for i := range b.Events {
			e := &b.Events[i]
			if !match(e.Message) {
				continue
			}
			if len(buf.events) >= liveTailBuffer {
				buf.dropped = true
				return
			}
			buf.events = append(buf.events, liveTailEvent{LogStreamName: b.Stream, LogGroupIdentifier: id, Message: e.Message, Timestamp: e.Timestamp, IngestionTime: e.Ingestion})
		}
	})
	defer remove()

	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	// The session outlives the server's request read timeout.
	rc.SetReadDeadline(time.Time{})
	enc := eventstream.NewEncoder()
	send := func(kind, typ string, v any) error {
		payload, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var h eventstream.Headers
		h.Set(":message-type", eventstream.StringValue(kind))
		if kind == "exception" {
			h.Set(":exception-type", eventstream.StringValue(typ))
		} else {
			h.Set(":event-type", eventstream.StringValue(typ))
		}
		h.Set(":content-type", eventstream.StringValue("application/json"))
		var msg bytes.Buffer
		if err := enc.Encode(&msg, eventstream.Message{Headers: h, Payload: payload}); err != nil {
			return err
		}
		if _, err := w.Write(msg.Bytes()); err != nil {
			return err
		}
		return rc.Flush()
	}
	start := struct {
		RequestID             string   `json:"requestId"`
		SessionID             string   `json:"sessionId"`
		LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
		LogStreamNames        []string `json:"logStreamNames,omitempty"`
		LogStreamNamePrefixes []string `json:"logStreamNamePrefixes,omitempty"`
		LogEventFilterPattern *string  `json:"logEventFilterPattern,omitempty"`
	}{w.Header().Get("x-amzn-RequestId"), newRequestID(), in.LogGroupIdentifiers, in.LogStreamNames, in.LogStreamNamePrefixes, in.LogEventFilterPattern}
	// The JSON protocol's event streams open with the (empty) response
	// structure, then the events.
	if err := send("event", "initial-response", struct{}{}); err != nil {
		return nil
	}
	if err := send("event", "sessionStart", start); err != nil {
		return nil // the client is gone
	}

	timeout := time.NewTimer(s.opts.LiveTailMaxDuration)
	defer timeout.Stop()
	tick := time.NewTicker(liveTailUpdateEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return nil
		case <-timeout.C:
			send("exception", "SessionTimeoutException", map[string]string{"message": "Session timed out after " + s.opts.LiveTailMaxDuration.String() + "."})
			return nil
		case <-tick.C:
		}
		buf.mu.Lock()
		evs, dropped := buf.events, buf.dropped
		buf.events, buf.dropped = nil, false
		buf.mu.Unlock()
		sampled := dropped || len(evs) > liveTailMaxEvents
		if len(evs) > liveTailMaxEvents {
			evs = sample(evs, liveTailMaxEvents)
		}
		update := struct {
			SessionMetadata struct {
				Sampled bool `json:"sampled"`
			} `json:"sessionMetadata"`
			SessionResults []liveTailEvent `json:"sessionResults"`
		}{SessionResults: evs}
		if update.SessionResults == nil {
			update.SessionResults = []liveTailEvent{}
		}
		update.SessionMetadata.Sampled = sampled
		if err := send("event", "sessionUpdate", update); err != nil {
			return nil
		}
	}
}

// sample keeps n events spread evenly over evs, in order.
func sample(evs []liveTailEvent, n int) []liveTailEvent {
	out := make([]liveTailEvent, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, evs[i*len(evs)/n])
	}
	return out
}
