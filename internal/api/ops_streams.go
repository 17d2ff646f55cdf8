package api

import (
	"strconv"

	"github.com/logpond/logpond/internal/store"
)

type streamInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

func (s *Server) createLogStream(c *call) (any, error) {
	var in streamInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.CreateLogStream(c.scope, in.LogGroupName, in.LogStreamName)
}

func (s *Server) deleteLogStream(c *call) (any, error) {
	var in streamInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.DeleteLogStream(c.scope, in.LogGroupName, in.LogStreamName)
}

type describeLogStreamsInput struct {
	LogGroupName        *string `json:"logGroupName"`
	LogGroupIdentifier  *string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string  `json:"logStreamNamePrefix"`
	OrderBy             string  `json:"orderBy"`
	Descending          bool    `json:"descending"`
	NextToken           *string `json:"nextToken"`
	Limit               *int    `json:"limit"`
}

type logStreamOutput struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStreamOutput `json:"logStreams"`
	NextToken  string            `json:"nextToken,omitempty"`
}

func (s *Server) describeLogStreams(c *call) (any, error) {
	var in describeLogStreamsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	group, err := groupName(c.scope, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	f := store.StreamFilter{Prefix: in.LogStreamNamePrefix, Descending: in.Descending, Limit: 50}
	if in.OrderBy == "LastEventTime" {
		if in.LogStreamNamePrefix != "" {
			return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
		f.Order = store.OrderByLastEventTime
	}
	if in.Limit != nil {
		f.Limit = *in.Limit
	}
	if in.NextToken != nil {
		parts, err := decodeListToken(*in.NextToken, 2)
		if err != nil {
			return nil, err
		}
		t, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, errInvalidToken
		}
		f.After = &store.StreamCursor{LastEventTimestamp: t, Name: parts[1]}
	}
	streams, more, err := s.store.ListStreams(c.scope, group, f)
	if err != nil {
		return nil, err
	}
	out := describeLogStreamsOutput{LogStreams: make([]logStreamOutput, 0, len(streams))}
	arnPrefix := store.GroupARN(c.scope.Region, c.scope.Account, group) + ":log-stream:"
	for _, st := range streams {
		o := logStreamOutput{
			LogStreamName:       st.Name,
			CreationTime:        st.CreationTime,
			Arn:                 arnPrefix + st.Name,
			StoredBytes:         st.StoredBytes,
			UploadSequenceToken: sequenceToken(st.LastSeq),
		}
		if st.LastIngestionTime > 0 {
			o.FirstEventTimestamp = &st.FirstEventTimestamp
			o.LastEventTimestamp = &st.LastEventTimestamp
			o.LastIngestionTime = &st.LastIngestionTime
		}
		out.LogStreams = append(out.LogStreams, o)
	}
	if more {
		last := streams[len(streams)-1]
		out.NextToken = encodeListToken(strconv.FormatInt(last.LastEventTimestamp, 10), last.Name)
	}
	return out, nil
}

// sequenceToken renders the (ignored) upload sequence token of a stream:
// 56 digits, like CloudWatch's.
func sequenceToken(lastSeq uint64) string {
	const digits = "00000000000000000000000000000000000000000000000000000000"
	s := strconv.FormatUint(lastSeq+1, 10)
	return digits[:56-len(s)] + s
}
