package query

import (
	"math"
	"strings"
)

// filter keeps the rows for which a condition holds:
//
//	filter status >= 500 and not ispresent(retry)
//	filter @message like /Exception/ or level in ["ERROR", "FATAL"]
type filterCmd struct {
	pos
	cond node
}

func (p *parser) filterCmd() (command, error) {
	start := p.tok.start
	p.next()
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	_, end := e.span()
	return &filterCmd{pos: pos{start, end}, cond: e}, nil
}

type filterStage struct {
	cond node
	next stage
}

func (s *filterStage) push(r *row) error {
	if !s.cond.eval(r).truthy() {
		return nil
	}
	return s.next.push(r)
}

func (s *filterStage) finish() error { return s.next.finish() }

func (c *filterCmd) newStage(_ *runEnv, _ *RunOptions, next stage) stage {
	return &filterStage{cond: c.cond, next: next}
}

// requiredTerms returns strings that a message must contain for cond to
// hold, given which fields are read from the message (messageDerived).
func requiredTerms(cond node, messageDerived func(*fieldNode) bool) []string {
	switch n := cond.(type) {
	case *andNode:
		return append(requiredTerms(n.x, messageDerived), requiredTerms(n.y, messageDerived)...)
	case *cmpNode:
		if n.op != tEq {
			return nil
		}
		f, lit := n.x, n.y
		if _, ok := f.(*fieldNode); !ok {
			f, lit = n.y, n.x
		}
		fn, ok1 := f.(*fieldNode)
		ln, ok2 := lit.(*litNode)
		if !ok1 || !ok2 || ln.v.k != kString || ln.v.isNumber() || !messageDerived(fn) {
			return nil
		}
		return literalTerm(ln.v.s)
	case *likeNode:
		fn, ok := n.x.(*fieldNode)
		if !ok || n.neg || !messageDerived(fn) {
			return nil
		}
		if n.re == nil {
			return literalTerm(n.sub)
		}
		if prefix, _ := n.re.LiteralPrefix(); len(prefix) >= 3 {
			return literalTerm(prefix)
		}
	}
	return nil
}

// literalTerm returns s as a term unless JSON would have to escape it.
func literalTerm(s string) []string {
	if s == "" || strings.ContainsAny(s, "\"\\") {
		return nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return nil
		}
	}
	return []string{s}
}

// timeBounds narrows [start, end) by comparisons of @timestamp with
// numbers (epoch milliseconds) among the conjuncts of cond.
func timeBounds(cond node, isTimestamp func(*fieldNode) bool, start, end *int64) {
	switch n := cond.(type) {
	case *andNode:
		timeBounds(n.x, isTimestamp, start, end)
		timeBounds(n.y, isTimestamp, start, end)
	case *cmpNode:
		op := n.op
		f, lit := n.x, n.y
		if _, ok := f.(*fieldNode); !ok {
			f, lit = n.y, n.x
			switch op { // mirror: 5 < @timestamp is @timestamp > 5
			case tLt:
				op = tGt
			case tLe:
				op = tGe
			case tGt:
				op = tLt
			case tGe:
				op = tLe
			}
		}
		fn, ok1 := f.(*fieldNode)
		ln, ok2 := lit.(*litNode)
		if !ok1 || !ok2 || ln.v.k != kNumber || !isTimestamp(fn) {
			return
		}
		v := ln.v.n
		if math.Abs(v) > 1e17 {
			return
		}
		switch op {
		case tGt:
			*start = max(*start, int64(math.Floor(v))+1)
		case tGe:
			*start = max(*start, int64(math.Ceil(v)))
		case tLt:
			*end = min(*end, int64(math.Ceil(v)))
		case tLe:
			*end = min(*end, int64(math.Floor(v))+1)
		case tEq:
			if v == math.Trunc(v) {
				*start = max(*start, int64(v))
				*end = min(*end, int64(v)+1)
			}
		}
	}
}
