package ui

import (
	"encoding/json"
	"net/http"

	"github.com/logpond/logpond/internal/store"
)

// maxContext bounds the events asked for on each side of an event.
const maxContext = 1000

type contextRequest struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
	EventID       string `json:"eventId"`
	Before        *int   `json:"before"` // default 25
	After         *int   `json:"after"`  // default 25
}

// contextResponse is the event with its neighbours in its stream, oldest
// first; Events[Index] is the event asked about.
type contextResponse struct {
	Events     []event `json:"events"`
	Index      int     `json:"index"`
	MoreBefore bool    `json:"moreBefore"`
	MoreAfter  bool    `json:"moreAfter"`
}

// eventContext answers the N events before and after an event in its
// stream: POST /ui/api/context.
func (h *Handler) eventContext(w http.ResponseWriter, r *http.Request, s *session) {
	var in contextRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "Could not parse the request.")
		return
	}
	res, err := h.surrounding(s.scope, in)
	if err != nil {
		writeRequestError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *Handler) surrounding(sc store.Scope, in contextRequest) (contextResponse, error) {
	before, after := 25, 25
	if in.Before != nil {
		before = *in.Before
	}
	if in.After != nil {
		after = *in.After
	}
	if before < 0 || before > maxContext || after < 0 || after > maxContext {
		return contextResponse{}, badRequest("before and after must be between 0 and %d.", maxContext)
	}
	if in.LogGroupName == "" || in.LogStreamName == "" {
		return contextResponse{}, badRequest("logGroupName and logStreamName are required.")
	}
	key, ok := parseEventID(in.EventID)
	if !ok {
		return contextResponse{}, badRequest("Invalid eventId.")
	}
	streams := []string{in.LogStreamName}
	st := h.opts.Store
	// The event itself: the first of its stream from just before its key
	// (sequence numbers start at 1).
	justBefore := store.Key{Timestamp: key.Timestamp, Seq: key.Seq - 1}
	at, err := st.FilterLogEvents(sc, in.LogGroupName, store.FilterQuery{
		Range: store.TimeRange{Start: key.Timestamp, End: key.Timestamp + 1}, StreamNames: streams, After: &justBefore, Limit: 1,
	})
	if err != nil {
		return contextResponse{}, err
	}
	var anchor *store.FilteredEvent
	if len(at.Events) == 1 && at.Events[0].Seq == key.Seq {
		anchor = &at.Events[0]
	}
	if anchor == nil || key.Seq == 0 {
		if _, err := st.GetStream(sc, in.LogGroupName, in.LogStreamName); err != nil {
			return contextResponse{}, err
		}
		return contextResponse{}, store.ErrEventNotFound
	}
	// One more than asked for on each side tells whether more exist.
	var older, newer store.FilterResult
	if before > 0 {
		older, err = st.FilterLogEvents(sc, in.LogGroupName, store.FilterQuery{Range: store.AllTime, StreamNames: streams, After: &key, Backward: true, Limit: before + 1})
		if err != nil {
			return contextResponse{}, err
		}
	}
	if after > 0 {
		newer, err = st.FilterLogEvents(sc, in.LogGroupName, store.FilterQuery{Range: store.AllTime, StreamNames: streams, After: &key, Limit: after + 1})
		if err != nil {
			return contextResponse{}, err
		}
	}
	res := contextResponse{MoreBefore: len(older.Events) > before, MoreAfter: len(newer.Events) > after}
	olderEvs := older.Events[:min(len(older.Events), before)]
	newerEvs := newer.Events[:min(len(newer.Events), after)]
	res.Events = make([]event, 0, len(olderEvs)+1+len(newerEvs))
	for i := len(olderEvs) - 1; i >= 0; i-- { // backward results come newest first
		res.Events = append(res.Events, newEvent(in.LogGroupName, &olderEvs[i]))
	}
	res.Index = len(res.Events)
	res.Events = append(res.Events, newEvent(in.LogGroupName, anchor))
	for i := range newerEvs {
		res.Events = append(res.Events, newEvent(in.LogGroupName, &newerEvs[i]))
	}
	return res, nil
}
