package query

import (
	"strconv"
	"strings"
	"sync"
)

// A space-delimited pattern names the fields of a log event split at white
// space, and may put conditions on them:
//
//	[ip, user, username, timestamp, request = "*.html*", status_code = 4*, bytes > 1000]
//
// Event fields: text enclosed in double quotes or square brackets is one
// field, whose value is the text inside; otherwise a field runs to the next
// space, tab or line break. An opening quote or bracket that is never closed
// is an ordinary character.
//
// Pattern fields are separated by commas. Each is one of
//
//	...                 any number of event fields, none included
//	(nothing)           one event field, unnamed: [a, , c] or [a, b,]
//	name                one event field
//	name op value ...   one event field that passes conditions joined by &&
//	                    and || (with parentheses), each naming the same field
//
// with the operators and values of JSON patterns (see comparison). Without an
// ellipsis the event needs at least as many fields as the pattern, and the
// last pattern field takes the rest of the event: [w1=ERROR, w2] matches
// "ERROR Failed to process request" with w2 = "Failed to process request".
// This is why CloudWatch asks for a blank w2 after w1.
type delimPattern struct {
	slots    []delimSlot
	ellipses int
	conds    []comparison
	expr     boolExpr
	scans    sync.Pool // of *delimScan
}

type delimSlot struct {
	name     string
	ellipsis bool
	root     int // root of the slot's conditions in expr, or -1
}

// fieldSpan locates one event field: start and end bound it in the message,
// vstart and vend its value (without enclosing quotes or brackets).
type fieldSpan struct {
	start, end, vstart, vend int
}

// delimScan is the per-match scratch space of a delimPattern.
type delimScan struct {
	fields []fieldSpan
	assign []int    // first event field of each pattern field, then len(fields)
	ok     []uint64 // search table: bit k*(fields+1)+i says slots k.. match fields i..
}

func parseDelimitedPattern(l *patternLexer) (*delimPattern, error) {
	p := &delimPattern{}
	for {
		slot, err := p.readSlot(l)
		if err != nil {
			return nil, err
		}
		p.slots = append(p.slots, slot)
		if slot.ellipsis {
			p.ellipses++
		}
		l.skipSpace()
		if l.eof() {
			break
		}
		if l.peek() != ',' {
			if l.peek() == ')' {
				return nil, l.errorf(l.pos, "Unbalanced parentheses: unexpected ')'")
			}
			return nil, l.invalidChar(l.pos)
		}
		l.pos++
	}
	if len(p.slots) == 1 && p.slots[0].name == "" && !p.slots[0].ellipsis {
		return nil, l.errorf(l.pos, "Empty space-delimited filter pattern")
	}
	p.scans.New = func() any { return &delimScan{} }
	return p, nil
}

func isFieldNameChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

func (p *delimPattern) readSlot(l *patternLexer) (delimSlot, error) {
	l.skipSpace()
	slot := delimSlot{root: -1}
	if l.hasPrefix("...") {
		l.pos += 3
		slot.ellipsis = true
		return slot, nil
	}
	if l.eof() || l.peek() == ',' {
		return slot, nil
	}
	// A bare name ends the slot; anything else is a condition expression.
	start := l.pos
	for !l.eof() && isFieldNameChar(l.peek()) {
		l.pos++
	}
	name := l.src[start:l.pos]
	l.skipSpace()
	if name != "" && (l.eof() || l.peek() == ',') {
		slot.name = name
		return slot, nil
	}
	l.pos = start
	leaf := func() (int, error) {
		l.skipSpace()
		at := l.pos
		for !l.eof() && isFieldNameChar(l.peek()) {
			l.pos++
		}
		n := l.src[at:l.pos]
		switch {
		case n == "":
			if l.eof() {
				return 0, l.errorf(at, "Expected a field name")
			}
			return 0, l.invalidChar(at)
		case slot.name == "":
			slot.name = n
		case n != slot.name:
			return 0, l.errorf(at, "Conditions on field '%s' cannot refer to field '%s'", slot.name, n)
		}
		l.skipSpace()
		c, err := l.readComparison()
		if err != nil {
			return 0, err
		}
		p.conds = append(p.conds, c)
		return len(p.conds) - 1, nil
	}
	root, err := l.parseBoolExpr(&p.expr, leaf)
	if err != nil {
		return slot, err
	}
	slot.root = root
	return slot, nil
}

// tokenize splits msg into event fields.
func tokenize(msg string, dst []fieldSpan) []fieldSpan {
	i := 0
	for {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i >= len(msg) {
			return dst
		}
		start := i
		if c := msg[i]; c == '"' || c == '[' {
			closer := byte('"')
			if c == '[' {
				closer = ']'
			}
			if j := strings.IndexByte(msg[i+1:], closer); j >= 0 {
				end := i + 1 + j + 1
				dst = append(dst, fieldSpan{start: start, end: end, vstart: start + 1, vend: end - 1})
				i = end
				continue
			}
		}
		for i < len(msg) && !isSpace(msg[i]) {
			i++
		}
		dst = append(dst, fieldSpan{start: start, end: i, vstart: start, vend: i})
	}
}

// value returns the text of pattern field k: one event field's value, or,
// for a last field that took the rest of the event, that text as written.
func (s *delimScan) value(msg string, k int) string {
	a, b := s.assign[k], s.assign[k+1]
	if b == a+1 {
		f := s.fields[a]
		return msg[f.vstart:f.vend]
	}
	return msg[s.fields[a].start:s.fields[b-1].end]
}

func (p *delimPattern) match(msg string, extract bool) (bool, map[string]string) {
	s := p.scans.Get().(*delimScan)
	defer p.scans.Put(s)
	s.fields = tokenize(msg, s.fields[:0])
	if !p.align(msg, s) {
		return false, nil
	}
	if !extract {
		return true, nil
	}
	out := make(map[string]string)
	for k, slot := range p.slots {
		a, b := s.assign[k], s.assign[k+1]
		switch {
		case slot.ellipsis:
			for i := a; i < b; i++ {
				f := s.fields[i]
				out["$"+strconv.Itoa(i+1)] = strings.Clone(msg[f.vstart:f.vend])
			}
		case slot.name != "":
			out["$"+slot.name] = strings.Clone(s.value(msg, k))
		default:
			out["$"+strconv.Itoa(a+1)] = strings.Clone(s.value(msg, k))
		}
	}
	return true, out
}

// align assigns event fields to pattern fields so that every condition
// holds, filling s.assign; it reports whether that is possible.
func (p *delimPattern) align(msg string, s *delimScan) bool {
	m, n := len(p.slots), len(s.fields)
	s.assign = s.assign[:0]
	for range m + 1 {
		s.assign = append(s.assign, 0)
	}
	s.assign[m] = n
	switch p.ellipses {
	case 0:
		if n < m {
			return false
		}
		for k := range m {
			s.assign[k] = k
		}
		return p.slotsPass(msg, s, 0, m)
	case 1:
		e := 0
		for !p.slots[e].ellipsis {
			e++
		}
		after := m - e - 1
		if n < e+after {
			return false
		}
		for k := range e {
			s.assign[k] = k
		}
		s.assign[e] = e
		for j := range after {
			s.assign[e+1+j] = n - after + j
		}
		return p.slotsPass(msg, s, 0, m)
	}
	return p.search(msg, s)
}

// slotsPass checks the conditions of pattern fields from..to-1 under the
// current assignment.
func (p *delimPattern) slotsPass(msg string, s *delimScan, from, to int) bool {
	for k := from; k < to; k++ {
		if slot := &p.slots[k]; slot.root >= 0 && !p.evalText(slot.root, s.value(msg, k)) {
			return false
		}
	}
	return true
}

// search aligns a pattern with several ellipses. It fills a table, from the
// end backwards, of whether pattern fields k.. can match event fields i..
// (an ellipsis either stops, or takes one more field), then walks it forwards
// giving each ellipsis the shortest stretch that works. Time and space are
// proportional to the product of the pattern's and the event's field counts.
func (p *delimPattern) search(msg string, s *delimScan) bool {
	m, n := len(p.slots), len(s.fields)
	cols := n + 1
	bits := (m + 1) * cols
	s.ok = s.ok[:0]
	for range (bits + 63) / 64 {
		s.ok = append(s.ok, 0)
	}
	ok := func(k, i int) bool { b := k*cols + i; return s.ok[b/64]&(1<<(b%64)) != 0 }
	set := func(k, i int) { b := k*cols + i; s.ok[b/64] |= 1 << (b % 64) }
	set(m, n)
	for k := m - 1; k >= 0; k-- {
		for i := n; i >= 0; i-- {
			if p.slots[k].ellipsis {
				if ok(k+1, i) || i < n && ok(k, i+1) {
					set(k, i)
				}
				continue
			}
			if i < n && ok(k+1, i+1) {
				s.assign[k], s.assign[k+1] = i, i+1
				if p.slotsPass(msg, s, k, k+1) {
					set(k, i)
				}
			}
		}
	}
	if !ok(0, 0) {
		return false
	}
	i := 0
	for k := range m {
		s.assign[k] = i
		if p.slots[k].ellipsis {
			for !ok(k+1, i) {
				i++
			}
		} else {
			i++
		}
	}
	s.assign[m] = n
	return true
}

func (p *delimPattern) evalText(n int, v string) bool {
	switch nd := &p.expr.nodes[n]; nd.op {
	case exprAnd:
		return p.evalText(nd.l, v) && p.evalText(nd.r, v)
	case exprOr:
		return p.evalText(nd.l, v) || p.evalText(nd.r, v)
	default:
		return p.conds[nd.leaf].test(v)
	}
}

// requiredTerms collects the literal text of = conditions that every match
// needs: the value of an event field is part of the message.
func (p *delimPattern) requiredTerms() []string {
	var out []string
	for _, slot := range p.slots {
		if slot.root < 0 {
			continue
		}
		p.expr.andLeaves(slot.root, func(leaf int) {
			if s := p.conds[leaf].literal(); s != "" {
				out = append(out, s)
			}
		})
	}
	return out
}
