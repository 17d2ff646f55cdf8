package query

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScan is one pass over a log event that is meant to be JSON. It
// validates the whole event as RFC 8259 JSON (with encoding/json's limits:
// nesting deeper than maxJSONDepth is an error, invalid UTF-8 inside strings
// is accepted and read as U+FFFD) and, following the pattern's jsonNav
// states, notes where the values each selector reaches begin and end. It
// builds no tree and copies nothing unless a string it must compare holds
// escapes or invalid UTF-8.
//
// A jsonScan belongs to one goroutine at a time; patterns keep them in a
// sync.Pool.
type jsonScan struct {
	msg   string
	pos   int
	depth int
	vals  [][]jsonVal // per selector, in document order
	buf   []byte      // scratch for unescaping
}

// maxJSONDepth is encoding/json's nesting limit, so that the two agree on
// what is valid JSON.
const maxJSONDepth = 10000

type jsonKind uint8

const (
	jsonString jsonKind = iota
	jsonNumber
	jsonTrue
	jsonFalse
	jsonNull
	jsonObject
	jsonArray
)

// jsonVal locates one value in the message. For strings start and end
// bound the text between the quotes, and raw says whether that text must be
// decoded (it holds a backslash or a byte outside ASCII) before use.
type jsonVal struct {
	kind       jsonKind
	raw        bool
	start, end int
}

func (s *jsonScan) reset(msg string) {
	s.msg, s.pos, s.depth = msg, 0, 0
	for i := range s.vals {
		s.vals[i] = s.vals[i][:0]
	}
}

// text returns the value as text for comparison and extraction: a string's
// decoded contents, a number as written, "true" or "false". Null, objects
// and arrays have no text.
func (s *jsonScan) text(v jsonVal) (string, bool) {
	switch v.kind {
	case jsonString:
		t := s.msg[v.start:v.end]
		if v.raw {
			if strings.IndexByte(t, '\\') < 0 && utf8.ValidString(t) {
				return t, true
			}
			s.buf = appendUnquoted(s.buf[:0], t)
			return string(s.buf), true
		}
		return t, true
	case jsonNumber:
		return s.msg[v.start:v.end], true
	case jsonTrue:
		return "true", true
	case jsonFalse:
		return "false", true
	}
	return "", false
}

func (s *jsonScan) skipSpace() {
	for s.pos < len(s.msg) {
		switch s.msg[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// document scans the whole message as one JSON value with optional white
// space around it.
func (s *jsonScan) document(nav *jsonNav) bool {
	if !s.value(nav) {
		return false
	}
	s.skipSpace()
	return s.pos == len(s.msg)
}

func (s *jsonScan) record(nav *jsonNav, v jsonVal) {
	if nav == nil {
		return
	}
	for _, id := range nav.record {
		s.vals[id] = append(s.vals[id], v)
	}
}

func (s *jsonScan) value(nav *jsonNav) bool {
	s.skipSpace()
	if s.pos >= len(s.msg) {
		return false
	}
	start := s.pos
	switch c := s.msg[s.pos]; c {
	case '{':
		s.record(nav, jsonVal{kind: jsonObject, start: start})
		return s.object(nav)
	case '[':
		s.record(nav, jsonVal{kind: jsonArray, start: start})
		return s.array(nav)
	case '"':
		raw, ok := s.str()
		if ok {
			s.record(nav, jsonVal{kind: jsonString, raw: raw, start: start + 1, end: s.pos - 1})
		}
		return ok
	case 't':
		return s.literal(nav, "true", jsonTrue)
	case 'f':
		return s.literal(nav, "false", jsonFalse)
	case 'n':
		return s.literal(nav, "null", jsonNull)
	default:
		if !s.number() {
			return false
		}
		s.record(nav, jsonVal{kind: jsonNumber, start: start, end: s.pos})
		return true
	}
}

func (s *jsonScan) literal(nav *jsonNav, word string, kind jsonKind) bool {
	if !strings.HasPrefix(s.msg[s.pos:], word) {
		return false
	}
	s.record(nav, jsonVal{kind: kind, start: s.pos, end: s.pos + len(word)})
	s.pos += len(word)
	return true
}

func (s *jsonScan) object(nav *jsonNav) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.pos++ // '{'
	s.skipSpace()
	if s.pos < len(s.msg) && s.msg[s.pos] == '}' {
		s.pos++
		s.depth--
		return true
	}
	if nav != nil && !nav.hasFields() {
		nav = nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.msg) || s.msg[s.pos] != '"' {
			return false
		}
		keyStart := s.pos + 1
		raw, ok := s.str()
		if !ok {
			return false
		}
		var next *jsonNav
		if nav != nil {
			next = s.field(nav, s.msg[keyStart:s.pos-1], raw)
		}
		s.skipSpace()
		if s.pos >= len(s.msg) || s.msg[s.pos] != ':' {
			return false
		}
		s.pos++
		if !s.value(next) {
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.msg) {
			return false
		}
		switch s.msg[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// field returns the state for the value of property key, forgetting what
// an earlier property of the same name recorded.
func (s *jsonScan) field(nav *jsonNav, key string, raw bool) *jsonNav {
	if raw && (strings.IndexByte(key, '\\') >= 0 || !utf8.ValidString(key)) {
		s.buf = appendUnquoted(s.buf[:0], key)
		for i := range nav.fields {
			if f := &nav.fields[i]; string(s.buf) == f.name {
				return s.enter(f)
			}
		}
		return nav.otherField
	}
	for i := range nav.fields {
		if f := &nav.fields[i]; key == f.name {
			return s.enter(f)
		}
	}
	return nav.otherField
}

func (s *jsonScan) enter(f *navField) *jsonNav {
	for _, id := range f.reset {
		s.vals[id] = s.vals[id][:0]
	}
	return f.next
}

func (s *jsonScan) array(nav *jsonNav) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.pos++ // '['
	s.skipSpace()
	if s.pos < len(s.msg) && s.msg[s.pos] == ']' {
		s.pos++
		s.depth--
		return true
	}
	if nav != nil && !nav.hasIndexes() {
		nav = nil
	}
	for i := 0; ; i++ {
		var next *jsonNav
		if nav != nil {
			next = nav.otherIndex
			for _, x := range nav.indexes {
				if x.index == i {
					next = x.next
					break
				}
			}
		}
		if !s.value(next) {
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.msg) {
			return false
		}
		switch s.msg[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str scans a string starting at its opening quote and leaves s.pos after
// the closing one. raw reports a backslash or a non-ASCII byte inside.
func (s *jsonScan) str() (raw, ok bool) {
	i := s.pos + 1
	for i < len(s.msg) {
		c := s.msg[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return raw, true
		case c < 0x20:
			return false, false
		case c == '\\':
			raw = true
			if i+1 >= len(s.msg) {
				return false, false
			}
			switch s.msg[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.msg) || hex4(s.msg[i+2:i+6]) < 0 {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		case c >= 0x80:
			raw = true
			i++
		default:
			i++
		}
	}
	return false, false
}

// number scans a JSON number.
func (s *jsonScan) number() bool {
	m, i := s.msg, s.pos
	if i < len(m) && m[i] == '-' {
		i++
	}
	switch {
	case i < len(m) && m[i] == '0':
		i++
	case i < len(m) && '1' <= m[i] && m[i] <= '9':
		for i < len(m) && isDigit(m[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(m) && m[i] == '.' {
		i++
		if i >= len(m) || !isDigit(m[i]) {
			return false
		}
		for i < len(m) && isDigit(m[i]) {
			i++
		}
	}
	if i < len(m) && (m[i] == 'e' || m[i] == 'E') {
		i++
		if i < len(m) && (m[i] == '+' || m[i] == '-') {
			i++
		}
		if i >= len(m) || !isDigit(m[i]) {
			return false
		}
		for i < len(m) && isDigit(m[i]) {
			i++
		}
	}
	s.pos = i
	return true
}

func hex4(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// appendUnquoted appends the decoded contents of a valid JSON string
// (without its quotes) to b, the way encoding/json decodes them: invalid
// UTF-8 and unpaired surrogates become U+FFFD.
func appendUnquoted(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			e := s[i+1]
			i += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i:])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s[i+2:]); r2 >= 0 {
							if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
								b = utf8.AppendRune(b, d)
								i += 6
								continue
							}
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default: // '"', '\\', '/'
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return b
}
