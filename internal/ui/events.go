package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// maxGroups bounds the log groups one search, histogram or tail covers.
const maxGroups = 20

// event is a log event as the UI endpoints return it: FilterLogEvents'
// shape plus the group, since one response may span several groups.
type event struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	IngestionTime int64  `json:"ingestionTime"`
	Message       string `json:"message"`
	EventID       string `json:"eventId"`
}

func newEvent(group string, e *store.FilteredEvent) event {
	return event{LogGroupName: group, LogStreamName: e.Stream, Timestamp: e.Timestamp, IngestionTime: e.Ingestion, Message: e.Message, EventID: formatEventID(e)}
}

// formatEventID renders an event's key as FilterLogEvents' 56-digit
// eventId does: the timestamp offset by 2^63, the sequence number and the
// stream ID. A test checks that both agree.
func formatEventID(e *store.FilteredEvent) string {
	return fmt.Sprintf("%020d%020d%016d", uint64(e.Timestamp)^(1<<63), e.Seq, e.StreamID%1e16)
}

// parseEventID returns the key an eventId names.
func parseEventID(id string) (store.Key, bool) {
	if len(id) != 56 {
		return store.Key{}, false
	}
	ts, err1 := strconv.ParseUint(id[:20], 10, 64)
	seq, err2 := strconv.ParseUint(id[20:40], 10, 64)
	if err1 != nil || err2 != nil {
		return store.Key{}, false
	}
	return store.Key{Timestamp: int64(ts ^ (1 << 63)), Seq: seq}, true
}

// selection names the events a histogram or a live tail covers, with
// FilterLogEvents' member names.
type selection struct {
	LogGroupNames       []string `json:"logGroupNames"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	FilterPattern       string   `json:"filterPattern"`
}

// requestError is a client error of a UI endpoint.
type requestError struct {
	status   int
	typ, msg string
	position int
}

func (e *requestError) Error() string { return e.typ + ": " + e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, typ: "InvalidParameterException", msg: fmt.Sprintf(format, args...)}
}

// writeRequestError answers with err, a *requestError or a store error.
func writeRequestError(w http.ResponseWriter, err error) {
	var re *requestError
	switch {
	case errors.As(err, &re):
		writeJSON(w, re.status, apiError{Type: re.typ, Message: re.msg, Position: re.position})
	case errors.Is(err, store.ErrGroupNotFound):
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "The specified log group does not exist.")
	case errors.Is(err, store.ErrStreamNotFound):
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "The specified log stream does not exist.")
	case errors.Is(err, store.ErrEventNotFound):
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "The event does not exist (it may have expired).")
	case errors.Is(err, store.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableException", "The server is shutting down.")
	default:
		writeError(w, http.StatusInternalServerError, "InternalError", "The request failed.")
	}
}

// check validates the selection and compiles its filter pattern (nil
// matches every event).
func (sel *selection) check() (func(string) bool, error) {
	switch n := len(sel.LogGroupNames); {
	case n == 0:
		return nil, badRequest("Name at least one log group in logGroupNames.")
	case n > maxGroups:
		return nil, badRequest("At most %d log groups at once.", maxGroups)
	}
	for _, g := range sel.LogGroupNames {
		if g == "" || len(g) > 512 {
			return nil, badRequest("Invalid log group name %q.", g)
		}
	}
	if len(sel.LogStreamNames) > 0 && sel.LogStreamNamePrefix != "" {
		return nil, badRequest("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	if len(sel.LogStreamNames) > 100 {
		return nil, badRequest("At most 100 log streams at once.")
	}
	return compilePattern(sel.FilterPattern)
}

// compilePattern compiles a filter pattern; a syntax error says where.
func compilePattern(p string) (func(string) bool, error) {
	if strings.TrimSpace(p) == "" {
		return nil, nil
	}
	if len(p) > 1024 {
		return nil, badRequest("Invalid filter pattern: longer than 1024 characters")
	}
	fp, err := query.ParseFilterPattern(p)
	if err != nil {
		var pe *query.PatternError
		if errors.As(err, &pe) {
			pos := utf8.RuneCountInString(p[:min(max(pe.Pos, 0), len(p))]) + 1
			return nil, &requestError{status: http.StatusBadRequest, typ: "InvalidParameterException",
				msg: fmt.Sprintf("Invalid filter pattern: %s (at character %d)", pe.Msg, pos), position: pos}
		}
		return nil, badRequest("Invalid filter pattern: %v", err)
	}
	return fp.Match, nil
}

func (sel *selection) streamNames() []string {
	if len(sel.LogStreamNames) == 0 {
		return nil
	}
	return sel.LogStreamNames
}
