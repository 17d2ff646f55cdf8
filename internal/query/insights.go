package query

// The Logs Insights language (files insights_*.go).
//
// A query is a pipeline of commands separated by "|": fields, filter,
// stats, sort, limit, parse, display and dedup, with "#" comments to the
// end of the line. ParseInsights checks the whole query (syntax, function
// names and arities, aggregations only in stats, ...) and compiles it into
// an immutable *Insights; a Run executes it over a stream of events.
//
// Execution streams: Run.Add takes one event at a time and keeps only what
// the query needs to answer — the groups of a stats command, the rows a
// sort must order (at most its limit when one follows), the keys dedup has
// seen — so memory is bounded by RunOptions whatever the data. A query
// that would need more fails with a *LimitError instead of growing.
//
// Where CloudWatch is approximate, so are we (and no more): count_distinct
// is exact up to 512 distinct values per group, then a HyperLogLog sketch
// (2^12 registers, about 1.6% standard error); pct is exact up to 1,024
// values per group, then a logarithmic-bucket sketch whose answer is within
// 1% (relative) of a value of the input at that rank.
//
// Semantics that CloudWatch's documentation leaves open, chosen here:
//   - Without sort, event rows come newest first (@timestamp descending), as
//     CloudWatch documents for dedup; limit and dedup without a preceding
//     sort therefore keep the newest events.
//   - A comparison with a missing field is false, whichever operator; so
//     `not (x = 1)` is true when x is missing.
//   - Values that are numbers (JSON numbers, or strings that are exactly a
//     decimal number) compare numerically; other values compare as strings.
//   - Sort uses CloudWatch's documented natural order; missing values sort
//     last in either direction.
//   - stddev is the sample standard deviation; pct(x, p) is the value at
//     nearest rank ceil(p/100 × n).
//   - Booleans computed by the query display as 1 and 0.
//   - Stats rows come out in the order their group was first seen.

import (
	"fmt"
	"unicode/utf8"
)

// InsightsError is the error ParseInsights returns. Start and End are the
// 0-based character (not byte) offsets of the offending text in the query,
// End exclusive, as CloudWatch reports them in a MalformedQueryException's
// queryCompileError.location.
type InsightsError struct {
	Start, End int
	Msg        string
}

func (e *InsightsError) Error() string {
	return fmt.Sprintf("malformed query at character %d: %s", e.Start, e.Msg)
}

// LimitError says that a query needed more memory than RunOptions allow
// (too many stats groups or too many rows to sort).
type LimitError struct {
	Msg string
}

func (e *LimitError) Error() string { return "query exceeds a limit: " + e.Msg }

// Event is one log event as a query sees it.
type Event struct {
	Timestamp int64  // milliseconds since the epoch
	Ingestion int64  // milliseconds since the epoch
	Seq       uint64 // unique among the events of one run; orders ties
	Message   string // may be left empty when the query does not need it (NeedsMessage)
	Size      int    // the message's length in bytes, for statistics; when 0, len(Message)
	Stream    string // @logStream
	Group     string // the log group's name
	Account   string // with Group, makes @log ("account:group")
}

// ResultField is one field of a result row, its value rendered as text.
type ResultField struct {
	Field, Value string
}

// Row is one result row. Fields holds the displayed fields that have a
// value, in display order, then "@ptr" for rows that stand for one event
// when RunOptions.Ptr is set.
type Row []ResultField

// Result is what a run has found so far (or in all).
type Result struct {
	Rows    []Row
	Scanned int64 // events given to Add
	Bytes   int64 // their message bytes
	Matched int64 // events that passed every filter before the first stats, sort or limit
}

// RunOptions bound and shape a run.
type RunOptions struct {
	// Limit caps the rows of the result (default and maximum 100,000; the
	// query's own limit command may lower it). StartQuery's limit.
	Limit int
	// MaxGroups caps the groups of one stats command (default 100,000).
	MaxGroups int
	// MaxRows caps the rows a sort or dedup holds when no limit bounds it
	// (default 1,000,000).
	MaxRows int
	// Ptr renders an event's @ptr; nil leaves @ptr out.
	Ptr func(*Event) string
	// NewestFirst says that the events of each log group come newest
	// first (descending @timestamp, then sequence number), and the log
	// groups in the reverse of their usual order, so that the events come
	// in exactly the reverse of the usual order; Enough then says when the
	// rest of a group cannot change the result. It has effect only for
	// queries that allow it (Insights.NewestFirst). Such a run's
	// statistics count only the events it was given.
	NewestFirst bool
}

const (
	defaultLimit     = 10_000
	maxLimit         = 100_000
	defaultMaxGroups = 100_000
	defaultMaxRows   = 1_000_000
)

// Insights is a compiled Logs Insights query. It is immutable: any number
// of Runs may use it at once.
type Insights struct {
	src     string
	plan    *plan
	terms   []string
	literal []string // IndexTerms
	tstart  int64
	tend    int64
}

// ParseInsights parses and compiles a Logs Insights query. Errors are
// *InsightsError.
func ParseInsights(src string) (*Insights, error) {
	cmds, err := parseCommands(src)
	if err != nil {
		return nil, toCharOffsets(src, err)
	}
	pl, err := compile(src, cmds)
	if err != nil {
		return nil, toCharOffsets(src, err)
	}
	q := &Insights{src: src, plan: pl}
	q.terms, q.literal, q.tstart, q.tend = pl.pushdown()
	return q, nil
}

// String returns the query text.
func (q *Insights) String() string { return q.src }

// RequiredTerms returns strings that every event the query can match
// contains in its message (because a filter before any stats compares a
// message-derived field with a constant): a store may skip blocks or events
// without them. Nil means no such strings are known. An event containing a
// backslash may match without containing them (JSON escapes); callers that
// prune by these terms must keep such events.
func (q *Insights) RequiredTerms() []string { return q.terms }

// IndexTerms returns the required terms (a subset of RequiredTerms) that
// every event the query can match contains literally, with no exception
// for escapes (they come from filters on @message itself): a store may skip
// blocks whose index rules one out.
func (q *Insights) IndexTerms() []string { return q.literal }

// NeedsMessage reports whether the query reads events' messages. When it
// does not, events may be given without them (Event.Size then carries
// their length).
func (q *Insights) NeedsMessage() bool { return q.plan.needsMsg }

// ReadsOnlyJSON reports whether every field the query reads from messages
// is a JSON field (it reads neither @message nor Lambda's fields): events
// whose message is not a JSON object — its first byte that is not JSON
// white space is not '{' — may then be given with an empty Message
// (Event.Size carrying its length), with the same result. It is false for
// queries that read no message (see NeedsMessage).
func (q *Insights) ReadsOnlyJSON() bool { return q.plan.onlyJSON }

// JSONFields returns the names of the JSON fields the query reads when it
// reads only JSON fields (ReadsOnlyJSON) and each is a top-level key (none
// has a '.'); else nil. The result is then the same when a JSON object
// message M is replaced by its projection: '{', the members of M with
// these keys, in their order and byte for byte, separated by ',', then
// '}' — provided that M's keys have no escapes, that its members are
// delimited as in JSON (strings with escapes, containers by matching
// brackets of either kind, scalars up to ',', '}', ']' or white space),
// and that only JSON white space follows its closing brace. Event.Size
// must then carry the length of M.
func (q *Insights) JSONFields() []string {
	if !q.plan.onlyJSON || q.plan.json == nil || q.plan.json.top == nil {
		return nil
	}
	names := make([]string, len(q.plan.json.top))
	for i, t := range q.plan.json.top {
		names[i] = t.name
	}
	return names
}

// NewestFirst reports whether the query's result depends only on the
// newest events of each log group, up to a number of rows: its first
// stats, sort, limit or dedup is a sort by @timestamp, newest first,
// followed by a limit (or by nothing that needs every row). A run of such
// a query may be given the events newest first and stop early (see
// RunOptions.NewestFirst and Run.Enough).
func (q *Insights) NewestFirst() bool { return q.plan.newestFirst }

// TimeBounds returns the range of @timestamp, Start inclusive and End
// exclusive, outside which no event can match because of a filter on
// @timestamp before any stats. Without such a filter it is the widest range.
func (q *Insights) TimeBounds() (start, end int64) { return q.tstart, q.tend }

// HasStats reports whether the query aggregates (its rows then carry no @ptr).
func (q *Insights) HasStats() bool { return q.plan.hasStats }

// toCharOffsets turns the byte offsets of a parse error into character
// offsets.
func toCharOffsets(src string, err error) error {
	e, ok := err.(*InsightsError)
	if !ok {
		return err
	}
	clamp := func(b int) int {
		b = max(0, min(b, len(src)))
		return utf8.RuneCountInString(src[:b])
	}
	out := &InsightsError{Start: clamp(e.Start), End: clamp(e.End), Msg: e.Msg}
	if out.End <= out.Start {
		out.End = out.Start + 1
	}
	return out
}

// errAt returns an *InsightsError over the byte range [start, end).
func errAt(start, end int, format string, args ...any) *InsightsError {
	return &InsightsError{Start: start, End: end, Msg: fmt.Sprintf(format, args...)}
}
