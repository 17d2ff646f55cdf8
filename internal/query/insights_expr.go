package query

import (
	"math"
	"regexp"
	"strings"
)

// node is an expression. eval never fails: a value that cannot be computed
// (a missing field, text in arithmetic, division by zero) is null.
type node interface {
	eval(r *row) Value
	span() (start, end int)
}

type litNode struct {
	pos
	v Value
}

func (n *litNode) eval(*row) Value { return n.v }

// fieldNode reads a field. compile sets slot; when the name continues a
// field that a command made from jsonParse (json.a.b), base and path
// navigate into that value instead.
type fieldNode struct {
	pos
	name string
	slot int
	base int // slot of the JSON value, or -1
	path []string
}

func (n *fieldNode) eval(r *row) Value {
	if n.path != nil {
		v := r.get(n.base)
		if v.k != kJSON {
			return null
		}
		return jsonPath(v.j, n.path)
	}
	return r.get(n.slot)
}

// evalNode is e.eval(r), with a plain field read without a dynamic call
// (for the per-event loops of stats).
func evalNode(e node, r *row) Value {
	if f, ok := e.(*fieldNode); ok && f.path == nil {
		if r.known[f.slot] {
			return r.vals[f.slot]
		}
		return r.getNew(f.slot)
	}
	return e.eval(r)
}

type negNode struct {
	pos
	x node
}

func (n *negNode) eval(r *row) Value {
	if f, ok := n.x.eval(r).num(); ok {
		return numValue(-f)
	}
	return null
}

type notNode struct {
	pos
	x node
}

func (n *notNode) eval(r *row) Value { return boolValue(!n.x.eval(r).truthy()) }

type andNode struct {
	pos
	x, y node
}

func (n *andNode) eval(r *row) Value {
	return boolValue(n.x.eval(r).truthy() && n.y.eval(r).truthy())
}

type orNode struct {
	pos
	x, y node
}

func (n *orNode) eval(r *row) Value {
	return boolValue(n.x.eval(r).truthy() || n.y.eval(r).truthy())
}

type arithNode struct {
	pos
	op   insTok
	x, y node
}

func (n *arithNode) eval(r *row) Value {
	a, ok1 := n.x.eval(r).num()
	b, ok2 := n.y.eval(r).num()
	if !ok1 || !ok2 {
		return null
	}
	var f float64
	switch n.op {
	case tPlus:
		f = a + b
	case tMinus:
		f = a - b
	case tStar:
		f = a * b
	case tSlash:
		if b == 0 {
			return null
		}
		f = a / b
	case tPercent:
		if b == 0 {
			return null
		}
		f = math.Mod(a, b)
	case tCaret:
		f = math.Pow(a, b)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return null
	}
	return numValue(f)
}

type cmpNode struct {
	pos
	op   insTok
	x, y node
}

func (n *cmpNode) eval(r *row) Value {
	c, ok := compareValues(n.x.eval(r), n.y.eval(r))
	if !ok {
		return boolValue(false)
	}
	switch n.op {
	case tEq:
		return boolValue(c == 0)
	case tNe:
		return boolValue(c != 0)
	case tLt:
		return boolValue(c < 0)
	case tLe:
		return boolValue(c <= 0)
	case tGt:
		return boolValue(c > 0)
	}
	return boolValue(c >= 0)
}

// likeNode is x like "substring", x like /regex/ and x =~ ..., optionally
// negated (not like). A missing x matches neither form.
type likeNode struct {
	pos
	x   node
	sub string
	re  *regexp.Regexp
	neg bool
}

func (n *likeNode) eval(r *row) Value {
	v := n.x.eval(r)
	if v.k == kNull {
		return boolValue(false)
	}
	s := v.str()
	var m bool
	if n.re != nil {
		m = n.re.MatchString(s)
	} else {
		m = strings.Contains(s, n.sub)
	}
	return boolValue(m != n.neg)
}

// inNode is x in [constants] and x not in [...]; strings must match
// whole, numbers by value.
type inNode struct {
	pos
	x    node
	list []Value
	neg  bool
}

func (n *inNode) eval(r *row) Value {
	v := n.x.eval(r)
	if v.k == kNull {
		return boolValue(false)
	}
	found := false
	for _, c := range n.list {
		if d, ok := compareValues(v, c); ok && d == 0 {
			found = true
			break
		}
	}
	return boolValue(found != n.neg)
}

// periodNode is a time period (5m, 1h) given to bin, datefloor or dateceil.
type periodNode struct {
	pos
	p period
}

func (n *periodNode) eval(*row) Value { return numValue(float64(n.p.approxMillis())) }

// aggNode is an aggregation function in a stats command. While a group's
// row is finished its value comes from the row's aggregates.
type aggNode struct {
	pos
	fn    *aggFunc
	args  []node
	star  bool
	param float64 // pct's percentile
	idx   int     // index of the aggregation in its stats command
}

func (n *aggNode) eval(r *row) Value {
	if n.idx < len(r.aggs) {
		return r.aggs[n.idx]
	}
	return null
}

// walk calls f for n and every node below it, parents first.
func walk(n node, f func(node)) {
	f(n)
	for _, c := range children(n) {
		walk(c, f)
	}
}

// children returns the direct operands of n.
func children(n node) []node {
	switch n := n.(type) {
	case *negNode:
		return []node{n.x}
	case *notNode:
		return []node{n.x}
	case *andNode:
		return []node{n.x, n.y}
	case *orNode:
		return []node{n.x, n.y}
	case *arithNode:
		return []node{n.x, n.y}
	case *cmpNode:
		return []node{n.x, n.y}
	case *likeNode:
		return []node{n.x}
	case *inNode:
		return []node{n.x}
	case *callNode:
		return n.args
	case *aggNode:
		return n.args
	}
	return nil
}
