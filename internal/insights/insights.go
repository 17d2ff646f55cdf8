// Package insights runs Logs Insights queries: it owns the queries of every
// account from StartQuery to the end of their retention, runs each in its
// own goroutine over the store, publishes partial results while it runs,
// and enforces the per-account concurrency limit and the timeout.
//
// A query is Scheduled until one of Options.Workers slots is free, then
// Running, and ends Complete, Failed, Cancelled (StopQuery, or the manager
// closing) or Timeout. Its results stay readable for Options.Keep after it
// ends (at most Options.MaxKept ended queries per account are kept; the
// oldest go first).
//
// Every method is safe for concurrent use. Close stops every query and
// waits for its goroutine.
package insights

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// Errors; the API layer maps them to CloudWatch exceptions.
var (
	ErrTooManyQueries = errors.New("too many concurrent queries")
	ErrQueryNotFound  = errors.New("query does not exist")
	ErrClosed         = errors.New("query manager is closed")
)

// Status is the state of a query, with CloudWatch's names.
type Status string

const (
	Scheduled Status = "Scheduled"
	Running   Status = "Running"
	Complete  Status = "Complete"
	Failed    Status = "Failed"
	Cancelled Status = "Cancelled"
	Timeout   Status = "Timeout"
)

func (s Status) ended() bool { return s != Scheduled && s != Running }

// Source reads the events of a log group in (timestamp, sequence) order;
// *store.Store implements it.
type Source interface {
	Scan(ctx context.Context, sc store.Scope, group string, r store.TimeRange, streamNames []string, prefix string, fn func(*store.FilteredEvent) bool) error
}

// QuerySource is a Source that can narrow a scan to what a query needs
// (store.ScanQuery: index terms, newest first, no messages); *store.Store
// implements it. The manager uses it when its Source has it.
type QuerySource interface {
	ScanQuery(ctx context.Context, sc store.Scope, group string, q store.ScanQuery, fn func(*store.FilteredEvent) bool) error
}

// LostSource is a Source that knows which events it lost to damaged
// (quarantined) segments; *store.Store implements it. A query over them
// reports them as skipped (Statistics.EstimatedRecordsSkipped and
// EstimatedBytesSkipped).
type LostSource interface {
	Lost(sc store.Scope, group string, streamNames []string, start, end int64) ([]store.LostRange, error)
}

// SpanSource is a Source that knows the time span of a log group's events;
// *store.Store implements it. The manager uses it to split the scans of
// mergeable queries (parallel.go).
type SpanSource interface {
	TimeSpan(sc store.Scope, group string) (first, last int64, ok bool, err error)
}

// Options configure a Manager.
type Options struct {
	Source Source // required
	// MaxConcurrent bounds the Scheduled and Running queries of one account
	// (default 30); StartQuery past it fails with ErrTooManyQueries.
	MaxConcurrent int
	// Workers bounds the queries running at once over all accounts
	// (default 4); the others wait as Scheduled.
	Workers int
	// Timeout ends a query that runs longer (default 60 minutes).
	Timeout time.Duration
	// Keep is how long results stay after a query ends (default 24 hours);
	// MaxKept bounds the ended queries kept per account (default 1,000).
	Keep    time.Duration
	MaxKept int
	// PartialEvery is how often a running query publishes partial results
	// (default 1 second).
	PartialEvery time.Duration
	// MaxGroups and MaxRows bound each query's memory (query.RunOptions).
	MaxGroups, MaxRows int
	// Parallel is the number of time ranges a mergeable query's scan of a
	// log group is split into, each scanned and aggregated by its own
	// goroutine (default GOMAXPROCS; 1 scans each group in one piece).
	Parallel int
	// Ptr renders the @ptr of result rows; nil leaves it out.
	Ptr func(*query.Event) string
	Now func() time.Time
}

// Manager owns the queries.
type Manager struct {
	opts    Options
	workers chan struct{}

	mu      sync.Mutex             // guards queries, active, closed
	queries map[string]*queryState // by scope key and ID
	active  map[string]int         // Scheduled and Running queries by account
	closed  bool

	wg sync.WaitGroup // one per query goroutine
}

// New returns a Manager.
func New(o Options) (*Manager, error) {
	if o.Source == nil {
		return nil, errors.New("insights: no source")
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 30
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Hour
	}
	if o.Keep <= 0 {
		o.Keep = 24 * time.Hour
	}
	if o.MaxKept <= 0 {
		o.MaxKept = 1000
	}
	if o.PartialEvery <= 0 {
		o.PartialEvery = time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{
		opts:    o,
		workers: make(chan struct{}, o.Workers),
		queries: map[string]*queryState{},
		active:  map[string]int{},
	}, nil
}

// StartInput is one StartQuery.
type StartInput struct {
	Scope       store.Scope
	Groups      []string // names, in the order given
	Start, End  int64    // epoch milliseconds, End exclusive
	Query       *query.Insights
	QueryString string
	Limit       int // result rows; 0 for the default
}

// Statistics are a query's counters, as GetQueryResults reports them.
type Statistics struct {
	RecordsMatched, RecordsScanned, BytesScanned float64
	LogGroupsScanned                             float64
	// EstimatedRecordsSkipped and EstimatedBytesSkipped count the events
	// (and their bytes on disk) of damaged segments the query could not
	// read: they are not in the results.
	EstimatedRecordsSkipped, EstimatedBytesSkipped float64
}

// Results is the state of a query and its (partial) results.
type Results struct {
	Status Status
	Rows   []query.Row
	Stats  Statistics
	Error  string // why a Failed query failed
}

// Info describes a query for DescribeQueries.
type Info struct {
	ID          string
	QueryString string
	Status      Status
	Created     time.Time
	Groups      []string
}

type queryState struct {
	id      string
	scope   store.Scope
	in      StartInput
	created time.Time
	cancel  context.CancelCauseFunc

	mu      sync.Mutex // guards the fields below
	status  Status
	rows    []query.Row
	stats   Statistics
	lost    store.LostRange // summed over the query's groups: Events, Bytes
	errMsg  string
	ended   time.Time
	stopped bool
}

var (
	errStopped = errors.New("stopped")
	errClosing = errors.New("closing")
)

func key(sc store.Scope, id string) string { return sc.Account + "\x00" + sc.Region + "\x00" + id }

// Start schedules a query and returns its ID.
func (m *Manager) Start(in StartInput) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", ErrClosed
	}
	m.pruneLocked()
	if m.active[in.Scope.Account] >= m.opts.MaxConcurrent {
		return "", ErrTooManyQueries
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	q := &queryState{id: newID(), scope: in.Scope, in: in, created: m.opts.Now(), cancel: cancel, status: Scheduled}
	q.in.Groups = slices.Clone(in.Groups)
	m.queries[key(in.Scope, q.id)] = q
	m.active[in.Scope.Account]++
	m.wg.Add(1)
	go m.run(ctx, q)
	return q.id, nil
}

// run is a query's goroutine: it waits for a worker slot, scans the groups
// and records the outcome.
func (m *Manager) run(ctx context.Context, q *queryState) {
	defer m.wg.Done()
	defer q.cancel(nil)
	select {
	case m.workers <- struct{}{}:
		defer func() { <-m.workers }()
	case <-ctx.Done():
		m.finish(q, ctx, nil, nil)
		return
	}
	q.mu.Lock()
	q.status = Running
	q.mu.Unlock()
	tctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	res, err := m.execute(tctx, q)
	m.finish(q, tctx, res, err)
}

// execute runs the query over its groups. The store skips what the query
// cannot match or does not read: blocks outside its time bounds or without
// one of its index terms, the text of events when it reads no message, and
// the text of messages that are not JSON objects when it reads only JSON
// fields.
// A query that wants only the newest events reads each group newest first
// (the groups in reverse order) and stops when the rest cannot matter.
func (m *Manager) execute(ctx context.Context, q *queryState) (*query.Result, error) {
	in := q.in
	iq := in.Query
	start, end := iq.TimeBounds()
	sq := store.ScanQuery{Range: store.TimeRange{Start: max(in.Start, start), End: min(in.End, end)}}
	// scan gives fn the events of g within r; with blanks, it may give
	// blanks the events it gives without a message instead (Run.AddBlanks).
	// With batch, it may give batch events by the batch (Run.AddBatch).
	// With passed, it may count there the events the query's terms rule
	// out instead of giving them to fn.
	scan := func(ctx context.Context, g string, r store.TimeRange, blanks func(store.Skipped), batch func(*store.ScanBatch) bool, passed func(n, bytes int64), fn func(*store.FilteredEvent) bool) error {
		return m.opts.Source.Scan(ctx, in.Scope, g, r, nil, "", fn)
	}
	if qs, ok := m.opts.Source.(QuerySource); ok {
		sq.Terms, sq.TermsUnlessEscaped = iq.IndexTerms(), iq.RequiredTerms()
		sq.Backward, sq.NoMessages, sq.JSONOnly = iq.NewestFirst(), !iq.NeedsMessage(), iq.ReadsOnlyJSON()
		sq.JSONFields = iq.JSONFields()
		scan = func(ctx context.Context, g string, r store.TimeRange, blanks func(store.Skipped), batch func(*store.ScanBatch) bool, passed func(n, bytes int64), fn func(*store.FilteredEvent) bool) error {
			q := sq
			q.Range = r
			q.Passed = passed
			if q.JSONOnly && !q.Backward && iq.Blanks() {
				q.Skipped = blanks
			}
			if !q.Backward && iq.Batches() {
				q.Batch = batch
			}
			return qs.ScanQuery(ctx, in.Scope, g, q, fn)
		}
	}
	if ls, ok := m.opts.Source.(LostSource); ok && sq.Range.Start < sq.Range.End {
		var sum store.LostRange
		for _, g := range in.Groups {
			lost, _ := ls.Lost(in.Scope, g, nil, sq.Range.Start, sq.Range.End-1)
			for _, l := range lost {
				sum.Events += l.Events
				sum.Bytes += l.Bytes
			}
		}
		q.mu.Lock()
		q.lost = sum
		q.mu.Unlock()
	}
	newest := sq.Backward
	ro := query.RunOptions{Limit: in.Limit, MaxGroups: m.opts.MaxGroups, MaxRows: m.opts.MaxRows, Ptr: m.opts.Ptr, NewestFirst: newest}
	run := iq.NewRun(ro)
	last := time.Now()
	for done := range in.Groups {
		if sq.Range.Start >= sq.Range.End {
			break
		}
		g := in.Groups[done]
		if newest {
			g = in.Groups[len(in.Groups)-1-done]
		}
		// scanPart feeds run the events of g within r; with publish, it
		// publishes partial results as it goes.
		scanPart := func(ctx context.Context, run *query.Run, r store.TimeRange, publish bool) error {
			ev := query.Event{Group: g, Account: in.Scope.Account}
			var addErr error
			n := 0
			blanks := func(s store.Skipped) {
				if addErr == nil {
					addErr = run.AddBlanks(s.Events, s.Bytes, s.FirstTS, s.FirstSeq)
				}
			}
			// progress checks the context and publishes partial results
			// every 4096 events or so.
			progress := func(k int) bool {
				if n += k; n < 4096 {
					return true
				}
				n = 0
				if ctx.Err() != nil {
					return false
				}
				if publish && time.Since(last) >= m.opts.PartialEvery {
					last = time.Now()
					m.publish(q, run.Snapshot(), float64(done+1))
				}
				return true
			}
			var qb query.Batch
			batch := func(b *store.ScanBatch) bool {
				if addErr == nil {
					addErr = run.AddBatch(queryBatch(b, &qb))
				}
				return addErr == nil && progress(b.Len())
			}
			err := scan(ctx, g, r, blanks, batch, run.AddScanned, func(e *store.FilteredEvent) bool {
				if addErr != nil {
					return false
				}
				ev.Timestamp, ev.Ingestion, ev.Seq, ev.Message, ev.Size, ev.Stream = e.Timestamp, e.Ingestion, e.Seq, e.Message, e.Size, e.Stream
				if addErr = run.Add(&ev); addErr != nil {
					return false
				}
				if newest && run.Enough() {
					return false
				}
				return progress(1)
			})
			if addErr == nil {
				addErr = run.FlushBlanks() // the next group's keys start over
			}
			if addErr != nil {
				return addErr
			}
			if err != nil {
				return err
			}
			return ctx.Err()
		}
		parts := []store.TimeRange{sq.Range}
		if iq.Mergeable() {
			parts = m.splitRange(in.Scope, g, sq.Range)
		}
		if err := scanParts(ctx, parts, run, func() *query.Run { return iq.NewRun(ro) }, scanPart); err != nil {
			return nil, err
		}
	}
	return run.Finish()
}

func (m *Manager) publish(q *queryState, res *query.Result, groups float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.status == Running {
		q.rows = res.Rows
		q.stats = statsOf(res, groups, q.lost)
	}
}

func statsOf(res *query.Result, groups float64, lost store.LostRange) Statistics {
	return Statistics{RecordsMatched: float64(res.Matched), RecordsScanned: float64(res.Scanned), BytesScanned: float64(res.Bytes), LogGroupsScanned: groups,
		EstimatedRecordsSkipped: float64(lost.Events), EstimatedBytesSkipped: float64(lost.Bytes)}
}

// finish records how a query ended and releases its concurrency slot.
func (m *Manager) finish(q *queryState, ctx context.Context, res *query.Result, err error) {
	q.mu.Lock()
	switch {
	case errors.Is(context.Cause(ctx), errStopped) || errors.Is(context.Cause(ctx), errClosing):
		q.status = Cancelled
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		q.status = Timeout
	case err != nil:
		q.status = Failed
		q.errMsg = err.Error()
		var le *query.LimitError
		if !errors.As(err, &le) && !errors.Is(err, store.ErrGroupNotFound) {
			q.errMsg = fmt.Sprintf("query failed: %v", err)
		}
	case res != nil:
		q.status = Complete
		q.rows = res.Rows
		q.stats = statsOf(res, float64(len(q.in.Groups)), q.lost)
	default:
		q.status = Cancelled
	}
	q.ended = m.opts.Now()
	q.mu.Unlock()
	m.mu.Lock()
	m.active[q.scope.Account]--
	if m.active[q.scope.Account] <= 0 {
		delete(m.active, q.scope.Account)
	}
	m.mu.Unlock()
}

func (m *Manager) get(sc store.Scope, id string) (*queryState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked()
	q := m.queries[key(sc, id)]
	if q == nil {
		return nil, ErrQueryNotFound
	}
	return q, nil
}

// Info describes one query of the scope (ListLogGroupsForQuery).
func (m *Manager) Info(sc store.Scope, id string) (Info, error) {
	q, err := m.get(sc, id)
	if err != nil {
		return Info{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return Info{ID: q.id, QueryString: q.in.QueryString, Status: q.status, Created: q.created, Groups: q.in.Groups}, nil
}

// Results returns a query's status and its results so far.
func (m *Manager) Results(sc store.Scope, id string) (Results, error) {
	q, err := m.get(sc, id)
	if err != nil {
		return Results{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return Results{Status: q.status, Rows: q.rows, Stats: q.stats, Error: q.errMsg}, nil
}

// Stop cancels a Scheduled or Running query; it reports false for a query
// that had already ended.
func (m *Manager) Stop(sc store.Scope, id string) (bool, error) {
	q, err := m.get(sc, id)
	if err != nil {
		return false, err
	}
	q.mu.Lock()
	running := !q.status.ended() && !q.stopped
	q.stopped = true
	q.mu.Unlock()
	if running {
		q.cancel(errStopped)
	}
	return running, nil
}

// ListFilter selects queries for List.
type ListFilter struct {
	Group  string // a query that searches this group; "" for any
	Status Status // "" for any
}

// List returns the queries of a scope, newest first.
func (m *Manager) List(sc store.Scope, f ListFilter) []Info {
	m.mu.Lock()
	m.pruneLocked()
	var qs []*queryState
	for _, q := range m.queries {
		if q.scope == sc && (f.Group == "" || slices.Contains(q.in.Groups, f.Group)) {
			qs = append(qs, q)
		}
	}
	m.mu.Unlock()
	var out []Info
	for _, q := range qs {
		q.mu.Lock()
		st := q.status
		q.mu.Unlock()
		if f.Status != "" && st != f.Status {
			continue
		}
		out = append(out, Info{ID: q.id, QueryString: q.in.QueryString, Status: st, Created: q.created, Groups: q.in.Groups})
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pruneLocked forgets ended queries older than Keep, and the oldest ended
// queries of accounts past MaxKept. m.mu must be held.
func (m *Manager) pruneLocked() {
	now := m.opts.Now()
	ended := map[string][]*queryState{}
	for k, q := range m.queries {
		q.mu.Lock()
		done, at := q.status.ended(), q.ended
		q.mu.Unlock()
		if !done {
			continue
		}
		if now.Sub(at) > m.opts.Keep {
			delete(m.queries, k)
			continue
		}
		ended[q.scope.Account] = append(ended[q.scope.Account], q)
	}
	for _, qs := range ended {
		if len(qs) <= m.opts.MaxKept {
			continue
		}
		slices.SortFunc(qs, func(a, b *queryState) int { return a.created.Compare(b.created) })
		for _, q := range qs[:len(qs)-m.opts.MaxKept] {
			delete(m.queries, key(q.scope, q.id))
		}
	}
}

// Close cancels every query and waits for their goroutines. Later calls
// of Start fail with ErrClosed; results stay readable.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	for _, q := range m.queries {
		q.cancel(errClosing)
	}
	m.mu.Unlock()
	m.wg.Wait()
	return nil
}

// newID returns a random UUID (version 4), the shape of CloudWatch's query IDs.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
