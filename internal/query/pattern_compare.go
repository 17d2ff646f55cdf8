package query

import "strings"

// This file holds what JSON and space-delimited patterns share: the
// comparison of one value with an operand, and boolean expressions over
// comparisons with && binding tighter than ||.

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

type operandKind uint8

const (
	// operandString compares whole strings; a '*' at the start or end of
	// the operand matches any text there. A '*' elsewhere is literal, as
	// CloudWatch documents ("Ev*ent" only matches "Ev*ent").
	operandString operandKind = iota
	// operandNumber is an unquoted decimal number: =, != and the ordering
	// operators compare numerically when the value is a number too.
	operandNumber
	// operandRegex is %...%, for = and != only.
	operandRegex
)

// comparison is one "value op operand" test. For operandString, text is the
// operand without its leading and trailing wildcards; for operandNumber it is
// the number as written.
type comparison struct {
	op          cmpOp
	kind        operandKind
	text        string
	lead, trail bool
	num         float64
	re          *filterRegex
}

// test compares the text of a value with the operand.
//
// Numeric operands: = and != compare numerically when the value is a
// decimal number, and compare the text otherwise (so "abc" != 200 holds);
// <, <=, > and >= are false for a value that is not a number.
func (c *comparison) test(v string) bool {
	switch c.kind {
	case operandRegex:
		return c.re.re.MatchString(v) == (c.op == opEq)
	case operandString:
		return c.wildcardMatch(v) == (c.op == opEq)
	}
	f, ok := parseDecimal(v)
	switch c.op {
	case opEq:
		if !ok {
			return v == c.text
		}
		return f == c.num
	case opNe:
		if !ok {
			return v != c.text
		}
		return f != c.num
	}
	if !ok {
		return false
	}
	switch c.op {
	case opLt:
		return f < c.num
	case opLe:
		return f <= c.num
	case opGt:
		return f > c.num
	}
	return f >= c.num
}

func (c *comparison) wildcardMatch(v string) bool {
	switch {
	case c.lead && c.trail:
		return strings.Contains(v, c.text)
	case c.lead:
		return strings.HasSuffix(v, c.text)
	case c.trail:
		return strings.HasPrefix(v, c.text)
	}
	return v == c.text
}

// literal returns a string that every value passing c contains, or "".
func (c *comparison) literal() string {
	if c.op == opEq && c.kind == operandString {
		return c.text
	}
	return ""
}

func newStringOperand(op cmpOp, s string) comparison {
	c := comparison{op: op, kind: operandString}
	if strings.HasPrefix(s, "*") {
		c.lead, s = true, s[1:]
	}
	if strings.HasSuffix(s, "*") {
		c.trail, s = true, s[:len(s)-1]
	}
	c.text = s
	return c
}

// readOperator reads one of = != < <= > >=.
func (l *patternLexer) readOperator() (cmpOp, error) {
	switch {
	case l.hasPrefix("!="):
		l.pos += 2
		return opNe, nil
	case l.hasPrefix("<="):
		l.pos += 2
		return opLe, nil
	case l.hasPrefix(">="):
		l.pos += 2
		return opGe, nil
	case l.hasPrefix("="):
		l.pos++
		return opEq, nil
	case l.hasPrefix("<"):
		l.pos++
		return opLt, nil
	case l.hasPrefix(">"):
		l.pos++
		return opGt, nil
	}
	if l.eof() {
		return 0, l.errorf(l.pos, "Expected a comparison operator (=, !=, <, <=, >, >=) at the end of the filter pattern")
	}
	return 0, l.invalidChar(l.pos)
}

// isBareValueChar says which characters an unquoted comparison value may
// hold; anything else must be quoted.
func isBareValueChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("_.*+-:/", c) >= 0
}

// readComparison reads an operator and its operand: a quoted string, a
// %regex%, or an unquoted number or string.
func (l *patternLexer) readComparison() (comparison, error) {
	opAt := l.pos
	op, err := l.readOperator()
	if err != nil {
		return comparison{}, err
	}
	l.skipSpace()
	at := l.pos
	relational := op != opEq && op != opNe
	switch {
	case l.eof():
		return comparison{}, l.errorf(at, "Missing value after the comparison operator")
	case l.peek() == '"':
		if relational {
			return comparison{}, l.errorf(at, "The operator '%s' needs a number", strings.TrimSpace(l.src[opAt:at]))
		}
		s, err := l.readQuoted()
		if err != nil {
			return comparison{}, err
		}
		return newStringOperand(op, s), nil
	case l.peek() == '%':
		if relational {
			return comparison{}, l.errorf(at, "The operator '%s' needs a number", strings.TrimSpace(l.src[opAt:at]))
		}
		re, err := l.readRegex()
		if err != nil {
			return comparison{}, err
		}
		return comparison{op: op, kind: operandRegex, re: re}, nil
	}
	for !l.eof() && isBareValueChar(l.peek()) {
		l.pos++
	}
	word := l.src[at:l.pos]
	if !l.eof() && !isSpace(l.peek()) && strings.IndexByte(",&|)", l.peek()) < 0 {
		return comparison{}, l.invalidChar(l.pos)
	}
	if word == "" {
		return comparison{}, l.errorf(at, "Missing value after the comparison operator")
	}
	if f, ok := parseDecimal(word); ok {
		return comparison{op: op, kind: operandNumber, text: word, num: f}, nil
	}
	if relational {
		return comparison{}, l.errorf(at, "The operator '%s' needs a number, not '%s'", strings.TrimSpace(l.src[opAt:at]), word)
	}
	return newStringOperand(op, word), nil
}

// boolExpr is a tree of && and || over leaves, stored flat; leaf values
// index the pattern's conditions.
type boolExpr struct {
	nodes []exprNode
	root  int
}

type exprOp uint8

const (
	exprLeaf exprOp = iota
	exprAnd
	exprOr
)

type exprNode struct {
	op   exprOp
	leaf int // for exprLeaf
	l, r int // for exprAnd and exprOr
}

func (e *boolExpr) add(n exprNode) int {
	e.nodes = append(e.nodes, n)
	return len(e.nodes) - 1
}

// parseBoolExpr parses
//
//	or      = and { "||" and }
//	and     = primary { "&&" primary }
//	primary = "(" or ")" | leaf
//
// leaf parses one condition and returns its index.
func (l *patternLexer) parseBoolExpr(e *boolExpr, leaf func() (int, error)) (int, error) {
	left, err := l.parseAnd(e, leaf)
	if err != nil {
		return 0, err
	}
	for l.skipSpace(); l.hasPrefix("||"); l.skipSpace() {
		l.pos += 2
		right, err := l.parseAnd(e, leaf)
		if err != nil {
			return 0, err
		}
		left = e.add(exprNode{op: exprOr, l: left, r: right})
	}
	return left, nil
}

func (l *patternLexer) parseAnd(e *boolExpr, leaf func() (int, error)) (int, error) {
	left, err := l.parsePrimary(e, leaf)
	if err != nil {
		return 0, err
	}
	for l.skipSpace(); l.hasPrefix("&&"); l.skipSpace() {
		l.pos += 2
		right, err := l.parsePrimary(e, leaf)
		if err != nil {
			return 0, err
		}
		left = e.add(exprNode{op: exprAnd, l: left, r: right})
	}
	return left, nil
}

func (l *patternLexer) parsePrimary(e *boolExpr, leaf func() (int, error)) (int, error) {
	l.skipSpace()
	if l.peek() != '(' {
		i, err := leaf()
		if err != nil {
			return 0, err
		}
		return e.add(exprNode{op: exprLeaf, leaf: i}), nil
	}
	open := l.pos
	l.depth++
	if l.depth > maxPatternNesting {
		return 0, l.errorf(open, "Parentheses are nested too deeply")
	}
	l.pos++
	n, err := l.parseBoolExpr(e, leaf)
	if err != nil {
		return 0, err
	}
	l.skipSpace()
	if l.peek() != ')' {
		if l.eof() {
			return 0, l.errorf(open, "Unbalanced parentheses: missing ')'")
		}
		return 0, l.invalidChar(l.pos)
	}
	l.pos++
	l.depth--
	return n, nil
}

// andLeaves calls f for each leaf that the whole expression needs to be
// true: the leaves reachable from the root through && alone.
func (e *boolExpr) andLeaves(n int, f func(leaf int)) {
	switch nd := e.nodes[n]; nd.op {
	case exprLeaf:
		f(nd.leaf)
	case exprAnd:
		e.andLeaves(nd.l, f)
		e.andLeaves(nd.r, f)
	}
}
