package query

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// A JSON pattern is a boolean expression over conditions on property
// selectors:
//
//	{ $.eventType = "UpdateTrail" && ($.latency > 500 || $.error IS TRUE) }
//
// A selector starts at the root, $, and steps into object properties
// (.name, .['name with.dots']) and array elements ([0]); .* and [*] step into
// any property or element, at most once per selector and three times per
// pattern. A condition is one of
//
//	selector = value      selector != value      (string, number or %regex%)
//	selector < number     selector <= number     selector > number     selector >= number
//	selector IS NULL      selector IS TRUE       selector IS FALSE
//	selector NOT EXISTS
//
// Comparisons hold only when the selector resolves to a string, number or
// boolean: a missing property, null, an object or an array fails both = and
// !=. With a wildcard the condition holds when it holds for any of the
// values the selector reaches. A message that is not valid JSON matches no
// JSON pattern, not even NOT EXISTS.
//
// Matching never builds a tree of the message: one pass over it (see
// pattern_jsonscan.go) validates it and notes where each selector's values
// are.

const (
	maxWildcardsPerSelector = 1
	maxWildcardsPerPattern  = 3
)

type stepKind uint8

const (
	stepField stepKind = iota
	stepIndex
	stepAnyField
	stepAnyIndex
)

type selStep struct {
	kind  stepKind
	name  string
	index int
}

type jsonSelector struct {
	text     string // as written in the pattern: the key MatchExtract uses
	steps    []selStep
	wildcard bool
}

type condKind uint8

const (
	condCompare condKind = iota
	condIsNull
	condIsTrue
	condIsFalse
	condNotExists
)

type jsonCond struct {
	sel  int
	kind condKind
	cmp  comparison
}

type jsonPattern struct {
	selectors []jsonSelector
	conds     []jsonCond
	expr      boolExpr
	nav       *jsonNav  // where the scan starts: the root value
	scans     sync.Pool // of *jsonScan
	// literals are texts that a matching message contains unless it has a
	// backslash (an escape could spell them differently): the operands of
	// the string = conditions that every match needs.
	literals []string
	// container: every match is a JSON object or array (a condition that
	// every match needs compares a value below the root).
	container bool
}

func parseJSONPattern(l *patternLexer) (*jsonPattern, error) {
	p := &jsonPattern{}
	bySteps := map[string]int{}
	wildcards := 0
	leaf := func() (int, error) {
		l.skipSpace()
		sel, err := l.readSelector()
		if err != nil {
			return 0, err
		}
		if sel.wildcard {
			wildcards++
			if wildcards > maxWildcardsPerPattern {
				return 0, l.errorf(l.pos-len(sel.text), "A filter pattern can contain at most %d wildcard selectors", maxWildcardsPerPattern)
			}
		}
		key := stepsKey(sel.steps)
		id, ok := bySteps[key]
		if !ok {
			id = len(p.selectors)
			bySteps[key] = id
			p.selectors = append(p.selectors, sel)
		}
		cond, err := l.readJSONCondition(id)
		if err != nil {
			return 0, err
		}
		p.conds = append(p.conds, cond)
		return len(p.conds) - 1, nil
	}
	l.skipSpace()
	if l.eof() {
		return nil, l.errorf(l.pos, "Empty JSON filter pattern")
	}
	root, err := l.parseBoolExpr(&p.expr, leaf)
	if err != nil {
		return nil, err
	}
	l.skipSpace()
	if !l.eof() {
		if l.peek() == ')' {
			return nil, l.errorf(l.pos, "Unbalanced parentheses: unexpected ')'")
		}
		return nil, l.invalidChar(l.pos)
	}
	p.expr.root = root
	p.expr.andLeaves(root, func(leaf int) {
		// The decoded text of an unescaped value differs from its bytes
		// only where invalid UTF-8 turns into U+FFFD.
		if c := &p.conds[leaf]; c.kind == condCompare {
			if lit := c.cmp.literal(); lit != "" && !strings.ContainsRune(lit, utf8.RuneError) {
				p.literals = append(p.literals, lit)
				p.container = p.container || len(p.selectors[c.sel].steps) > 0
			}
		}
	})
	p.nav = buildJSONNav(p.selectors)
	n := len(p.selectors)
	p.scans.New = func() any { return &jsonScan{vals: make([][]jsonVal, n)} }
	return p, nil
}

func isSelectorNameChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

// readSelector reads $ and its steps.
func (l *patternLexer) readSelector() (jsonSelector, error) {
	start := l.pos
	if l.peek() != '$' {
		if l.eof() {
			return jsonSelector{}, l.errorf(start, "Expected a property selector starting with '$'")
		}
		if l.peek() == ')' || l.hasPrefix("&&") || l.hasPrefix("||") {
			return jsonSelector{}, l.errorf(start, "Expected a property selector starting with '$'")
		}
		return jsonSelector{}, l.errorf(start, "Expected a property selector starting with '$', found '%s'", charAt(l.src, start))
	}
	l.pos++
	var sel jsonSelector
	bad := func() error {
		end := min(l.pos+1, len(l.src))
		return l.errorf(l.pos, "Invalid character(s) in term '%s'", l.src[start:end])
	}
	for {
		switch l.peek() {
		case '.':
			l.pos++
			switch c := l.peek(); {
			case c == '*':
				l.pos++
				sel.steps = append(sel.steps, selStep{kind: stepAnyField})
			case c == '[':
				step, err := l.readBracketStep(start, bad)
				if err != nil {
					return sel, err
				}
				sel.steps = append(sel.steps, step)
			case isSelectorNameChar(c):
				from := l.pos
				for !l.eof() && isSelectorNameChar(l.peek()) {
					l.pos++
				}
				sel.steps = append(sel.steps, selStep{kind: stepField, name: l.src[from:l.pos]})
			default:
				return sel, bad()
			}
		case '[':
			step, err := l.readBracketStep(start, bad)
			if err != nil {
				return sel, err
			}
			sel.steps = append(sel.steps, step)
		default:
			if len(sel.steps) == 0 {
				return sel, bad()
			}
			if c := l.peek(); !l.eof() && !isSpace(c) && strings.IndexByte("=!<>)&|", c) < 0 {
				return sel, bad()
			}
			sel.text = l.src[start:l.pos]
			n := 0
			for _, s := range sel.steps {
				if s.kind == stepAnyField || s.kind == stepAnyIndex {
					n++
				}
			}
			if n > maxWildcardsPerSelector {
				return sel, l.errorf(start, "A property selector can contain only one wildcard")
			}
			sel.wildcard = n > 0
			return sel, nil
		}
	}
}

// readBracketStep reads [N], [*] or ['name'].
func (l *patternLexer) readBracketStep(start int, bad func() error) (selStep, error) {
	open := l.pos
	l.pos++
	var step selStep
	switch c := l.peek(); {
	case c == '*':
		l.pos++
		step.kind = stepAnyIndex
	case c == '\'':
		end := strings.IndexByte(l.src[l.pos+1:], '\'')
		if end < 0 {
			return step, l.errorf(l.pos, "Unterminated quoted property name")
		}
		step = selStep{kind: stepField, name: l.src[l.pos+1 : l.pos+1+end]}
		l.pos += end + 2
	case isDigit(c):
		from := l.pos
		for !l.eof() && isDigit(l.peek()) {
			l.pos++
		}
		i, err := strconv.Atoi(l.src[from:l.pos])
		if err != nil || i > 1<<30 {
			return step, l.errorf(from, "Array index too large")
		}
		step = selStep{kind: stepIndex, index: i}
	default:
		return step, bad()
	}
	if l.peek() != ']' {
		if l.eof() {
			return step, l.errorf(open, "Missing ']' in property selector")
		}
		return step, bad()
	}
	l.pos++
	return step, nil
}

func stepsKey(steps []selStep) string {
	var b strings.Builder
	for _, s := range steps {
		switch s.kind {
		case stepField:
			b.WriteString(".")
			b.WriteString(strconv.Quote(s.name))
		case stepIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case stepAnyField:
			b.WriteString(".*")
		case stepAnyIndex:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// readJSONCondition reads what follows a selector: IS NULL|TRUE|FALSE,
// NOT EXISTS, or a comparison.
func (l *patternLexer) readJSONCondition(sel int) (jsonCond, error) {
	l.skipSpace()
	at := l.pos
	switch {
	case l.keyword("IS"):
		l.skipSpace()
		kwAt := l.pos
		switch {
		case l.keyword("NULL"):
			return jsonCond{sel: sel, kind: condIsNull}, nil
		case l.keyword("TRUE"):
			return jsonCond{sel: sel, kind: condIsTrue}, nil
		case l.keyword("FALSE"):
			return jsonCond{sel: sel, kind: condIsFalse}, nil
		case l.keyword("NOT"):
			return jsonCond{}, l.errorf(at, "IS NOT is not supported")
		}
		return jsonCond{}, l.errorf(kwAt, "IS must be followed by NULL, TRUE or FALSE")
	case l.keyword("NOT"):
		l.skipSpace()
		if !l.keyword("EXISTS") {
			return jsonCond{}, l.errorf(l.pos, "NOT must be followed by EXISTS")
		}
		return jsonCond{sel: sel, kind: condNotExists}, nil
	case l.keyword("EXISTS"):
		return jsonCond{}, l.errorf(at, "EXISTS is not supported; use NOT EXISTS, or a comparison such as = *")
	}
	c, err := l.readComparison()
	if err != nil {
		return jsonCond{}, err
	}
	return jsonCond{sel: sel, kind: condCompare, cmp: c}, nil
}

// keyword consumes the word kw (any case) if it stands at l.pos.
func (l *patternLexer) keyword(kw string) bool {
	end := l.pos + len(kw)
	if end > len(l.src) || !strings.EqualFold(l.src[l.pos:end], kw) {
		return false
	}
	if end < len(l.src) && (isAlnum(l.src[end]) || l.src[end] == '_') {
		return false
	}
	l.pos = end
	return true
}

// match runs the pattern over msg; with extract it also returns the values
// of the selectors without wildcards.
func (p *jsonPattern) match(msg string, extract bool) (bool, map[string]string) {
	if p.container {
		i := 0
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i == len(msg) || (msg[i] != '{' && msg[i] != '[') {
			return false, nil
		}
	}
	for _, lit := range p.literals {
		if !strings.Contains(msg, lit) && strings.IndexByte(msg, '\\') < 0 {
			return false, nil
		}
	}
	s := p.scans.Get().(*jsonScan)
	defer p.scans.Put(s)
	s.reset(msg)
	if !s.document(p.nav) {
		return false, nil
	}
	if !s.eval(p, p.expr.root) {
		return false, nil
	}
	if !extract {
		return true, nil
	}
	var out map[string]string
	for id, sel := range p.selectors {
		if sel.wildcard || len(s.vals[id]) != 1 {
			continue
		}
		if text, ok := s.text(s.vals[id][0]); ok {
			if out == nil {
				out = make(map[string]string)
			}
			out[sel.text] = strings.Clone(text)
		}
	}
	return true, out
}

func (s *jsonScan) eval(p *jsonPattern, n int) bool {
	switch nd := &p.expr.nodes[n]; nd.op {
	case exprAnd:
		return s.eval(p, nd.l) && s.eval(p, nd.r)
	case exprOr:
		return s.eval(p, nd.l) || s.eval(p, nd.r)
	default:
		return s.evalCond(&p.conds[nd.leaf])
	}
}

func (s *jsonScan) evalCond(c *jsonCond) bool {
	vals := s.vals[c.sel]
	switch c.kind {
	case condNotExists:
		return len(vals) == 0
	case condIsNull:
		return slices.ContainsFunc(vals, func(v jsonVal) bool { return v.kind == jsonNull })
	case condIsTrue:
		return slices.ContainsFunc(vals, func(v jsonVal) bool { return v.kind == jsonTrue })
	case condIsFalse:
		return slices.ContainsFunc(vals, func(v jsonVal) bool { return v.kind == jsonFalse })
	}
	for _, v := range vals {
		if text, ok := s.text(v); ok && c.cmp.test(text) {
			return true
		}
	}
	return false
}

// jsonNav is one state of the walk over a message: the set of selector
// positions the current value stands at, compiled ahead of time from the
// selectors (a subset construction over their steps) so the scan follows a
// single state however many selectors and wildcards overlap.
type jsonNav struct {
	fields     []navField
	otherField *jsonNav // for property names not in fields
	indexes    []navIndex
	otherIndex *jsonNav
	record     []int // selectors whose value this is
}

type navField struct {
	name string
	next *jsonNav
	// reset lists the selectors to forget on entering: a property that
	// appears twice in an object counts with its last value, as in
	// encoding/json. Only selectors without a wildcard above this point are
	// reset; below a wildcard every occurrence counts.
	reset []int
}

type navIndex struct {
	index int
	next  *jsonNav
}

func (n *jsonNav) hasFields() bool  { return len(n.fields) > 0 || n.otherField != nil }
func (n *jsonNav) hasIndexes() bool { return len(n.indexes) > 0 || n.otherIndex != nil }

// selTrie is the trie of all selectors' steps, the input to buildJSONNav.
type selTrie struct {
	fields        map[string]*selTrie
	indexes       map[int]*selTrie
	anyField      *selTrie
	anyIndex      *selTrie
	terminals     []int
	subtree       []int // selectors ending here or below
	underWildcard bool
	id            int
}

func buildJSONNav(sels []jsonSelector) *jsonNav {
	ids := 0
	newNode := func(underWildcard bool) *selTrie {
		ids++
		return &selTrie{fields: map[string]*selTrie{}, indexes: map[int]*selTrie{}, underWildcard: underWildcard, id: ids}
	}
	root := newNode(false)
	for id, sel := range sels {
		t := root
		t.subtree = append(t.subtree, id)
		for _, st := range sel.steps {
			var c *selTrie
			switch st.kind {
			case stepField:
				if c = t.fields[st.name]; c == nil {
					c = newNode(t.underWildcard)
					t.fields[st.name] = c
				}
			case stepIndex:
				if c = t.indexes[st.index]; c == nil {
					c = newNode(t.underWildcard)
					t.indexes[st.index] = c
				}
			case stepAnyField:
				if c = t.anyField; c == nil {
					c = newNode(true)
					t.anyField = c
				}
			case stepAnyIndex:
				if c = t.anyIndex; c == nil {
					c = newNode(true)
					t.anyIndex = c
				}
			}
			t = c
			t.subtree = append(t.subtree, id)
		}
		t.terminals = append(t.terminals, id)
	}
	return navBuilder{states: map[string]*jsonNav{}}.state([]*selTrie{root})
}

type navBuilder struct {
	states map[string]*jsonNav
}

// state returns the navigation state for a set of trie nodes, building it
// and the states it leads to on first use.
func (b navBuilder) state(set []*selTrie) *jsonNav {
	if len(set) == 0 {
		return nil
	}
	slices.SortFunc(set, func(x, y *selTrie) int { return x.id - y.id })
	set = slices.Compact(set)
	var key strings.Builder
	for _, t := range set {
		key.WriteString(strconv.Itoa(t.id))
		key.WriteByte(',')
	}
	if n, ok := b.states[key.String()]; ok {
		return n
	}
	n := &jsonNav{}
	b.states[key.String()] = n
	var anyFields, anyIndexes []*selTrie
	names := map[string]bool{}
	indexes := map[int]bool{}
	for _, t := range set {
		n.record = append(n.record, t.terminals...)
		if t.anyField != nil {
			anyFields = append(anyFields, t.anyField)
		}
		if t.anyIndex != nil {
			anyIndexes = append(anyIndexes, t.anyIndex)
		}
		for name := range t.fields {
			names[name] = true
		}
		for i := range t.indexes {
			indexes[i] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		next := slices.Clone(anyFields)
		var reset []int
		for _, t := range set {
			if c := t.fields[name]; c != nil {
				next = append(next, c)
				if !c.underWildcard {
					reset = append(reset, c.subtree...)
				}
			}
		}
		n.fields = append(n.fields, navField{name: name, next: b.state(next), reset: reset})
	}
	n.otherField = b.state(slices.Clone(anyFields))
	for _, i := range slices.Sorted(maps.Keys(indexes)) {
		next := slices.Clone(anyIndexes)
		for _, t := range set {
			if c := t.indexes[i]; c != nil {
				next = append(next, c)
			}
		}
		n.indexes = append(n.indexes, navIndex{index: i, next: b.state(next)})
	}
	n.otherIndex = b.state(slices.Clone(anyIndexes))
	return n
}
