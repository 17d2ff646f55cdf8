package query

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Logs Insights discovers the fields of JSON log events by flattening them:
// {"http": {"status": 200}, "tags": ["a", "b"]} has the fields http.status,
// tags.0 and tags.1. A query reads only the fields it names, so the
// extractor walks the message once, descends only into members whose
// flattened name is, or leads to, a name the query uses, skips everything
// else by matching brackets and quotes, and stops as soon as it has found
// every name. The walk checks the structure it reads (a message that is not
// a JSON object, or breaks before the names are found, has no fields) but
// not the parts it skips or never reaches: it trades strict validation for
// speed. JSON null is a missing field; true and false are the text "true"
// and "false"; numbers keep the text they were written with; when a name
// occurs twice the first occurrence counts.

// jsonExtractor knows the flattened names a query reads. Immutable.
type jsonExtractor struct {
	names map[string]jsonName
	count int // names that are fields (not only prefixes)
	// Cheap filters before the map: the lengths (up to 255) and first
	// bytes of names and prefixes.
	lens  [256]bool
	first [256]bool
	long  bool // a name or prefix is longer than 255 bytes
	// top lists the names, by idx, when all are top-level keys (none has a
	// '.'): fastTop reads them. Nil otherwise.
	top []jsonTop
}

// mayHave is a cheap test that rules out most names not in x.
func (x *jsonExtractor) mayHave(first byte, n int) bool {
	return x.first[first] && ((n < 256 && x.lens[n]) || (n >= 256 && x.long))
}

type jsonName struct {
	slot   int
	idx    int  // among the fields, or -1 for a prefix only
	prefix bool // a leading part of a longer name, ending before a '.'
}

func newJSONExtractor(slots map[string]int) *jsonExtractor {
	x := &jsonExtractor{names: map[string]jsonName{}}
	for n, slot := range slots {
		x.names[n] = jsonName{slot: slot, idx: x.count, prefix: x.names[n].prefix}
		x.count++
		for i := 1; i < len(n); i++ {
			if n[i] == '.' {
				e, ok := x.names[n[:i]]
				if !ok {
					e = jsonName{slot: -1, idx: -1}
				}
				e.prefix = true
				x.names[n[:i]] = e
			}
		}
	}
	for n := range x.names {
		if n == "" {
			continue
		}
		x.first[n[0]] = true
		if len(n) < 256 {
			x.lens[len(n)] = true
		} else {
			x.long = true
		}
	}
	x.top = x.fastNames()
	return x
}

// maxListedFields bounds the fields DiscoverFields reports for one event.
const maxListedFields = 1000

// flatScan is one walk over a message; it belongs to one goroutine (a run
// keeps one and reuses it).
type flatScan struct {
	msg   string
	pos   int
	depth int
	path  []byte
	x     *jsonExtractor // nil: report every field to all
	found []foundValue
	seen  []bool
	nseen int
	done  bool
	all   func(name string, v Value)
	vals  []Value // fastTop's values
}

type foundValue struct {
	slot int
	v    Value
}

// extract sets the slots of the fields of msg that x knows; nothing when
// msg is not a JSON object.
func (f *flatScan) extract(x *jsonExtractor, msg string, set func(slot int, v Value)) {
	f.x, f.all = x, nil
	f.found = f.found[:0]
	if cap(f.seen) < x.count {
		f.seen = make([]bool, x.count)
	}
	f.seen = f.seen[:x.count]
	clear(f.seen)
	f.nseen = 0
	if !f.document(msg) {
		return
	}
	for _, fv := range f.found {
		set(fv.slot, fv.v)
	}
}

// each calls fn for every flattened field of msg (at most maxListedFields)
// when msg is a JSON object.
func (f *flatScan) each(msg string, fn func(name string, v Value)) {
	type kv struct {
		name string
		v    Value
	}
	var out []kv
	f.x = nil
	f.all = func(name string, v Value) {
		if len(out) < maxListedFields {
			out = append(out, kv{name, v})
		}
	}
	if !f.document(msg) {
		return
	}
	for _, e := range out {
		fn(e.name, e.v)
	}
}

func (f *flatScan) document(msg string) bool {
	f.msg, f.pos, f.depth, f.done = msg, 0, 0, false
	f.path = f.path[:0]
	f.skipSpace()
	if f.pos >= len(f.msg) || f.msg[f.pos] != '{' {
		return false
	}
	if !f.object(0) {
		return false
	}
	if f.done {
		return true
	}
	f.skipSpace()
	return f.pos == len(f.msg)
}

// Byte classes of the scanner's loops.
const (
	jcSpace    = 1 << iota // JSON white space
	jcStrStop              // ends a run of plain string bytes: '"' or '\\'
	jcScalEnd              // ends a scalar: ',', '}', ']' or white space
	jcStructur             // matters when skipping a container: '"', brackets
)

var jsonClass = func() (t [256]uint8) {
	for _, c := range " \t\n\r" {
		t[c] |= jcSpace | jcScalEnd
	}
	t['"'] |= jcStrStop | jcStructur
	t['\\'] |= jcStrStop
	for _, c := range ",}]" {
		t[c] |= jcScalEnd
	}
	for _, c := range "{}[]" {
		t[c] |= jcStructur
	}
	return t
}()

func (f *flatScan) skipSpace() { f.pos = jsonSpaceEnd(f.msg, f.pos) }

func (f *flatScan) object(prefixLen int) bool {
	if f.depth++; f.depth > maxJSONDepth {
		return false
	}
	f.pos++ // '{'
	f.skipSpace()
	if f.pos < len(f.msg) && f.msg[f.pos] == '}' {
		f.pos++
		f.depth--
		return true
	}
	for {
		f.skipSpace()
		if f.pos >= len(f.msg) || f.msg[f.pos] != '"' {
			return false
		}
		keyStart := f.pos + 1
		raw, ok := f.skipString()
		if !ok {
			return false
		}
		key := f.msg[keyStart : f.pos-1]
		top := ""
		if prefixLen == 0 && !raw && f.x != nil && key != "" {
			top = key // looked up as it is; copied to path only to descend
		} else {
			f.path = f.path[:prefixLen]
			if prefixLen > 0 {
				f.path = append(f.path, '.')
			}
			if raw {
				if !validEscapes(key) {
					return false
				}
				f.path = appendUnquoted(f.path, key)
			} else {
				f.path = append(f.path, key...)
			}
		}
		f.skipSpace()
		if f.pos >= len(f.msg) || f.msg[f.pos] != ':' {
			return false
		}
		f.pos++
		if top != "" && !f.x.mayHave(top[0], len(top)) {
			// A top-level member the query does not read: skip it here.
			f.skipSpace()
			if f.pos >= len(f.msg) || !f.skipValue() {
				return false
			}
		} else if !f.member(top, len(f.path)) {
			return false
		}
		if f.done {
			return true
		}
		if more, ok := f.separator('}'); !more {
			return ok
		}
	}
}

// separator consumes what follows a member: ',' when more members follow
// (more), or the container's closing byte (ok, not more). Anything else is
// malformed (neither).
func (f *flatScan) separator(close byte) (more, ok bool) {
	f.skipSpace()
	if f.pos >= len(f.msg) {
		return false, false
	}
	switch f.msg[f.pos] {
	case ',':
		f.pos++
		return true, true
	case close:
		f.pos++
		f.depth--
		return false, true
	}
	return false, false
}

func (f *flatScan) array(prefixLen int) bool {
	if f.depth++; f.depth > maxJSONDepth {
		return false
	}
	f.pos++ // '['
	f.skipSpace()
	if f.pos < len(f.msg) && f.msg[f.pos] == ']' {
		f.pos++
		f.depth--
		return true
	}
	for i := 0; ; i++ {
		f.path = f.path[:prefixLen]
		f.path = append(f.path, '.')
		f.path = strconv.AppendInt(f.path, int64(i), 10)
		if !f.member("", len(f.path)) {
			return false
		}
		if f.done {
			return true
		}
		if more, ok := f.separator(']'); !more {
			return ok
		}
	}
}

// member reads the value whose flattened name is top, a top-level key,
// or else f.path[:pathLen].
func (f *flatScan) member(top string, pathLen int) bool {
	f.skipSpace()
	if f.pos >= len(f.msg) {
		return false
	}
	e := jsonName{slot: -1, idx: -1, prefix: true}
	if f.x != nil {
		ok := false
		if top != "" {
			if f.x.mayHave(top[0], len(top)) {
				e, ok = f.x.names[top]
			}
		} else if pathLen > 0 && f.x.mayHave(f.path[0], pathLen) {
			e, ok = f.x.names[string(f.path[:pathLen])]
		}
		if !ok {
			return f.skipValue()
		}
	}
	if c := f.msg[f.pos]; (c == '{' || c == '[') && e.prefix {
		if top != "" {
			f.path = append(f.path[:0], top...)
			pathLen = len(f.path)
		}
		if c == '{' {
			return f.object(pathLen)
		}
		return f.array(pathLen)
	}
	if c := f.msg[f.pos]; c == '{' || c == '[' {
		return f.skipValue()
	}
	v, ok, valid := f.leaf()
	if !valid {
		return false
	}
	if !ok {
		return true
	}
	switch {
	case f.x == nil:
		f.all(string(f.path[:pathLen]), v)
	case e.idx >= 0 && !f.seen[e.idx]:
		f.seen[e.idx] = true
		f.found = append(f.found, foundValue{e.slot, v})
		if f.nseen++; f.nseen == f.x.count {
			f.done = true
		}
	}
	return true
}

// skipString moves past the string that starts at f.pos; raw reports
// escapes in it.
func (f *flatScan) skipString() (raw, ok bool) {
	m := f.msg
	for i := f.pos + 1; i < len(m); i++ {
		i = plainRun(m, i)
		if i >= len(m) {
			break
		}
		if m[i] == '"' {
			f.pos = i + 1
			return raw, true
		}
		raw = true // a backslash: skip the byte it escapes
		i++
	}
	return false, false
}

// plainRun returns the index of the first '"' or '\\' in m at or after i,
// or len(m). It tests eight bytes at a time: for a word x, (x - 0x01…01) &
// ^x & 0x80…80 is non-zero exactly when a byte of x is zero (the lowest
// such byte flagged first), applied to x with each byte xor'ed with the
// byte sought.
func plainRun(m string, i int) int {
	for ; i+8 <= len(m); i += 8 {
		if t := quoteOrBackslash(m[i : i+8]); t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for i < len(m) && jsonClass[m[i]]&jcStrStop == 0 {
		i++
	}
	return i
}

// quoteOrBackslash flags (with its high bit) the bytes of the first eight
// of w (len(w) >= 8) that are '"' or '\\', at least the first one exactly.
// Small enough to inline.
func quoteOrBackslash(w string) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := load64(w)
	q := x ^ ('"' * ones)
	b := x ^ ('\\' * ones)
	return ((q-ones)&^q | (b-ones)&^b) & highs
}

// skipValue moves past the value at f.pos, matching brackets and quotes.
func (f *flatScan) skipValue() bool {
	e := jsonValueEnd(f.msg, f.pos)
	if e < 0 {
		return false
	}
	f.pos = e
	return true
}

func (f *flatScan) scalarEnd() { f.pos = jsonScalarEnd(f.msg, f.pos) }

// leaf reads the scalar at f.pos: its value, whether it has one (null has
// none), and whether it is valid.
func (f *flatScan) leaf() (v Value, ok, valid bool) {
	start := f.pos
	if f.msg[start] == '"' {
		raw, ok := f.skipString()
		if !ok {
			return null, false, false
		}
		t := f.msg[start+1 : f.pos-1]
		if raw || !utf8.ValidString(t) {
			if !validEscapes(t) {
				return null, false, false
			}
			return strValue(string(appendUnquoted(nil, t))), true, true
		}
		return strValue(t), true, true
	}
	f.scalarEnd()
	switch t := f.msg[start:f.pos]; {
	case t == "true" || t == "false":
		return strValue(t), true, true
	case t == "null":
		return null, false, true
	case isDecimal(t) && t[0] != '+':
		return rawNumValue(t), true, true
	}
	return null, false, false
}

// validEscapes reports whether the contents of a JSON string have only
// valid escapes and no control characters (what appendUnquoted needs).
func validEscapes(t string) bool {
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(t) {
				return false
			}
			switch t[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+6 > len(t) || hex4(t[i+2:i+6]) < 0 {
					return false
				}
				i += 5
			default:
				return false
			}
		}
	}
	return true
}

// DiscoverFields calls fn for every field Logs Insights discovers in the
// event, in this order: @timestamp, @message, @logStream, @log,
// @ingestionTime (timestamps in epoch milliseconds, as GetLogRecord shows
// them), Lambda's fields for /aws/lambda/ groups, then the event's JSON
// fields flattened with dots (at most 1,000).
func DiscoverFields(e *Event, fn func(name, value string)) {
	fn("@timestamp", strconv.FormatInt(e.Timestamp, 10))
	fn("@message", e.Message)
	fn("@logStream", e.Stream)
	fn("@log", e.Account+":"+e.Group)
	fn("@ingestionTime", strconv.FormatInt(e.Ingestion, 10))
	if strings.HasPrefix(e.Group, "/aws/lambda/") {
		parseLambda(e.Message, func(field int, v Value) { fn(lambdaFields[field], v.str()) })
	}
	if looksLikeJSON(e.Message) {
		var f flatScan
		f.each(e.Message, func(name string, v Value) { fn(name, v.str()) })
	}
}
