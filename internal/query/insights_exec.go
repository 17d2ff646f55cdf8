package query

import (
	"errors"
	"iter"
	"math"
	"slices"
	"strings"
)

// stage is one step of a run's pipeline. push hands it a row (which it
// may change, and which it must retain() to keep past the call); finish
// says the input has ended. A stage passes rows and finish to its next.
type stage interface {
	push(r *row) error
	finish() error
}

// blocking stages (stats, sort) hold rows until finish; snapshot emits
// what they would emit now, without changing their state.
type blocking interface {
	stage
	snapshot(next stage) error
}

// stageSpec is a compiled command that makes a stage per run.
type stageSpec interface {
	newStage(env *runEnv, o *RunOptions, next stage) stage
}

// plan is a compiled query. Immutable.
type plan struct {
	slots       []slotInfo
	slotOf      map[string]int
	specs       []stageSpec
	first       int // index of the first blocking spec
	columns     []column
	json        *jsonExtractor
	lambdaSlots []int // slot of each of lambdaFields, -1 if unused; nil if none is
	hasStats    bool
	prefix      []*filterCmd        // filters before the first blocking stage
	fromMessage map[*fieldNode]bool // fields in prefix filters read from the message
	// newestFirst: the first blocking stage is a sort by the events' time,
	// newest first, that keeps a bounded number of rows.
	newestFirst bool
	needsMsg    bool // some field is read from the message
	onlyJSON    bool // needsMsg, and only JSON fields are
	// needsJSON: a filter before the first blocking stage can hold only for
	// messages that are JSON objects (it needs a JSON field to equal or
	// contain a constant).
	needsJSON bool
	// blankStats: the query starts with a stats whose by item (at most one)
	// and aggregate arguments are JSON fields, with aggregates that skip
	// nulls (or count(*)): an event without JSON fields (an empty message,
	// onlyJSON) only counts, in the group of nulls (statsStage.addBlank).
	blankStats bool
	// direct, for a blankStats query whose JSON fields are all top-level:
	// where its by item and aggregate arguments are among json.top, for
	// Run.addDirect (insights_direct.go).
	direct *directStats
	// batch: how Run.AddBatch adds events, for queries with Batches
	// (insights_batch.go).
	batch *batchPlan
}

// compiler resolves names to slots and checks what the grammar cannot.
type compiler struct {
	src     string
	pl      *plan
	defined map[string]bool // names that commands so far have set
	reads   map[string]bool // names read where no command has set them: discovered
}

func (c *compiler) slot(name string) int {
	if i, ok := c.pl.slotOf[name]; ok {
		return i
	}
	src, lambda := sourceOf(name)
	c.pl.slots = append(c.pl.slots, slotInfo{name: name, src: src, lambda: lambda})
	c.pl.slotOf[name] = len(c.pl.slots) - 1
	return len(c.pl.slots) - 1
}

// resolve binds the fields of e. Aggregations are an error unless aggs is
// not nil, in which case they are appended to it, their arguments
// resolved with the names in before.
func (c *compiler) resolve(e node, aggs *[]*aggNode, before map[string]bool) error {
	var err error
	var visit func(n node, inAgg bool, periodOK bool)
	visit = func(n node, inAgg, periodOK bool) {
		if err != nil {
			return
		}
		switch n := n.(type) {
		case *fieldNode:
			defined := c.defined
			if inAgg {
				defined = before
			}
			c.bindField(n, defined)
		case *periodNode:
			if !periodOK {
				err = errAt(n.start, n.end, "a time period can be used only in bin, datefloor and dateceil")
			}
		case *aggNode:
			if aggs == nil {
				err = errAt(n.start, n.end, "%s is an aggregation function: use it in stats", n.fn.name)
				return
			}
			if inAgg {
				err = errAt(n.start, n.end, "aggregation functions cannot be nested")
				return
			}
			n.idx = len(*aggs)
			*aggs = append(*aggs, n)
			for _, a := range n.args {
				visit(a, true, false)
			}
		case *callNode:
			for i, a := range n.args {
				visit(a, inAgg, n.per.unit != unitNone && i == len(n.args)-1)
			}
		default:
			for _, ch := range children(n) {
				visit(ch, inAgg, false)
			}
		}
	}
	visit(e, false, false)
	return err
}

// bindField sets the slot of a field, or, when a leading part of its
// dotted name is a field set by a command (from jsonParse), the path into
// that field.
func (c *compiler) bindField(n *fieldNode, defined map[string]bool) {
	n.base = -1
	if !defined[n.name] {
		for i := len(n.name) - 1; i > 0; i-- {
			if n.name[i] == '.' && defined[n.name[:i]] {
				n.base = c.slot(n.name[:i])
				n.path = strings.Split(n.name[i+1:], ".")
				return
			}
		}
		c.reads[n.name] = true
	}
	n.slot = c.slot(n.name)
}

func compile(src string, cmds []command) (*plan, error) {
	c := &compiler{src: src, pl: &plan{slotOf: map[string]int{}, first: -1, fromMessage: map[*fieldNode]bool{}}, defined: map[string]bool{}, reads: map[string]bool{}}
	pl := c.pl
	ordered := false
	blockingSeen := false
	addSpec := func(s stageSpec, block bool) {
		if block && pl.first < 0 {
			pl.first = len(pl.specs)
		}
		if block {
			blockingSeen = true
		}
		pl.specs = append(pl.specs, s)
	}
	implicitSort := func() {
		addSpec(&sortCmd{implicit: true}, true)
		ordered = true
	}
	for i, cmd := range cmds {
		if i > 0 {
			if _, ok := cmds[i-1].(*dedupCmd); ok {
				if _, ok := cmd.(*limitCmd); !ok {
					s, e := cmd.span()
					return nil, errAt(s, e, "only limit can follow dedup")
				}
			}
		}
		switch cmd := cmd.(type) {
		case *fieldsCmd:
			spec, err := c.assignItems(cmd.items)
			if err != nil {
				return nil, err
			}
			addSpec(spec, false)
		case *displayCmd:
			spec, err := c.assignItems(cmd.items)
			if err != nil {
				return nil, err
			}
			addSpec(spec, false)
		case *filterCmd:
			if err := c.resolve(cmd.cond, nil, nil); err != nil {
				return nil, err
			}
			if !blockingSeen {
				pl.prefix = append(pl.prefix, cmd)
				walk(cmd.cond, func(n node) {
					if f, ok := n.(*fieldNode); ok && f.path == nil && !c.defined[f.name] {
						pl.fromMessage[f] = true
					}
				})
			}
			addSpec(cmd, false)
		case *parseCmd:
			if err := c.resolve(cmd.src, nil, nil); err != nil {
				return nil, err
			}
			cmd.slots = cmd.slots[:0]
			for _, n := range cmd.names {
				cmd.slots = append(cmd.slots, c.slot(n))
				c.defined[n] = true
			}
			addSpec(cmd, false)
		case *statsCmd:
			before := c.defined
			for _, it := range cmd.by {
				if err := c.resolve(it.e, nil, nil); err != nil {
					return nil, err
				}
			}
			cmd.timeBy = nil
			if len(cmd.by) == 1 {
				if cn, ok := cmd.by[0].e.(*callNode); ok && (cn.fn == scalarFuncs["bin"] || cn.fn == scalarFuncs["datefloor"]) {
					if f, ok := cn.args[0].(*fieldNode); ok && f.name == "@timestamp" && f.path == nil && !c.defined[f.name] {
						cmd.timeBy = cn
					}
				}
			}
			c.defined = map[string]bool{}
			for _, it := range cmd.by {
				c.slot(it.name)
				c.defined[it.name] = true
			}
			cmd.aggs = nil
			for _, it := range cmd.items {
				n := len(cmd.aggs)
				if err := c.resolve(it.e, &cmd.aggs, before); err != nil {
					return nil, err
				}
				if len(cmd.aggs) == n && !refersTo(it.e, c.defined) {
					return nil, errAt(it.start, it.end, "stats needs an aggregation function such as count(*) or avg(field)")
				}
				c.slot(it.name)
				c.defined[it.name] = true
			}
			pl.hasStats = true
			ordered = true
			addSpec(cmd, true)
		case *sortCmd:
			for _, k := range cmd.keys {
				if err := c.resolve(k.e, nil, nil); err != nil {
					return nil, err
				}
			}
			if len(cmd.keys) == 1 && cmd.keys[0].desc {
				f, ok := cmd.keys[0].e.(*fieldNode)
				cmd.newest = ok && f.name == "@timestamp" && f.path == nil && !c.defined[f.name]
			}
			cmd.cap = sortCap(cmds[i+1:])
			ordered = true
			addSpec(cmd, true)
		case *limitCmd:
			if !ordered {
				implicitSort()
				pl.specs[len(pl.specs)-1].(*sortCmd).cap = cmd.n
			}
			addSpec(cmd, false)
		case *dedupCmd:
			if !ordered {
				implicitSort()
				pl.specs[len(pl.specs)-1].(*sortCmd).cap = -1
			}
			for _, f := range cmd.fields {
				if err := c.resolve(f, nil, nil); err != nil {
					return nil, err
				}
			}
			addSpec(cmd, false)
		}
	}
	if !ordered {
		implicitSort()
	}
	pl.columns = columnsFor(cmds, c.slot)
	for _, col := range pl.columns {
		if !c.defined[col.name] {
			c.reads[col.name] = true
		}
	}
	c.discovery()
	if sc, ok := pl.specs[pl.first].(*sortCmd); ok {
		pl.newestFirst = (sc.implicit || sc.newest) && sc.cap >= 0
	}
	pl.onlyJSON = true
	for _, s := range pl.slots {
		switch s.src {
		case srcMessage, srcLambda:
			pl.onlyJSON = false
			pl.needsMsg = true
		case srcJSON:
			pl.needsMsg = true
		}
	}
	pl.onlyJSON = pl.onlyJSON && pl.needsMsg
	pl.blankStats = pl.onlyJSON && pl.blankStatsShape()
	pl.direct = pl.directStats()
	pl.batch = pl.batchPlan()
	return pl, nil
}

// nullSkippers are the aggregates whose state a null argument leaves as
// it is.
var nullSkippers = map[string]bool{"count": true, "count_distinct": true, "sum": true, "avg": true, "stddev": true, "min": true, "max": true, "pct": true}

// blankStatsShape reports the shape plan.blankStats needs.
func (pl *plan) blankStatsShape() bool {
	sc, ok := pl.specs[0].(*statsCmd)
	if !ok || pl.first != 0 || sc.timeBy != nil || len(sc.by) > 1 {
		return false
	}
	jsonField := func(n node) bool {
		f, ok := n.(*fieldNode)
		return ok && pl.slots[f.slot].src == srcJSON
	}
	if len(sc.by) == 1 && !jsonField(sc.by[0].e) {
		return false
	}
	for _, a := range sc.aggs {
		star := a.star || (a.fn.name == "count" && len(a.args) == 0)
		if !nullSkippers[a.fn.name] || (!star && !jsonField(a.args[0])) {
			return false
		}
	}
	return true
}

// assignItems compiles the items of fields or display.
func (c *compiler) assignItems(items []item) (*assignSpec, error) {
	spec := &assignSpec{}
	for _, it := range items {
		if err := c.resolve(it.e, nil, nil); err != nil {
			return nil, err
		}
		if it.assigns() {
			spec.assigns = append(spec.assigns, assignment{slot: c.slot(it.name), e: it.e})
			c.defined[it.name] = true
		}
	}
	return spec, nil
}

// refersTo reports whether e reads one of the names.
func refersTo(e node, names map[string]bool) bool {
	found := false
	walk(e, func(n node) {
		if f, ok := n.(*fieldNode); ok && (names[f.name] || f.path != nil) {
			found = true
		}
	})
	return found
}

// sortCap is how many rows a sort followed by rest must keep: the first
// limit if only commands that keep every row come before it, the result
// limit (0) if the query ends so, else every row (-1).
func sortCap(rest []command) int {
	for _, c := range rest {
		switch c := c.(type) {
		case *limitCmd:
			return c.n
		case *fieldsCmd, *displayCmd, *parseCmd:
		default:
			return -1
		}
	}
	return 0
}

// discovery records which slots come from JSON or Lambda lines.
func (c *compiler) discovery() {
	pl := c.pl
	names := map[string]int{}
	for i := range pl.slots {
		s := &pl.slots[i]
		if !c.reads[s.name] && s.src != srcNone {
			s.src = srcNone
		}
		switch s.src {
		case srcJSON:
			names[s.name] = i
		case srcLambda:
			if pl.lambdaSlots == nil {
				pl.lambdaSlots = make([]int, len(lambdaFields))
				for j := range pl.lambdaSlots {
					pl.lambdaSlots[j] = -1
				}
			}
			pl.lambdaSlots[s.lambda] = i
		}
	}
	if len(names) > 0 {
		pl.json = newJSONExtractor(names)
	}
}

// pushdown derives RequiredTerms, IndexTerms and TimeBounds from the
// filters before the first blocking command.
func (pl *plan) pushdown() (terms, literal []string, start, end int64) {
	start, end = math.MinInt64, math.MaxInt64
	from := func(srcs ...slotSource) func(f *fieldNode) bool {
		return func(f *fieldNode) bool { return pl.fromMessage[f] && slices.Contains(srcs, pl.slots[f.slot].src) }
	}
	for _, f := range pl.prefix {
		terms = append(terms, requiredTerms(f.cond, from(srcMessage, srcJSON))...)
		literal = append(literal, requiredTerms(f.cond, from(srcMessage))...)
		pl.needsJSON = pl.needsJSON || requiredTerms(f.cond, from(srcJSON)) != nil
		timeBounds(f.cond, from(srcTimestamp), &start, &end)
	}
	return terms, literal, start, end
}

// counter counts the rows that reach the first blocking stage.
type counter struct {
	n    *int64
	next stage
}

func (s *counter) push(r *row) error {
	*s.n++
	return s.next.push(r)
}
func (s *counter) finish() error { return s.next.finish() }

// collector renders the rows that reach the end, up to the result limit.
type collector struct {
	env  *runEnv
	max  int
	rows []Row
}

func (s *collector) push(r *row) error {
	if len(s.rows) >= s.max {
		return nil
	}
	cols := s.env.pl.columns
	out := make(Row, 0, len(cols)+1)
	for _, c := range cols {
		if c.name == "@ptr" {
			continue
		}
		if v := r.get(c.slot); v.k != kNull {
			out = append(out, ResultField{c.name, v.str()})
		}
	}
	if r.ev != nil && s.env.ptr != nil {
		out = append(out, ResultField{"@ptr", s.env.ptr(r.ev)})
	}
	s.rows = append(s.rows, out)
	return nil
}

func (s *collector) finish() error { return nil }

// Run executes a query over a stream of events. A Run belongs to one
// goroutine: Add, Snapshot and Finish must not be called concurrently.
type Run struct {
	pl      *plan
	opts    RunOptions
	env     *runEnv
	stages  []stage // stages[i] runs specs[i]; the first one takes events
	head    stage
	coll    *collector
	scratch *row
	terms   []string
	blank   *statsStage  // plan.blankStats: the first stage, which takes blank events
	pending blanks       // given to AddBlanks, not yet counted (insights_blank.go)
	direct  *directStats // plan.direct, which addDirect follows
	// With plan.batch: the first stage, which AddBatch feeds, and scratch.
	stats       *statsStage
	batches     uint64 // AddBatch calls
	bgroups     batchGroups
	filterCache []batchCache
	numText     []byte
	res         Result
	n           uint64
	err         error
	done        bool
	// For Enough: the key of the last event added.
	lastTS  int64
	lastSeq uint64
}

// NewRun starts a run of q.
func (q *Insights) NewRun(o RunOptions) *Run {
	if o.Limit <= 0 {
		o.Limit = defaultLimit
	}
	o.Limit = min(o.Limit, maxLimit)
	if o.MaxGroups <= 0 {
		o.MaxGroups = defaultMaxGroups
	}
	if o.MaxRows <= 0 {
		o.MaxRows = defaultMaxRows
	}
	o.NewestFirst = o.NewestFirst && q.plan.newestFirst
	env := &runEnv{pl: q.plan, ptr: o.Ptr, intern: map[string]string{}}
	r := &Run{pl: q.plan, opts: o, env: env, scratch: newRow(env), terms: q.terms}
	r.coll = &collector{env: env, max: o.Limit}
	r.stages = r.build(0, r.coll, true)
	r.head = r.stages[0]
	if q.plan.blankStats {
		r.blank = r.head.(*counter).next.(*statsStage)
		r.direct = q.plan.direct
	}
	if q.plan.batch != nil {
		r.stats = r.stages[q.plan.first].(*counter).next.(*statsStage)
	}
	return r
}

// build instantiates the specs from index from on, ending in final; it
// returns the stage of each spec (and final last).
func (r *Run) build(from int, final stage, count bool) []stage {
	specs := r.pl.specs[from:]
	out := make([]stage, len(specs)+1)
	out[len(specs)] = final
	next := final
	for i := len(specs) - 1; i >= 0; i-- {
		st := specs[i].newStage(r.env, &r.opts, next)
		if count && from+i == r.pl.first {
			st = &counter{n: &r.res.Matched, next: st}
		}
		out[i] = st
		next = st
	}
	return out
}

// AddScanned counts n events of bytes message bytes in all as scanned,
// without adding them: events a source ruled out by the query's terms
// (IndexTerms, RequiredTerms) without reading them.
func (r *Run) AddScanned(n, bytes int64) {
	r.res.Scanned += n
	r.res.Bytes += bytes
}

// Add runs one event through the query. It does not keep e (it copies
// what it keeps). After an error (a *LimitError) the run is over.
func (r *Run) Add(e *Event) error {
	if r.err != nil {
		return r.err
	}
	if r.done {
		return errors.New("query: Add after Finish")
	}
	if r.pending.n > 0 && !e.before(r.pending.ts, r.pending.seq) {
		if r.flushBlanks(); r.err != nil {
			return r.err
		}
	}
	r.res.Scanned++
	if e.Size > 0 { // the source's length of the message, which may be given projected (JSONFields)
		r.res.Bytes += int64(e.Size)
	} else {
		r.res.Bytes += int64(len(e.Message))
	}
	r.n++
	r.lastTS, r.lastSeq = e.Timestamp, e.Seq
	if !r.mayMatch(e.Message) {
		return nil
	}
	if e.Message == "" && r.blank != nil && r.blank.addBlanks(1, liveKey(e.Timestamp, e.Seq)) {
		r.res.Matched++ // the counter before the stats
		return nil
	}
	if r.direct != nil && r.addDirect(e) {
		return r.err
	}
	arrival := r.n
	if r.opts.NewestFirst {
		arrival = math.MaxUint64 - r.n // the reverse of the usual order
	}
	r.scratch.reset(e, arrival)
	if err := r.head.push(r.scratch); err != nil {
		r.err = err
	}
	return r.err
}

// mayMatch is false when the message lacks a required term, or is not a
// JSON object while the filters need JSON fields (and so cannot pass the
// filters before the first stats or sort).
func (r *Run) mayMatch(msg string) bool {
	terms := r.terms
	if len(terms) == 0 {
		return true
	}
	if r.pl.needsJSON && !looksLikeJSON(msg) {
		return false
	}
	for _, t := range terms {
		if !strings.Contains(msg, t) {
			return strings.IndexByte(msg, '\\') >= 0
		}
	}
	return true
}

// Enough reports, in a run with RunOptions.NewestFirst, that no event
// older than the last one added (smaller @timestamp, or equal @timestamp
// and smaller sequence number) can change the result: the caller may skip
// the rest of the log group. It is always false in other runs.
func (r *Run) Enough() bool {
	if !r.opts.NewestFirst || r.n == 0 || r.err != nil || r.done {
		return false
	}
	s := r.blockingAt(r.pl.first).(*sortStage)
	return s.full() && !s.beats(r.lastTS, r.lastSeq)
}

// Snapshot returns the result the query would have if the events added so
// far were all, leaving the run as it is (for partial results).
func (r *Run) Snapshot() *Result {
	res := r.res
	if r.done {
		res.Rows = r.coll.rows
		return &res
	}
	coll := &collector{env: r.env, max: r.opts.Limit}
	i := r.pl.first
	rest := r.build(i+1, coll, false)
	b := r.blockingAt(i)
	if err := b.snapshot(rest[0]); err == nil {
		rest[0].finish()
	}
	res.Rows = coll.rows
	return &res
}

// blockingAt returns the blocking stage of spec i (under its counter).
func (r *Run) blockingAt(i int) blocking {
	st := r.stages[i]
	if c, ok := st.(*counter); ok {
		st = c.next
	}
	return st.(blocking)
}

// Finish ends the input and returns the result.
func (r *Run) Finish() (*Result, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.done {
		if r.flushBlanks(); r.err != nil {
			return nil, r.err
		}
		r.done = true
		if err := r.head.finish(); err != nil {
			r.err = err
			return nil, err
		}
	}
	res := r.res
	res.Rows = r.coll.rows
	return &res, nil
}

// Mergeable reports whether runs of q over disjoint parts of its events
// can be combined with Run.Merge: its first command that holds rows is
// stats (the ones before it, fields, display, filter and parse, handle each
// event on its own), so the runs' partial aggregations combine into the
// one a single run would make.
func (q *Insights) Mergeable() bool { return q.plan.mergeable() }

func (pl *plan) mergeable() bool {
	_, ok := pl.specs[pl.first].(*statsCmd)
	return ok
}

// Merge adds to r the work of o, a run of the same mergeable query over
// events that all come after r's, in the order a single run would take
// them; neither may be finished, and o must not be used afterwards. The
// result is the single run's, except that sums of non-integers may differ
// in their last bits (floating-point addition is not associative) and
// pct's sketch may differ when a group has more than 4,096 buckets.
func (r *Run) Merge(o *Run) error {
	switch {
	case r.err != nil:
		return r.err
	case o.err != nil:
		r.err = o.err
		return r.err
	case r.pl != o.pl || !r.pl.mergeable():
		return errors.New("query: Merge of runs of different or unmergeable queries")
	case r.done || o.done:
		return errors.New("query: Merge after Finish")
	}
	r.flushBlanks() // before o's events
	o.flushBlanks()
	if r.err != nil || o.err != nil {
		r.err = errors.Join(r.err, o.err)
		return r.err
	}
	r.res.Scanned += o.res.Scanned
	r.res.Bytes += o.res.Bytes
	r.res.Matched += o.res.Matched
	s := r.blockingAt(r.pl.first).(*statsStage)
	if err := s.merge(o.blockingAt(o.pl.first).(*statsStage)); err != nil {
		r.err = err
	}
	return r.err
}

// Execute runs q over events and returns the result.
func (q *Insights) Execute(events iter.Seq[*Event], o RunOptions) (*Result, error) {
	r := q.NewRun(o)
	for e := range events {
		if err := r.Add(e); err != nil {
			return nil, err
		}
	}
	return r.Finish()
}
