package query

import (
	"fmt"
	"strconv"
	"strings"
)

// patternLexer walks a filter pattern. Positions are byte offsets into the
// whole pattern, so errors point at the right character even when a parser
// works on the part between the outer brackets.
type patternLexer struct {
	src string // the pattern, cut off before any closing bracket
	pos int
	// regexes counts the %...% regular expressions seen so far, for
	// CloudWatch's limit of two per pattern.
	regexes int
	// depth counts open parentheses, so that a hostile pattern cannot
	// recurse without bound.
	depth int
}

// maxPatternNesting bounds parentheses in JSON and space-delimited
// conditions. CloudWatch's 1024-byte limit on patterns makes deeper nesting
// useless anyway.
const maxPatternNesting = 100

func (l *patternLexer) eof() bool { return l.pos >= len(l.src) }

func (l *patternLexer) peek() byte {
	if l.pos >= len(l.src) {
		return 0
	}
	return l.src[l.pos]
}

func (l *patternLexer) hasPrefix(s string) bool { return strings.HasPrefix(l.src[l.pos:], s) }

func (l *patternLexer) skipSpace() {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
}

func (l *patternLexer) errorf(pos int, format string, args ...any) *PatternError {
	return &PatternError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// invalidChar is CloudWatch's complaint about a character that needs
// quoting or is not allowed where it stands.
func (l *patternLexer) invalidChar(pos int) *PatternError {
	if pos >= len(l.src) {
		return l.errorf(pos, "Unexpected end of filter pattern")
	}
	return l.errorf(pos, "Invalid character(s) in term '%s'", charAt(l.src, pos))
}

// charAt returns the whole UTF-8 sequence starting at s[i] for messages.
func charAt(s string, i int) string {
	j := i + 1
	for j < len(s) && j < i+4 && s[j]&0xC0 == 0x80 {
		j++
	}
	return s[i:j]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// readQuoted reads a double-quoted string starting at l.pos. Inside the
// quotes \" stands for a quote and \\ for a backslash; any other backslash is
// kept as it is.
func (l *patternLexer) readQuoted() (string, error) {
	start := l.pos
	l.pos++
	var b []byte // nil until the first escape
	from := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '"':
			s := l.src[from:l.pos]
			if b != nil {
				s = string(append(b, s...))
			}
			l.pos++
			return s, nil
		case c == '\\' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '"' || l.src[l.pos+1] == '\\'):
			b = append(b, l.src[from:l.pos]...)
			b = append(b, l.src[l.pos+1])
			l.pos += 2
			from = l.pos
		default:
			l.pos++
		}
	}
	return "", l.errorf(start, "Unterminated quoted string")
}

// isDecimal reports whether s is a number as filter patterns write them: an
// optional sign, digits with an optional fraction or a fraction alone, and
// an optional exponent (1e3, 10e-3, +1000, 55.5, .5). Unlike
// strconv.ParseFloat it refuses "Inf", "NaN", hex and underscores.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == exp {
			return false
		}
	}
	return i == len(s)
}

// parseDecimal returns the value of a decimal number (see isDecimal). Numbers
// too large for a float64 become ±Inf, too small ones zero.
func parseDecimal(s string) (float64, bool) {
	if !isDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && err.(*strconv.NumError).Err != strconv.ErrRange {
		return 0, false
	}
	return f, true
}
