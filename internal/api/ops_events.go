package api

import (
	"strconv"
	"sync"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/api/putevents"
	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

var putRequests = sync.Pool{New: func() any { return new(putevents.Request) }}

type rejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

type putLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken"`
	RejectedLogEventsInfo *rejectedLogEventsInfo `json:"rejectedLogEventsInfo,omitempty"`
}

// putLogEvents is the ingest hot path: a purpose-built decoder instead of
// encoding/json, and the model's constraints checked member by member.
func (s *Server) putLogEvents(c *call) (any, error) {
	req := putRequests.Get().(*putevents.Request)
	defer func() {
		if cap(req.LogEvents) <= 2*store.MaxBatchEvents {
			putRequests.Put(req)
		}
	}()
	if err := putevents.Decode(c.body, req); err != nil {
		return nil, serializationError("%v", err)
	}
	if vs := validatePut(c.op, req); len(vs) > 0 {
		return nil, validationError(c.op, vs)
	}
	in := make([]store.InputEvent, len(req.LogEvents))
	for i, e := range req.LogEvents {
		in[i] = store.InputEvent{Timestamp: e.Timestamp, Message: e.Message}
	}
	res, err := s.store.PutLogEvents(c.scope, req.LogGroupName, req.LogStreamName, in)
	if err != nil {
		return nil, err
	}
	out := putLogEventsOutput{NextSequenceToken: sequenceToken(res.LastSeq)}
	if res.TooNewStart >= 0 || res.TooOldEnd >= 0 || res.ExpiredEnd >= 0 {
		info := &rejectedLogEventsInfo{}
		if res.TooNewStart >= 0 {
			info.TooNewLogEventStartIndex = &res.TooNewStart
		}
		if res.TooOldEnd >= 0 {
			info.TooOldLogEventEndIndex = &res.TooOldEnd
		}
		if res.ExpiredEnd >= 0 {
			info.ExpiredLogEventEndIndex = &res.ExpiredEnd
		}
		out.RejectedLogEventsInfo = info
	}
	return out, nil
}

// validatePut checks a decoded PutLogEvents request against the model in
// the model's member order, with the model's wording.
func validatePut(op *model.Operation, r *putevents.Request) []model.Violation {
	var vs []model.Violation
	str := func(member, v string, present bool) {
		m, _ := op.InputMember(member)
		if !present {
			if m.Required {
				vs = append(vs, model.Violation{Path: member, Value: "null", Message: "Member must not be null"})
			}
			return
		}
		v2, _ := model.ValidateValue(m.Shape, member, v)
		vs = append(vs, v2...)
	}
	str("logGroupName", r.LogGroupName, r.HasLogGroupName)
	str("logStreamName", r.LogStreamName, r.HasLogStreamName)
	switch n := len(r.LogEvents); {
	case !r.HasLogEvents:
		vs = append(vs, model.Violation{Path: "logEvents", Value: "null", Message: "Member must not be null"})
	case n == 0:
		vs = append(vs, model.Violation{Path: "logEvents", Value: "'[]'", Message: "Member must have length greater than or equal to 1"})
	case n > store.MaxBatchEvents:
		vs = append(vs, model.Violation{Path: "logEvents", Value: "'[...]'", Message: "Member must have length less than or equal to 10000"})
	}
	for i := range r.LogEvents {
		e := &r.LogEvents[i]
		if e.Timestamp < 0 {
			vs = append(vs, model.Violation{Path: "logEvents." + strconv.Itoa(i+1) + ".member.timestamp", Value: "'" + strconv.FormatInt(e.Timestamp, 10) + "'", Message: "Member must have value greater than or equal to 0"})
		}
		if e.Message == "" {
			vs = append(vs, model.Violation{Path: "logEvents." + strconv.Itoa(i+1) + ".member.message", Value: "''", Message: "Member must have length greater than or equal to 1"})
		}
		if len(vs) >= 100 {
			break
		}
	}
	if r.SequenceToken != "" {
		str("sequenceToken", r.SequenceToken, true)
	}
	return vs
}

type getLogEventsInput struct {
	LogGroupName       *string `json:"logGroupName"`
	LogGroupIdentifier *string `json:"logGroupIdentifier"`
	LogStreamName      string  `json:"logStreamName"`
	StartTime          *int64  `json:"startTime"`
	EndTime            *int64  `json:"endTime"`
	NextToken          *string `json:"nextToken"`
	Limit              *int    `json:"limit"`
	StartFromHead      *bool   `json:"startFromHead"`
}

type outputLogEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type getLogEventsOutput struct {
	Events            []outputLogEvent `json:"events"`
	NextForwardToken  string           `json:"nextForwardToken"`
	NextBackwardToken string           `json:"nextBackwardToken"`
}

func (s *Server) getLogEvents(c *call) (any, error) {
	var in getLogEventsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	group, err := groupName(c.scope, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	q := store.GetQuery{Range: store.AllTime, Backward: in.StartFromHead == nil || !*in.StartFromHead}
	if in.StartTime != nil {
		q.Range.Start = *in.StartTime
	}
	if in.EndTime != nil {
		q.Range.End = *in.EndTime
	}
	if in.Limit != nil {
		q.Limit = *in.Limit
	}
	if in.NextToken != nil {
		back, k, err := decodeEventToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		q.Backward, q.From = back, &k
	}
	res, err := s.store.GetLogEvents(c.scope, group, in.LogStreamName, q)
	if err != nil {
		return nil, err
	}
	if lost, err := s.store.Lost(c.scope, group, []string{in.LogStreamName}, q.Range.Start, q.Range.End); err == nil && len(lost) > 0 || res.Incomplete {
		c.incomplete = true
	}
	out := getLogEventsOutput{
		Events:            make([]outputLogEvent, len(res.Events)),
		NextForwardToken:  encodeEventToken(false, res.Forward),
		NextBackwardToken: encodeEventToken(true, res.Backward),
	}
	for i, e := range res.Events {
		out.Events[i] = outputLogEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingestion}
	}
	return out, nil
}

type filterLogEventsInput struct {
	LogGroupName        *string  `json:"logGroupName"`
	LogGroupIdentifier  *string  `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       *string  `json:"filterPattern"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int     `json:"limit"`
	StartFromHead       *bool    `json:"startFromHead"`
}

type filteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// searchedLogStream is an element of FilterLogEvents' searchedLogStreams,
// which CloudWatch leaves empty. logpond lists there the streams it could
// not search completely because some of their events are in quarantined
// segments (searchedCompletely false), and only those.
type searchedLogStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEventsOutput struct {
	Events             []filteredLogEvent  `json:"events"`
	SearchedLogStreams []searchedLogStream `json:"searchedLogStreams"`
	NextToken          string              `json:"nextToken,omitempty"`
}

// maxFilterScan bounds the events one FilterLogEvents call examines; a call
// that reaches it returns what it found with a nextToken, as CloudWatch does.
const maxFilterScan = 5_000_000

// descendingStart is the earliest startTime CloudWatch allows with
// startFromHead=false: 2024-01-01T00:00:00Z.
const descendingStart = 1704067200000

func (s *Server) filterLogEvents(c *call) (any, error) {
	var in filterLogEventsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	group, err := groupName(c.scope, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	q := store.FilterQuery{Range: store.AllTime, StreamNames: in.LogStreamNames, MaxScan: maxFilterScan}
	if in.LogStreamNamePrefix != nil {
		q.Prefix = *in.LogStreamNamePrefix
	}
	if in.StartTime != nil {
		q.Range.Start = *in.StartTime
	}
	if in.EndTime != nil && *in.EndTime < store.AllTime.End {
		q.Range.End = *in.EndTime + 1 // FilterLogEvents' endTime is inclusive
	}
	if in.Limit != nil {
		q.Limit = *in.Limit
	}
	if in.StartFromHead != nil && !*in.StartFromHead {
		if in.StartTime == nil || *in.StartTime < descendingStart {
			return nil, invalidParameter("startFromHead=false is supported only with a startTime on or after Jan 1, 2024 00:00:00 UTC.")
		}
		q.Backward = true
	}
	if in.NextToken != nil {
		back, k, err := decodeEventToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		q.Backward, q.After = back, &k
	}
	if in.FilterPattern != nil {
		match, err := compileFilterPattern(*in.FilterPattern)
		if err != nil {
			return nil, err
		}
		q.Match = match
		if fp, err := query.ParseFilterPattern(*in.FilterPattern); err == nil {
			q.Terms = fp.RequiredTerms() // segments skip blocks without them
			q.TermsUnlessEscaped = fp.TermsUnlessEscaped()
		}
	}
	res, err := s.store.FilterLogEvents(c.scope, group, q)
	if err != nil {
		return nil, err
	}
	out := filterLogEventsOutput{Events: make([]filteredLogEvent, len(res.Events)), SearchedLogStreams: []searchedLogStream{}}
	lost, err := s.store.LostStreams(c.scope, group, q.StreamNames, q.Prefix, q.Range.Start, q.Range.End-1)
	if err != nil {
		return nil, err
	}
	for _, name := range lost {
		out.SearchedLogStreams = append(out.SearchedLogStreams, searchedLogStream{LogStreamName: name})
	}
	c.incomplete = len(lost) > 0 || res.Incomplete
	for i := range res.Events {
		e := &res.Events[i]
		out.Events[i] = filteredLogEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingestion, EventID: eventID(e)}
	}
	if res.Next != nil {
		out.NextToken = encodeEventToken(q.Backward, *res.Next)
	}
	return out, nil
}
