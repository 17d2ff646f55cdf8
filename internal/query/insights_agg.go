package query

import (
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// Aggregation functions of stats. Each keeps a bounded state per group.

type aggFunc struct {
	name     string
	min, max int  // argument counts
	star     bool // accepts count(*)
	newState func(n *aggNode) aggState
}

// aggState accumulates one aggregation of one group. add reads the
// aggregation's arguments from r; result does not change the state. merge
// adds the state of the same aggregation over events that came after this
// state's (Run.Merge); o is of the same type and is not used afterwards.
type aggState interface {
	add(n *aggNode, r *row)
	result() Value
	merge(o aggState)
}

var aggFuncs = map[string]*aggFunc{
	"count":          {"count", 0, 1, true, func(n *aggNode) aggState { return &countState{star: n.star || len(n.args) == 0} }},
	"count_distinct": {"count_distinct", 1, 1, false, func(*aggNode) aggState { return &distinctState{} }},
	"sum":            {"sum", 1, 1, false, func(*aggNode) aggState { return &sumState{} }},
	"avg":            {"avg", 1, 1, false, func(*aggNode) aggState { return &avgState{} }},
	"stddev":         {"stddev", 1, 1, false, func(*aggNode) aggState { return &stddevState{} }},
	"min":            {"min", 1, 1, false, func(*aggNode) aggState { return &extremeState{sign: -1} }},
	"max":            {"max", 1, 1, false, func(*aggNode) aggState { return &extremeState{sign: 1} }},
	"pct":            {"pct", 2, 2, false, func(n *aggNode) aggState { return &pctState{p: n.param} }},
	"earliest":       {"earliest", 1, 1, false, func(*aggNode) aggState { return &timeEdgeState{} }},
	"latest":         {"latest", 1, 1, false, func(*aggNode) aggState { return &timeEdgeState{latest: true} }},
	"sortsfirst":     {"sortsFirst", 1, 1, false, func(*aggNode) aggState { return &sortEdgeState{} }},
	"sortslast":      {"sortsLast", 1, 1, false, func(*aggNode) aggState { return &sortEdgeState{last: true} }},
}

func newAgg(p pos, af *aggFunc, name string, args []node, star bool) (node, error) {
	if star && !af.star {
		return nil, errAt(p.start, p.end, "'*' is allowed only as count(*)")
	}
	if len(args) < af.min || len(args) > af.max {
		return nil, errAt(p.start, p.end, "%s takes %s, not %d", name, arity(af.min, af.max), len(args))
	}
	n := &aggNode{pos: p, fn: af, args: args, star: star}
	if af.name == "pct" {
		lit, ok := args[1].(*litNode)
		var f float64
		if ok {
			f, ok = lit.v.num()
			ok = ok && lit.v.k == kNumber && f >= 0 && f <= 100
		}
		if !ok {
			s, e := args[1].span()
			return nil, errAt(s, e, "pct takes a percentile between 0 and 100 as its second argument")
		}
		n.param = f
		n.args = args[:1]
	}
	return n, nil
}

// detach copies a value's text so that it no longer shares memory with an
// event's message (aggregations outlive the event).
func (v Value) detach() Value {
	if v.s != "" {
		v.s = strings.Clone(v.s)
	}
	return v
}

type countState struct {
	star bool
	n    int64
}

func (s *countState) add(n *aggNode, r *row) {
	if s.star {
		s.n++
		return
	}
	s.addV(n.args[0].eval(r))
}

// addV adds the argument's value v (for count(*), any).
func (s *countState) addV(v Value) {
	if s.star || v.k != kNull {
		s.n++
	}
}
func (s *countState) result() Value    { return numValue(float64(s.n)) }
func (s *countState) merge(o aggState) { s.n += o.(*countState).n }

type sumState struct {
	sum float64
	any bool
}

func (s *sumState) add(n *aggNode, r *row) { s.addV(n.args[0].eval(r)) }

func (s *sumState) addV(v Value) {
	if f, ok := v.num(); ok {
		s.sum += f
		s.any = true
	}
}

func (s *sumState) merge(o aggState) {
	t := o.(*sumState)
	s.sum += t.sum
	s.any = s.any || t.any
}

func (s *sumState) result() Value {
	if !s.any {
		return null
	}
	return numValue(s.sum)
}

type avgState struct {
	sum float64
	n   int64
}

func (s *avgState) add(n *aggNode, r *row) { s.addV(n.args[0].eval(r)) }

func (s *avgState) addV(v Value) {
	if f, ok := v.num(); ok {
		s.sum += f
		s.n++
	}
}

func (s *avgState) merge(o aggState) {
	t := o.(*avgState)
	s.sum += t.sum
	s.n += t.n
}

func (s *avgState) result() Value {
	if s.n == 0 {
		return null
	}
	return numValue(s.sum / float64(s.n))
}

// stddevState is Welford's running variance; the result is the sample
// standard deviation.
type stddevState struct {
	n        int64
	mean, m2 float64
}

func (s *stddevState) add(n *aggNode, r *row) { s.addV(n.args[0].eval(r)) }

func (s *stddevState) addV(v Value) {
	f, ok := v.num()
	if !ok {
		return
	}
	s.n++
	d := f - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (f - s.mean)
}

// merge combines two running variances (Chan, Golub and LeVeque).
func (s *stddevState) merge(o aggState) {
	t := o.(*stddevState)
	if t.n == 0 {
		return
	}
	if s.n == 0 {
		*s = *t
		return
	}
	n := s.n + t.n
	d := t.mean - s.mean
	s.mean += d * float64(t.n) / float64(n)
	s.m2 += t.m2 + d*d*float64(s.n)*float64(t.n)/float64(n)
	s.n = n
}

func (s *stddevState) result() Value {
	switch s.n {
	case 0:
		return null
	case 1:
		return numValue(0)
	}
	return numValue(math.Sqrt(s.m2 / float64(s.n-1)))
}

// extremeState is min or max over the values that are numbers (times
// included); the result keeps the winning value's type, and of equal
// values (5 and 5.0) the first: the one of the smallest key, whatever
// the order in which they come (Run.AddBatch; statsStage.rank makes the
// keys of earlier scans smaller than any).
type extremeState struct {
	sign float64
	best Value
	bf   float64
	key  firstKey // best's
}

func (s *extremeState) add(n *aggNode, r *row) {
	k := firstKey{class: 2}
	if r.ev != nil {
		k = liveKey(r.ev.Timestamp, r.ev.Seq)
	}
	s.addK(n.args[0].eval(r), k)
}

// addV adds v as the last value so far.
func (s *extremeState) addV(v Value) { s.addK(v, firstKey{class: 2}) }

// addK adds v, the value of the event of key k.
func (s *extremeState) addK(v Value, k firstKey) {
	f, ok := v.num()
	if !ok {
		return
	}
	if s.best.k == kNull || (f-s.bf)*s.sign > 0 || f == s.bf && k.less(s.key) {
		s.best, s.bf, s.key = v.detach(), f, k
	}
}
func (s *extremeState) result() Value { return s.best }

// merge keeps s's value on ties, as add keeps the first of equal values.
func (s *extremeState) merge(o aggState) {
	t := o.(*extremeState)
	if t.best.k != kNull && (s.best.k == kNull || (t.bf-s.bf)*s.sign > 0) {
		s.best, s.bf, s.key = t.best, t.bf, t.key
	}
}

// timeEdgeState is earliest or latest: the value of the event with the
// smallest or largest (@timestamp, order of arrival).
type timeEdgeState struct {
	latest bool
	set    bool
	ts     int64
	seq    uint64
	v      Value
}

func (s *timeEdgeState) add(n *aggNode, r *row) {
	v := n.args[0].eval(r)
	if v.k == kNull {
		return
	}
	ts, seq := r.orderKey()
	if s.better(ts, seq) {
		s.set, s.ts, s.seq, s.v = true, ts, seq, v.detach()
	}
}

// better reports whether a value at (ts, seq) replaces the one kept.
func (s *timeEdgeState) better(ts int64, seq uint64) bool {
	switch {
	case !s.set:
		return true
	case s.latest:
		return ts > s.ts || (ts == s.ts && seq > s.seq)
	}
	return ts < s.ts || (ts == s.ts && seq < s.seq)
}

func (s *timeEdgeState) result() Value { return s.v }

func (s *timeEdgeState) merge(o aggState) {
	if t := o.(*timeEdgeState); t.set && s.better(t.ts, t.seq) {
		s.set, s.ts, s.seq, s.v = true, t.ts, t.seq, t.v
	}
}

// sortEdgeState is sortsFirst or sortsLast, in sort's natural order.
type sortEdgeState struct {
	last bool
	v    Value
}

func (s *sortEdgeState) add(n *aggNode, r *row) {
	v := n.args[0].eval(r)
	if v.k == kNull {
		return
	}
	if s.beats(v) {
		s.v = v.detach()
	}
}

// beats reports whether the non-null v replaces the value kept.
func (s *sortEdgeState) beats(v Value) bool {
	if s.v.k == kNull {
		return true
	}
	c := naturalCompare(v, s.v)
	return (s.last && c > 0) || (!s.last && c < 0)
}

func (s *sortEdgeState) result() Value { return s.v }

func (s *sortEdgeState) merge(o aggState) {
	if t := o.(*sortEdgeState); t.v.k != kNull && s.beats(t.v) {
		s.v = t.v
	}
}

// distinctState counts distinct values exactly (by 64-bit hash) up to
// maxExactDistinct, then with a HyperLogLog sketch.
type distinctState struct {
	exact map[uint64]struct{}
	hll   *hyperLogLog
	buf   []byte
}

const maxExactDistinct = 512

func (s *distinctState) add(n *aggNode, r *row) { s.addV(n.args[0].eval(r)) }

func (s *distinctState) addV(v Value) {
	if v.k == kNull {
		return
	}
	s.buf = appendKey(s.buf[:0], v)
	s.addHash(hash64(s.buf))
}

func (s *distinctState) addHash(h uint64) {
	if s.hll != nil {
		s.hll.add(h)
		return
	}
	if s.exact == nil {
		s.exact = map[uint64]struct{}{}
	}
	s.exact[h] = struct{}{}
	if len(s.exact) > maxExactDistinct {
		s.hll = &hyperLogLog{}
		for h := range s.exact {
			s.hll.add(h)
		}
		s.exact = nil
	}
}

func (s *distinctState) merge(o aggState) {
	t := o.(*distinctState)
	if t.hll == nil {
		for h := range t.exact {
			s.addHash(h)
		}
		return
	}
	if s.hll == nil {
		s.hll = &hyperLogLog{}
		for h := range s.exact {
			s.hll.add(h)
		}
		s.exact = nil
	}
	for i, r := range t.hll.reg {
		s.hll.reg[i] = max(s.hll.reg[i], r)
	}
}

func (s *distinctState) result() Value {
	if s.hll != nil {
		return numValue(math.Round(s.hll.estimate()))
	}
	return numValue(float64(len(s.exact)))
}

// hash64 is FNV-1a with a final mix, so that every bit depends on the input
// (HyperLogLog reads the top bits).
func hash64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

const hllP = 12

type hyperLogLog struct {
	reg [1 << hllP]uint8
}

func (h *hyperLogLog) add(x uint64) {
	i := x >> (64 - hllP)
	w := x<<hllP | 1<<(hllP-1)
	if r := uint8(bits.LeadingZeros64(w) + 1); r > h.reg[i] {
		h.reg[i] = r
	}
}

func (h *hyperLogLog) estimate() float64 {
	const m = 1 << hllP
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		return m * math.Log(float64(m)/float64(zeros))
	}
	return e
}

// pctState keeps the values exactly up to maxExactPct, then moves them to
// a sketch with logarithmic buckets (relative accuracy pctAccuracy).
type pctState struct {
	p     float64
	exact []float64
	sk    *quantileSketch
}

const (
	maxExactPct = 1024
	pctAccuracy = 0.01
)

func (s *pctState) add(n *aggNode, r *row) { s.addV(evalNode(n.args[0], r)) }

func (s *pctState) addV(v Value) {
	f, ok := v.n, v.k == kNumber // the usual case, without the call of num
	if !ok {
		f, ok = v.num()
	}
	if !ok || math.IsNaN(f) {
		return
	}
	s.addValue(f)
}

func (s *pctState) addValue(f float64) {
	if s.sk != nil {
		s.sk.add(f)
		return
	}
	s.exact = append(s.exact, f)
	if len(s.exact) > maxExactPct {
		s.sk = newQuantileSketch()
		for _, x := range s.exact {
			s.sk.add(x)
		}
		s.exact = nil
	}
}

func (s *pctState) merge(o aggState) {
	t := o.(*pctState)
	if t.sk == nil {
		for _, x := range t.exact {
			s.addValue(x)
		}
		return
	}
	if s.sk == nil {
		s.sk = newQuantileSketch()
		for _, x := range s.exact {
			s.sk.add(x)
		}
		s.exact = nil
	}
	s.sk.merge(t.sk)
}

func (s *pctState) result() Value {
	if s.sk != nil {
		return numValue(s.sk.quantile(s.p))
	}
	if len(s.exact) == 0 {
		return null
	}
	slices.Sort(s.exact)
	return numValue(s.exact[nearestRank(s.p, len(s.exact))-1])
}

// nearestRank is the 1-based rank of percentile p among n values.
func nearestRank(p float64, n int) int {
	k := int(math.Ceil(p / 100 * float64(n)))
	return clampInt(k, 1, n)
}

// quantileSketch is a DDSketch-style histogram: a value x > 0 falls into
// bucket ceil(log_gamma(x)), which spans values within pctAccuracy of its
// representative. Buckets past maxSketchBuckets per sign are merged at the
// low end (losing accuracy only for the smallest magnitudes).
type quantileSketch struct {
	pos, neg sketchBuckets
	zero, n  uint64
}

const maxSketchBuckets = 4096

var (
	sketchGamma   = (1 + pctAccuracy) / (1 - pctAccuracy)
	sketchLnGamma = math.Log(sketchGamma)
	// smallIndex holds the bucket index of the integers 1..len-1, the
	// usual latencies and sizes, to spare a logarithm.
	smallIndex = func() (t [4096]int32) {
		for i := 1; i < len(t); i++ {
			t[i] = int32(math.Ceil(math.Log(float64(i)) / sketchLnGamma))
		}
		return t
	}()
)

func newQuantileSketch() *quantileSketch { return &quantileSketch{} }

func (q *quantileSketch) index(x float64) int32 {
	if x < float64(len(smallIndex)) && x == math.Trunc(x) {
		return smallIndex[int(x)]
	}
	return int32(math.Ceil(math.Log(x) / sketchLnGamma))
}

func (q *quantileSketch) value(i int32) float64 {
	return 2 * math.Pow(sketchGamma, float64(i)) / (sketchGamma + 1)
}

func (q *quantileSketch) add(x float64) {
	q.n++
	switch {
	case x > 1e-300:
		q.pos.add(q.index(x))
	case x < -1e-300:
		q.neg.add(q.index(-x))
	default:
		q.zero++
	}
}

// merge adds the counts of o.
func (q *quantileSketch) merge(o *quantileSketch) {
	q.n += o.n
	q.zero += o.zero
	q.pos.merge(&o.pos)
	q.neg.merge(&o.neg)
}

func (q *quantileSketch) quantile(p float64) float64 {
	rank := uint64(nearestRank(p, int(q.n)))
	seen := uint64(0)
	negKeys := q.neg.keys()
	for i := len(negKeys) - 1; i >= 0; i-- {
		if seen += q.neg.count(negKeys[i]); seen >= rank {
			return -q.value(negKeys[i])
		}
	}
	if seen += q.zero; seen >= rank {
		return 0
	}
	posKeys := q.pos.keys()
	for _, k := range posKeys {
		if seen += q.pos.count(k); seen >= rank {
			return q.value(k)
		}
	}
	if len(posKeys) > 0 {
		return q.value(posKeys[len(posKeys)-1])
	}
	return 0
}

// sketchBuckets counts values by bucket index: in a slice over the range
// of indexes seen while it spans at most maxDenseSpan of them (the usual
// case, and the cheap one), else in a map of at most maxSketchBuckets
// buckets.
type sketchBuckets struct {
	dense []uint64 // counts of indexes lo, lo+1, ...
	lo    int32
	m     map[int32]uint64 // once not dense
}

const maxDenseSpan = 1024

func (b *sketchBuckets) add(i int32) { b.addCount(i, 1) }

// addCount adds c values to bucket i.
func (b *sketchBuckets) addCount(i int32, c uint64) {
	if b.m == nil {
		switch {
		case len(b.dense) == 0:
			b.dense, b.lo = append(b.dense, c), i
			return
		case i >= b.lo && int(i-b.lo) < len(b.dense):
			b.dense[i-b.lo] += c
			return
		case i > b.lo && int(i-b.lo) < maxDenseSpan:
			b.dense = append(b.dense, make([]uint64, int(i-b.lo)+1-len(b.dense))...)
			b.dense[i-b.lo] += c
			return
		case i < b.lo && int(b.lo-i)+len(b.dense) <= maxDenseSpan:
			grown := make([]uint64, int(b.lo-i)+len(b.dense))
			copy(grown[b.lo-i:], b.dense)
			b.dense, b.lo = grown, i
			b.dense[0] += c
			return
		}
		b.m = map[int32]uint64{}
		for j, c := range b.dense {
			if c > 0 {
				b.m[b.lo+int32(j)] = c
			}
		}
		b.dense = nil
	}
	b.m[i] += c
	if len(b.m) > maxSketchBuckets {
		keys := slices.Sorted(maps.Keys(b.m))
		lo, into := keys[0], keys[1]
		b.m[into] += b.m[lo]
		delete(b.m, lo)
	}
}

// merge adds the counts of o, bucket by bucket in ascending order.
func (b *sketchBuckets) merge(o *sketchBuckets) {
	for _, k := range o.keys() {
		b.addCount(k, o.count(k))
	}
}

// keys returns the indexes with a count, in ascending order.
func (b *sketchBuckets) keys() []int32 {
	if b.m != nil {
		return slices.Sorted(maps.Keys(b.m))
	}
	var out []int32
	for j, c := range b.dense {
		if c > 0 {
			out = append(out, b.lo+int32(j))
		}
	}
	return out
}

func (b *sketchBuckets) count(i int32) uint64 {
	if b.m != nil {
		return b.m[i]
	}
	return b.dense[i-b.lo]
}
