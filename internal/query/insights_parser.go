package query

import (
	"regexp"
	"strconv"
	"strings"
)

// The parser turns a query into commands (one type per command, each in
// its own file) whose expressions are trees of nodes (insights_expr.go).
// Names are resolved later, by compile.

// maxInsightsDepth bounds the nesting of expressions, so that a hostile
// query cannot exhaust the stack.
const maxInsightsDepth = 200

// command is one command of the pipeline.
type command interface {
	span() (start, end int)
}

// pos is a byte range of the query.
type pos struct{ start, end int }

func (p pos) span() (int, int) { return p.start, p.end }

// item is one entry of fields, display or stats: an expression, optionally
// named with as.
type item struct {
	e     node
	alias string
	name  string // alias, the field's name, or the expression as written
	pos
}

// assigns reports whether the item computes a value (rather than naming a
// field that exists already).
func (it *item) assigns() bool {
	if it.alias != "" {
		return true
	}
	_, plain := it.e.(*fieldNode)
	return !plain
}

type parser struct {
	src   string
	lx    insLexer
	tok   token
	depth int
}

func newParser(src string) *parser {
	p := &parser{src: src, lx: insLexer{src: src}}
	p.next()
	return p
}

func (p *parser) next() { p.tok = p.lx.next() }

// isKeyword reports whether the current token is the (case-insensitive) word.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) unexpected(what string) error {
	t := p.tok
	if t.kind == tBad {
		return errAt(t.start, t.end, "%s", t.text)
	}
	if t.kind == tEOF {
		return errAt(t.start, t.end, "unexpected end of query: expected %s", what)
	}
	return errAt(t.start, t.end, "unexpected %s: expected %s", quoteForMsg(p.src[t.start:t.end]), what)
}

func (p *parser) expect(k insTok, what string) (token, error) {
	if p.tok.kind != k {
		return token{}, p.unexpected(what)
	}
	t := p.tok
	p.next()
	return t, nil
}

var keywords = map[string]bool{"and": true, "or": true, "not": true, "like": true, "in": true, "as": true, "by": true, "asc": true, "desc": true}

func isKeyword(s string) bool { return keywords[strings.ToLower(s)] }

// parseCommands parses the whole query.
func parseCommands(src string) ([]command, error) {
	p := newParser(src)
	var cmds []command
	for p.tok.kind != tEOF {
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
		switch p.tok.kind {
		case tPipe:
			p.next()
			if p.tok.kind == tEOF {
				return nil, p.unexpected("a command after '|'")
			}
		case tEOF:
		default:
			return nil, p.unexpected("'|' or the end of the query")
		}
	}
	return cmds, nil
}

// unsupportedCommands are CloudWatch commands logpond does not implement.
var unsupportedCommands = map[string]bool{
	"pattern": true, "diff": true, "unmask": true, "filterindex": true, "anomaly": true,
	"lookup": true, "unnest": true, "source": true, "head": true, "tail": true, "join": true,
}

func (p *parser) command() (command, error) {
	if p.tok.kind != tIdent {
		return nil, p.unexpected("a command (fields, filter, stats, sort, limit, parse, display or dedup)")
	}
	t := p.tok
	name := strings.ToLower(t.text)
	switch name {
	case "fields":
		return p.fieldsCmd()
	case "display":
		return p.displayCmd()
	case "filter":
		return p.filterCmd()
	case "stats":
		return p.statsCmd()
	case "sort":
		return p.sortCmd()
	case "limit":
		return p.limitCmd()
	case "parse":
		return p.parseCmd()
	case "dedup":
		return p.dedupCmd()
	}
	if unsupportedCommands[name] {
		return nil, errAt(t.start, t.end, "the %s command is not supported", t.text)
	}
	return nil, errAt(t.start, t.end, "unknown command %s", quoteForMsg(t.text))
}

// items parses a comma-separated list of expressions with optional aliases.
func (p *parser) items(allowAlias bool) ([]item, error) {
	var out []item
	for {
		start := p.tok.start
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, end := e.span()
		it := item{e: e, pos: pos{start, end}}
		if p.isKeyword("as") {
			if !allowAlias {
				return nil, p.unexpected("',' or '|'")
			}
			p.next()
			name, nt, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			it.alias, it.end = name, nt.end
		}
		switch {
		case it.alias != "":
			it.name = it.alias
		default:
			if f, ok := e.(*fieldNode); ok {
				it.name = f.name
			} else {
				it.name = strings.TrimSpace(p.src[start:end])
			}
		}
		out = append(out, it)
		if p.tok.kind != tComma {
			return out, nil
		}
		p.next()
	}
}

// fieldName parses a field name: an identifier that is not a keyword, or a
// backquoted name.
func (p *parser) fieldName() (string, token, error) {
	t := p.tok
	switch {
	case t.kind == tQuoted:
		p.next()
		return t.text, t, nil
	case t.kind == tIdent && !isKeyword(t.text):
		p.next()
		return t.text, t, nil
	}
	return "", t, p.unexpected("a field name")
}

// Expressions, loosest binding first: or, and, not, comparisons (= != < <=
// > >= =~ like in), + -, * / %, unary minus, ^, primaries.

func (p *parser) expr() (node, error) {
	if p.depth++; p.depth > maxInsightsDepth {
		return nil, errAt(p.tok.start, p.tok.end, "expression nested too deeply")
	}
	defer func() { p.depth-- }()
	return p.or()
}

func (p *parser) or() (node, error) {
	x, err := p.and()
	for err == nil && p.isKeyword("or") {
		p.next()
		var y node
		if y, err = p.and(); err == nil {
			x = &orNode{pos: joinPos(x, y), x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) and() (node, error) {
	x, err := p.not()
	for err == nil && p.isKeyword("and") {
		p.next()
		var y node
		if y, err = p.not(); err == nil {
			x = &andNode{pos: joinPos(x, y), x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) not() (node, error) {
	if p.isKeyword("not") {
		start := p.tok.start
		p.next()
		if p.depth++; p.depth > maxInsightsDepth {
			return nil, errAt(p.tok.start, p.tok.end, "expression nested too deeply")
		}
		x, err := p.not()
		p.depth--
		if err != nil {
			return nil, err
		}
		_, end := x.span()
		return &notNode{pos: pos{start, end}, x: x}, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	start, _ := x.span()
	switch k := p.tok.kind; k {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		p.next()
		y, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &cmpNode{pos: joinPos(x, y), op: k, x: x, y: y}, nil
	case tMatch:
		p.next()
		return p.likeRHS(x, start, false)
	}
	neg := false
	if p.isKeyword("not") {
		neg = true
		p.next()
		if !p.isKeyword("like") && !p.isKeyword("in") {
			return nil, p.unexpected("like or in after not")
		}
	}
	switch {
	case p.isKeyword("like"):
		p.next()
		return p.likeRHS(x, start, neg)
	case p.isKeyword("in"):
		p.next()
		return p.inRHS(x, start, neg)
	}
	return x, nil
}

// likeRHS parses the string or /regex/ after like or =~.
func (p *parser) likeRHS(x node, start int, neg bool) (node, error) {
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		return &likeNode{pos: pos{start, t.end}, x: x, sub: t.text, neg: neg}, nil
	case tSlash:
		t = p.lx.regex(t.start)
		if t.kind == tBad {
			return nil, errAt(t.start, t.end, "%s", t.text)
		}
		re, err := compileInsightsRegex(t)
		if err != nil {
			return nil, err
		}
		p.next()
		return &likeNode{pos: pos{start, t.end}, x: x, re: re, neg: neg}, nil
	}
	return nil, p.unexpected("a string or a /regular expression/")
}

func compileInsightsRegex(t token) (*regexp.Regexp, error) {
	re, err := regexp.Compile(t.text)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
			msg = msg[i+2:]
		}
		return nil, errAt(t.start, t.end, "invalid regular expression: %s", msg)
	}
	return re, nil
}

// inRHS parses the [list] of constants after in.
func (p *parser) inRHS(x node, start int, neg bool) (node, error) {
	if _, err := p.expect(tLBrack, "'[' after in"); err != nil {
		return nil, err
	}
	n := &inNode{x: x, neg: neg}
	for p.tok.kind != tRBrack {
		v, err := p.constant()
		if err != nil {
			return nil, err
		}
		n.list = append(n.list, v)
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		if p.tok.kind != tRBrack {
			return nil, p.unexpected("',' or ']'")
		}
	}
	n.pos = pos{start, p.tok.end}
	p.next()
	return n, nil
}

// constant parses a string, a number (optionally negative) or a boolean.
func (p *parser) constant() (Value, error) {
	t := p.tok
	switch {
	case t.kind == tString:
		p.next()
		return strValue(t.text), nil
	case t.kind == tNumber:
		p.next()
		return numLiteral(t)
	case t.kind == tMinus:
		p.next()
		if p.tok.kind != tNumber {
			return Value{}, p.unexpected("a number")
		}
		v, err := numLiteral(p.tok)
		p.next()
		v.n, v.s = -v.n, ""
		return v, err
	case t.kind == tIdent && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")):
		p.next()
		return boolValue(strings.EqualFold(t.text, "true")), nil
	}
	return Value{}, p.unexpected("a string or a number")
}

func numLiteral(t token) (Value, error) {
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return Value{}, errAt(t.start, t.end, "invalid number %s", quoteForMsg(t.text))
	}
	return numValue(f), nil
}

func (p *parser) additive() (node, error) {
	x, err := p.multiplicative()
	for err == nil && (p.tok.kind == tPlus || p.tok.kind == tMinus) {
		op := p.tok.kind
		p.next()
		var y node
		if y, err = p.multiplicative(); err == nil {
			x = &arithNode{pos: joinPos(x, y), op: op, x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) multiplicative() (node, error) {
	x, err := p.unary()
	for err == nil && (p.tok.kind == tStar || p.tok.kind == tSlash || p.tok.kind == tPercent) {
		op := p.tok.kind
		p.next()
		var y node
		if y, err = p.unary(); err == nil {
			x = &arithNode{pos: joinPos(x, y), op: op, x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) unary() (node, error) {
	if p.tok.kind == tMinus {
		start := p.tok.start
		p.next()
		if p.depth++; p.depth > maxInsightsDepth {
			return nil, errAt(p.tok.start, p.tok.end, "expression nested too deeply")
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		_, end := x.span()
		if lit, ok := x.(*litNode); ok && lit.v.k == kNumber {
			return &litNode{pos: pos{start, end}, v: numValue(-lit.v.n)}, nil
		}
		return &negNode{pos: pos{start, end}, x: x}, nil
	}
	return p.power()
}

func (p *parser) power() (node, error) {
	x, err := p.primary()
	if err != nil || p.tok.kind != tCaret {
		return x, err
	}
	p.next()
	if p.depth++; p.depth > maxInsightsDepth {
		return nil, errAt(p.tok.start, p.tok.end, "expression nested too deeply")
	}
	y, err := p.unary() // right-associative: 2^3^2 = 2^(3^2)
	p.depth--
	if err != nil {
		return nil, err
	}
	return &arithNode{pos: joinPos(x, y), op: tCaret, x: x, y: y}, nil
}

func (p *parser) primary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		p.next()
		v, err := numLiteral(t)
		return &litNode{pos: pos{t.start, t.end}, v: v}, err
	case tString:
		p.next()
		return &litNode{pos: pos{t.start, t.end}, v: strValue(t.text)}, nil
	case tPeriod:
		p.next()
		per, err := parsePeriod(t)
		return &periodNode{pos: pos{t.start, t.end}, p: per}, err
	case tQuoted:
		p.next()
		return &fieldNode{pos: pos{t.start, t.end}, name: t.text}, nil
	case tLParen:
		p.next()
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return x, nil
	case tIdent:
		if isKeyword(t.text) {
			return nil, p.unexpected("an expression")
		}
		p.next()
		if p.tok.kind == tLParen {
			return p.call(t)
		}
		if strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false") {
			return &litNode{pos: pos{t.start, t.end}, v: boolValue(strings.EqualFold(t.text, "true"))}, nil
		}
		return &fieldNode{pos: pos{t.start, t.end}, name: t.text}, nil
	}
	return nil, p.unexpected("an expression")
}

// call parses the arguments of a function call; name is the function's
// token and the current token is '('.
func (p *parser) call(name token) (node, error) {
	p.next() // '('
	var args []node
	star := false
	if p.tok.kind == tStar {
		t := p.tok
		p.next()
		if p.tok.kind != tRParen {
			return nil, errAt(t.start, t.end, "'*' is allowed only as count(*)")
		}
		star = true
	}
	for !star && p.tok.kind != tRParen {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("',' or ')'")
		}
	}
	end := p.tok.end
	p.next()
	return newCall(pos{name.start, end}, name.text, args, star)
}

func joinPos(x, y node) pos {
	s, _ := x.span()
	_, e := y.span()
	return pos{s, e}
}
