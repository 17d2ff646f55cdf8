package api

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/logpond/logpond/internal/insights"
	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries,
// GetLogRecord, GetLogGroupFields and the query definitions. Queries run in
// the insights.Manager; this file turns requests into its calls and its
// answers into CloudWatch's shapes.

// maxQueryGroups is how many log groups one query may search.
const maxQueryGroups = 50

// malformedQueryError is a MalformedQueryException: an *Error whose body
// also carries queryCompileError with the location of the problem.
type malformedQueryError struct {
	err     *Error
	compile queryCompileError
}

func (e *malformedQueryError) Error() string { return e.err.Error() }
func (e *malformedQueryError) Unwrap() error { return e.err }

type queryCompileError struct {
	Location struct {
		StartCharOffset int `json:"startCharOffset"`
		EndCharOffset   int `json:"endCharOffset"`
	} `json:"location"`
	Message string `json:"message"`
}

// body is the JSON error response.
func (e *malformedQueryError) body() any {
	return struct {
		Type              string            `json:"__type"`
		Message           string            `json:"message"`
		QueryCompileError queryCompileError `json:"queryCompileError"`
	}{e.err.Type, e.err.Message, e.compile}
}

func parseInsightsQuery(s string) (*query.Insights, error) {
	q, err := query.ParseInsights(s)
	var ie *query.InsightsError
	if errors.As(err, &ie) {
		e := &malformedQueryError{err: errorf(http.StatusBadRequest, "MalformedQueryException", "%s (at character %d)", ie.Msg, ie.Start)}
		e.compile.Location.StartCharOffset, e.compile.Location.EndCharOffset = ie.Start, ie.End
		e.compile.Message = ie.Msg
		return nil, e
	}
	return q, err
}

// insightsError maps the manager's and the query definitions' errors.
func insightsError(err error) error {
	switch {
	case errors.Is(err, insights.ErrQueryNotFound):
		return errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified query does not exist.")
	case errors.Is(err, insights.ErrTooManyQueries):
		return errorf(http.StatusBadRequest, "LimitExceededException", "The maximum number of concurrent queries for this account has been reached.")
	case errors.Is(err, insights.ErrClosed):
		return errorf(http.StatusServiceUnavailable, "ServiceUnavailableException", "The server is shutting down.")
	case errors.Is(err, store.ErrQueryDefinitionNotFound):
		return errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified query definition does not exist.")
	case errors.Is(err, store.ErrTooManyQueryDefinitions):
		return errorf(http.StatusBadRequest, "LimitExceededException", "An account can have no more than %d query definitions.", store.MaxQueryDefinitions)
	}
	return err
}

type startQueryInput struct {
	QueryLanguage       *string  `json:"queryLanguage"`
	LogGroupName        *string  `json:"logGroupName"`
	LogGroupNames       []string `json:"logGroupNames"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	StartTime           int64    `json:"startTime"`
	EndTime             int64    `json:"endTime"`
	QueryString         string   `json:"queryString"`
	Limit               *int     `json:"limit"`
}

type startQueryOutput struct {
	QueryID string `json:"queryId"`
}

func checkLanguage(l *string) error {
	if l != nil && *l != "CWLI" {
		return invalidParameter("logpond supports only the CWLI query language (Logs Insights QL), not %s.", *l)
	}
	return nil
}

// secondsToMillis converts epoch seconds, saturating instead of overflowing.
func secondsToMillis(s int64) int64 {
	switch {
	case s > math.MaxInt64/1000:
		return math.MaxInt64
	case s < math.MinInt64/1000:
		return math.MinInt64
	}
	return s * 1000
}

func (s *Server) startQuery(c *call) (any, error) {
	var in startQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := checkLanguage(in.QueryLanguage); err != nil {
		return nil, err
	}
	var names []string
	given := 0
	if in.LogGroupName != nil {
		given++
		names = append(names, *in.LogGroupName)
	}
	if len(in.LogGroupNames) > 0 {
		given++
		names = append(names, in.LogGroupNames...)
	}
	if len(in.LogGroupIdentifiers) > 0 {
		given++
		for _, id := range in.LogGroupIdentifiers {
			n, err := groupFromIdentifier(c.scope, id)
			if err != nil {
				return nil, err
			}
			names = append(names, n)
		}
	}
	if given != 1 {
		return nil, invalidParameter("Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be specified.")
	}
	var groups []string
	for _, n := range names {
		if !slices.Contains(groups, n) {
			groups = append(groups, n)
		}
	}
	if len(groups) > maxQueryGroups {
		return nil, invalidParameter("A query can search at most %d log groups.", maxQueryGroups)
	}
	for _, g := range groups {
		if _, err := s.store.GetGroup(c.scope, g); err != nil {
			return nil, err
		}
	}
	if in.EndTime < in.StartTime {
		return nil, invalidParameter("endTime must be greater than or equal to startTime.")
	}
	q, err := parseInsightsQuery(in.QueryString)
	if err != nil {
		return nil, err
	}
	si := insights.StartInput{
		Scope:       c.scope,
		Groups:      groups,
		Start:       secondsToMillis(in.StartTime),
		End:         secondsToMillis(in.EndTime),
		Query:       q,
		QueryString: in.QueryString,
	}
	// endTime is inclusive: the whole of its second is searched.
	if si.End < math.MaxInt64-1000 {
		si.End += 1000
	}
	if in.Limit != nil {
		si.Limit = *in.Limit
	}
	id, err := s.insights.Start(si)
	if err != nil {
		return nil, insightsError(err)
	}
	return startQueryOutput{QueryID: id}, nil
}

type getQueryResultsInput struct {
	QueryID   string  `json:"queryId"`
	NextToken *string `json:"nextToken"`
	MaxItems  *int    `json:"maxItems"`
}

type resultField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// queryStatistics are GetQueryResults' statistics. The estimated skipped
// figures count events of damaged (quarantined) segments the query could
// not read; they are left out when zero.
type queryStatistics struct {
	RecordsMatched          float64 `json:"recordsMatched"`
	RecordsScanned          float64 `json:"recordsScanned"`
	BytesScanned            float64 `json:"bytesScanned"`
	LogGroupsScanned        float64 `json:"logGroupsScanned"`
	EstimatedRecordsSkipped float64 `json:"estimatedRecordsSkipped,omitempty"`
	EstimatedBytesSkipped   float64 `json:"estimatedBytesSkipped,omitempty"`
}

type getQueryResultsOutput struct {
	QueryLanguage string          `json:"queryLanguage"`
	Results       [][]resultField `json:"results"`
	Statistics    queryStatistics `json:"statistics"`
	Status        string          `json:"status"`
	NextToken     string          `json:"nextToken,omitempty"`
}

func (s *Server) getQueryResults(c *call) (any, error) {
	var in getQueryResultsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	res, err := s.insights.Results(c.scope, in.QueryID)
	if err != nil {
		return nil, insightsError(err)
	}
	rows := res.Rows
	from := 0
	if in.NextToken != nil {
		parts, err := decodeListToken(*in.NextToken, 2)
		if err != nil || parts[0] != in.QueryID {
			return nil, errInvalidToken
		}
		if from, err = strconv.Atoi(parts[1]); err != nil || from < 0 || from > len(rows) {
			return nil, errInvalidToken
		}
	}
	out := getQueryResultsOutput{
		QueryLanguage: "CWLI",
		Status:        string(res.Status),
		Statistics:    queryStatistics(res.Stats),
		Results:       [][]resultField{},
	}
	to := len(rows)
	if in.MaxItems != nil && *in.MaxItems > 0 && from+*in.MaxItems < to {
		to = from + *in.MaxItems
		out.NextToken = encodeListToken(in.QueryID, strconv.Itoa(to))
	}
	for _, r := range rows[from:to] {
		fs := make([]resultField, len(r))
		for i, f := range r {
			fs[i] = resultField{Field: f.Field, Value: f.Value}
		}
		out.Results = append(out.Results, fs)
	}
	return out, nil
}

type queryIDInput struct {
	QueryID string `json:"queryId"`
}

type successOutput struct {
	Success bool `json:"success"`
}

func (s *Server) stopQuery(c *call) (any, error) {
	var in queryIDInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ok, err := s.insights.Stop(c.scope, in.QueryID)
	if err != nil {
		return nil, insightsError(err)
	}
	return successOutput{Success: ok}, nil
}

type describeQueriesInput struct {
	LogGroupName  *string `json:"logGroupName"`
	Status        *string `json:"status"`
	MaxResults    *int    `json:"maxResults"`
	NextToken     *string `json:"nextToken"`
	QueryLanguage *string `json:"queryLanguage"`
}

type queryInfo struct {
	QueryLanguage string `json:"queryLanguage"`
	QueryID       string `json:"queryId"`
	QueryString   string `json:"queryString"`
	Status        string `json:"status"`
	CreateTime    int64  `json:"createTime"`
	LogGroupName  string `json:"logGroupName,omitempty"`
}

type describeQueriesOutput struct {
	Queries   []queryInfo `json:"queries"`
	NextToken string      `json:"nextToken,omitempty"`
}

func (s *Server) describeQueries(c *call) (any, error) {
	var in describeQueriesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.QueryLanguage != nil && *in.QueryLanguage != "CWLI" {
		return describeQueriesOutput{Queries: []queryInfo{}}, nil
	}
	f := insights.ListFilter{}
	if in.LogGroupName != nil {
		f.Group = *in.LogGroupName
	}
	if in.Status != nil {
		f.Status = insights.Status(*in.Status)
	}
	all := s.insights.List(c.scope, f)
	from, err := listOffset(in.NextToken, "queries", len(all))
	if err != nil {
		return nil, err
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	out := describeQueriesOutput{Queries: []queryInfo{}}
	to := min(len(all), from+limit)
	for _, q := range all[from:to] {
		qi := queryInfo{QueryLanguage: "CWLI", QueryID: q.ID, QueryString: q.QueryString, Status: string(q.Status), CreateTime: q.Created.UnixMilli()}
		if len(q.Groups) > 0 {
			qi.LogGroupName = q.Groups[0]
		}
		out.Queries = append(out.Queries, qi)
	}
	if to < len(all) {
		out.NextToken = encodeListToken("queries", strconv.Itoa(to))
	}
	return out, nil
}

// listOffset decodes the offset of an offset-paginated listing.
func listOffset(tok *string, kind string, n int) (int, error) {
	if tok == nil {
		return 0, nil
	}
	parts, err := decodeListToken(*tok, 2)
	if err != nil || parts[0] != kind {
		return 0, errInvalidToken
	}
	off, err := strconv.Atoi(parts[1])
	if err != nil || off < 0 || off > n {
		return 0, errInvalidToken
	}
	return off, nil
}

// @ptr is base64url of: version 1, then the group's and the stream's names
// (uvarint length and bytes), the timestamp (varint) and the sequence
// number (uvarint). It names an event only in the caller's account and
// region.

func encodePtr(e *query.Event) string {
	b := make([]byte, 0, 1+len(e.Group)+len(e.Stream)+24)
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(e.Group)))
	b = append(b, e.Group...)
	b = binary.AppendUvarint(b, uint64(len(e.Stream)))
	b = append(b, e.Stream...)
	b = binary.AppendVarint(b, e.Timestamp)
	b = binary.AppendUvarint(b, e.Seq)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePtr(s string) (group, stream string, k store.Key, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != 1 {
		return "", "", k, false
	}
	b = b[1:]
	str := func() (string, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return "", false
		}
		v := string(b[w : w+int(n)])
		b = b[w+int(n):]
		return v, true
	}
	var ok1, ok2 bool
	group, ok1 = str()
	stream, ok2 = str()
	if !ok1 || !ok2 {
		return "", "", k, false
	}
	ts, w := binary.Varint(b)
	if w <= 0 {
		return "", "", k, false
	}
	b = b[w:]
	seq, w := binary.Uvarint(b)
	if w <= 0 || w != len(b) {
		return "", "", k, false
	}
	return group, stream, store.Key{Timestamp: ts, Seq: seq}, true
}

type getLogRecordInput struct {
	LogRecordPointer string `json:"logRecordPointer"`
	Unmask           *bool  `json:"unmask"`
}

type getLogRecordOutput struct {
	LogRecord map[string]string `json:"logRecord"`
}

func (s *Server) getLogRecord(c *call) (any, error) {
	var in getLogRecordInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	group, stream, k, ok := decodePtr(in.LogRecordPointer)
	if !ok {
		return nil, invalidParameter("The specified log record pointer is not valid.")
	}
	e, err := s.store.GetEvent(c.scope, group, stream, k)
	if errors.Is(err, store.ErrEventNotFound) || errors.Is(err, store.ErrGroupNotFound) || errors.Is(err, store.ErrStreamNotFound) {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log record does not exist.")
	}
	if err != nil {
		return nil, err
	}
	rec := map[string]string{}
	qe := query.Event{Timestamp: e.Timestamp, Ingestion: e.Ingestion, Seq: e.Seq, Message: e.Message, Stream: stream, Group: group, Account: c.scope.Account}
	query.DiscoverFields(&qe, func(name, value string) {
		if _, dup := rec[name]; !dup {
			rec[name] = value
		}
	})
	return getLogRecordOutput{LogRecord: rec}, nil
}

type getLogGroupFieldsInput struct {
	LogGroupName       *string `json:"logGroupName"`
	LogGroupIdentifier *string `json:"logGroupIdentifier"`
	Time               *int64  `json:"time"`
}

type logGroupField struct {
	Name    string `json:"name"`
	Percent int    `json:"percent"`
}

type getLogGroupFieldsOutput struct {
	LogGroupFields []logGroupField `json:"logGroupFields"`
}

// fieldSample bounds the events GetLogGroupFields examines.
const fieldSample = 10_000

// getLogGroupFields reports the fields of the group's events around time
// (8 minutes either side) or in the last 15 minutes, with the percentage
// of events that have each.
func (s *Server) getLogGroupFields(c *call) (any, error) {
	var in getLogGroupFieldsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	group, err := groupName(c.scope, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UnixMilli()
	tr := store.TimeRange{Start: now - 15*60_000, End: now + 1}
	if in.Time != nil {
		t := secondsToMillis(*in.Time)
		tr = store.TimeRange{Start: t - 8*60_000, End: t + 8*60_000}
	}
	counts := map[string]int{}
	total := 0
	err = s.store.Scan(c.ctx, c.scope, group, tr, nil, "", func(e *store.FilteredEvent) bool {
		total++
		seen := map[string]bool{}
		qe := query.Event{Timestamp: e.Timestamp, Ingestion: e.Ingestion, Seq: e.Seq, Message: e.Message, Stream: e.Stream, Group: group, Account: c.scope.Account}
		query.DiscoverFields(&qe, func(name, _ string) {
			if !seen[name] && (len(counts) < 10_000 || counts[name] > 0) {
				seen[name] = true
				counts[name]++
			}
		})
		return total < fieldSample
	})
	if err != nil {
		return nil, err
	}
	out := getLogGroupFieldsOutput{LogGroupFields: []logGroupField{}}
	for name, n := range counts {
		out.LogGroupFields = append(out.LogGroupFields, logGroupField{Name: name, Percent: int(math.Round(float64(n) * 100 / float64(total)))})
	}
	slices.SortFunc(out.LogGroupFields, func(a, b logGroupField) int {
		if a.Percent != b.Percent {
			return b.Percent - a.Percent
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

type putQueryDefinitionInput struct {
	QueryLanguage     *string  `json:"queryLanguage"`
	Name              string   `json:"name"`
	QueryDefinitionID *string  `json:"queryDefinitionId"`
	LogGroupNames     []string `json:"logGroupNames"`
	QueryString       string   `json:"queryString"`
	ClientToken       *string  `json:"clientToken"`
}

type putQueryDefinitionOutput struct {
	QueryDefinitionID string `json:"queryDefinitionId"`
}

func (s *Server) putQueryDefinition(c *call) (any, error) {
	var in putQueryDefinitionInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := checkLanguage(in.QueryLanguage); err != nil {
		return nil, err
	}
	if _, err := parseInsightsQuery(in.QueryString); err != nil {
		var mq *malformedQueryError
		if errors.As(err, &mq) {
			return nil, invalidParameter("Invalid query string: %s", mq.compile.Message)
		}
		return nil, err
	}
	d := store.QueryDefinition{Name: in.Name, QueryString: in.QueryString, LogGroupNames: in.LogGroupNames, Language: "CWLI"}
	create := in.QueryDefinitionID == nil
	if create {
		d.ID = newQueryDefinitionID()
	} else {
		d.ID = *in.QueryDefinitionID
	}
	if err := s.store.PutQueryDefinition(c.scope, d, create); err != nil {
		return nil, insightsError(err)
	}
	return putQueryDefinitionOutput{QueryDefinitionID: d.ID}, nil
}

// newQueryDefinitionID returns a UUID like the request IDs.
func newQueryDefinitionID() string { return newRequestID() }

type describeQueryDefinitionsInput struct {
	QueryLanguage             *string `json:"queryLanguage"`
	QueryDefinitionNamePrefix *string `json:"queryDefinitionNamePrefix"`
	MaxResults                *int    `json:"maxResults"`
	NextToken                 *string `json:"nextToken"`
}

type queryDefinitionOut struct {
	QueryLanguage     string   `json:"queryLanguage"`
	QueryDefinitionID string   `json:"queryDefinitionId"`
	Name              string   `json:"name"`
	QueryString       string   `json:"queryString"`
	LastModified      int64    `json:"lastModified"`
	LogGroupNames     []string `json:"logGroupNames,omitempty"`
}

type describeQueryDefinitionsOutput struct {
	QueryDefinitions []queryDefinitionOut `json:"queryDefinitions"`
	NextToken        string               `json:"nextToken,omitempty"`
}

func (s *Server) describeQueryDefinitions(c *call) (any, error) {
	var in describeQueryDefinitionsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	defs, err := s.store.QueryDefinitions(c.scope)
	if err != nil {
		return nil, err
	}
	out := describeQueryDefinitionsOutput{QueryDefinitions: []queryDefinitionOut{}}
	if in.QueryLanguage != nil && *in.QueryLanguage != "CWLI" {
		return out, nil
	}
	if in.QueryDefinitionNamePrefix != nil {
		defs = slices.DeleteFunc(defs, func(d store.QueryDefinition) bool {
			return len(d.Name) < len(*in.QueryDefinitionNamePrefix) || d.Name[:len(*in.QueryDefinitionNamePrefix)] != *in.QueryDefinitionNamePrefix
		})
	}
	// The token is the name and ID of the last definition returned, so
	// that it stays valid when definitions come and go.
	if in.NextToken != nil {
		parts, err := decodeListToken(*in.NextToken, 2)
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(defs) && (defs[i].Name < parts[0] || (defs[i].Name == parts[0] && defs[i].ID <= parts[1])) {
			i++
		}
		defs = defs[i:]
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	if len(defs) > limit {
		last := defs[limit-1]
		out.NextToken = encodeListToken(last.Name, last.ID)
		defs = defs[:limit]
	}
	for _, d := range defs {
		out.QueryDefinitions = append(out.QueryDefinitions, queryDefinitionOut{
			QueryLanguage: "CWLI", QueryDefinitionID: d.ID, Name: d.Name, QueryString: d.QueryString,
			LastModified: d.LastModified, LogGroupNames: d.LogGroupNames,
		})
	}
	return out, nil
}

type deleteQueryDefinitionInput struct {
	QueryDefinitionID string `json:"queryDefinitionId"`
}

func (s *Server) deleteQueryDefinition(c *call) (any, error) {
	var in deleteQueryDefinitionInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := s.store.DeleteQueryDefinition(c.scope, in.QueryDefinitionID); err != nil {
		return nil, insightsError(err)
	}
	return successOutput{Success: true}, nil
}

type listLogGroupsForQueryInput struct {
	QueryID    string  `json:"queryId"`
	NextToken  *string `json:"nextToken"`
	MaxResults *int    `json:"maxResults"`
}

type listLogGroupsForQueryOutput struct {
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	NextToken           string   `json:"nextToken,omitempty"`
}

// listLogGroupsForQuery returns the ARNs of the log groups a query scans.
func (s *Server) listLogGroupsForQuery(c *call) (any, error) {
	var in listLogGroupsForQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	q, err := s.insights.Info(c.scope, in.QueryID)
	if err != nil {
		return nil, insightsError(err)
	}
	from, err := listOffset(in.NextToken, "querygroups", len(q.Groups))
	if err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	to := min(len(q.Groups), from+limit)
	out := listLogGroupsForQueryOutput{LogGroupIdentifiers: []string{}}
	for _, g := range q.Groups[from:to] {
		out.LogGroupIdentifiers = append(out.LogGroupIdentifiers, store.GroupARN(c.scope.Region, c.scope.Account, g))
	}
	if to < len(q.Groups) {
		out.NextToken = encodeListToken("querygroups", strconv.Itoa(to))
	}
	return out, nil
}
