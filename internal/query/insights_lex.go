package query

import (
	"strings"
	"unicode/utf8"
)

// insTok is the kind of a Logs Insights token.
type insTok uint8

const (
	tEOF insTok = iota
	tIdent
	tQuoted // `backquoted field name`
	tString
	tNumber
	tPeriod // a number with a time unit: 5m, 1h, 30sec
	tRegex  // /.../, only where the parser asks for one
	tPipe
	tComma
	tLParen
	tRParen
	tLBrack
	tRBrack
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tCaret
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tMatch // =~
	tBad
)

var insTokNames = [...]string{
	tEOF: "end of query", tIdent: "identifier", tQuoted: "field name", tString: "string",
	tNumber: "number", tPeriod: "time period", tRegex: "regular expression",
	tPipe: "'|'", tComma: "','", tLParen: "'('", tRParen: "')'", tLBrack: "'['", tRBrack: "']'",
	tPlus: "'+'", tMinus: "'-'", tStar: "'*'", tSlash: "'/'", tPercent: "'%'", tCaret: "'^'",
	tEq: "'='", tNe: "'!='", tLt: "'<'", tLe: "'<='", tGt: "'>'", tGe: "'>='", tMatch: "'=~'",
	tBad: "invalid character",
}

func (k insTok) String() string { return insTokNames[k] }

// token is one token: its kind, its byte range in the query and, for
// identifiers, strings, numbers and regular expressions, its text (decoded
// for strings and quoted names).
type token struct {
	kind       insTok
	start, end int
	text       string
}

// insLexer splits a query into tokens. Comments (# to the end of the line)
// and white space separate tokens. Regular expressions are lexed only on
// request (regex), because "/" is also division.
type insLexer struct {
	src string
	pos int
}

func (l *insLexer) skipSpaceAndComments() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '#':
			if i := strings.IndexByte(l.src[l.pos:], '\n'); i >= 0 {
				l.pos += i + 1
			} else {
				l.pos = len(l.src)
			}
		default:
			return
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '.' }

// next returns the next token; errors come back as tBad tokens whose text
// says what is wrong.
func (l *insLexer) next() token {
	l.skipSpaceAndComments()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, start: start, end: start}
	}
	c := l.src[l.pos]
	one := func(k insTok) token {
		l.pos++
		return token{kind: k, start: start, end: l.pos}
	}
	two := func(k insTok) token {
		l.pos += 2
		return token{kind: k, start: start, end: l.pos}
	}
	var nc byte
	if l.pos+1 < len(l.src) {
		nc = l.src[l.pos+1]
	}
	switch {
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, start: start, end: l.pos, text: l.src[start:l.pos]}
	case isDigit(c) || (c == '.' && isDigit(nc)):
		return l.number()
	case c == '"' || c == '\'':
		return l.str(c)
	case c == '`':
		end := strings.IndexByte(l.src[l.pos+1:], '`')
		if end < 0 {
			l.pos = len(l.src)
			return token{kind: tBad, start: start, end: l.pos, text: "unterminated backquoted field name"}
		}
		l.pos += end + 2
		if end == 0 {
			return token{kind: tBad, start: start, end: l.pos, text: "empty field name"}
		}
		return token{kind: tQuoted, start: start, end: l.pos, text: l.src[start+1 : l.pos-1]}
	case c == '|':
		return one(tPipe)
	case c == ',':
		return one(tComma)
	case c == '(':
		return one(tLParen)
	case c == ')':
		return one(tRParen)
	case c == '[':
		return one(tLBrack)
	case c == ']':
		return one(tRBrack)
	case c == '+':
		return one(tPlus)
	case c == '-':
		return one(tMinus)
	case c == '*':
		return one(tStar)
	case c == '/':
		return one(tSlash)
	case c == '%':
		return one(tPercent)
	case c == '^':
		return one(tCaret)
	case c == '=' && nc == '~':
		return two(tMatch)
	case c == '=' && nc == '=':
		return two(tEq)
	case c == '=':
		return one(tEq)
	case c == '!' && nc == '=':
		return two(tNe)
	case c == '<' && nc == '=':
		return two(tLe)
	case c == '<' && nc == '>':
		return two(tNe)
	case c == '<':
		return one(tLt)
	case c == '>' && nc == '=':
		return two(tGe)
	case c == '>':
		return one(tGt)
	}
	_, size := utf8.DecodeRuneInString(l.src[l.pos:])
	l.pos += size
	return token{kind: tBad, start: start, end: l.pos, text: "unexpected character " + quoteForMsg(l.src[start:l.pos])}
}

// number lexes 12, 1.5, .5, 1e3, and periods: a whole number directly
// followed by a unit (5m, 1hr).
func (l *insLexer) number() token {
	start := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	whole := true
	if l.pos < len(l.src) && l.src[l.pos] == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]) {
		whole = false
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		j := l.pos + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			whole = false
			for l.pos = j; l.pos < len(l.src) && isDigit(l.src[l.pos]); l.pos++ {
			}
		}
	}
	if l.pos < len(l.src) && isIdentStart(l.src[l.pos]) {
		unitStart := l.pos
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		if !whole || parseUnit(l.src[unitStart:l.pos]) == unitNone {
			return token{kind: tBad, start: start, end: l.pos, text: "invalid time period " + quoteForMsg(l.src[start:l.pos])}
		}
		return token{kind: tPeriod, start: start, end: l.pos, text: l.src[start:l.pos]}
	}
	return token{kind: tNumber, start: start, end: l.pos, text: l.src[start:l.pos]}
}

// str lexes a string in single or double quotes. Backslash escapes the
// quote, a backslash, and n, t, r; before anything else it stays as is, so
// that "\d" reaches a glob or a regular expression unchanged.
func (l *insLexer) str(q byte) token {
	start := l.pos
	var b strings.Builder
	plain := true
	for i := l.pos + 1; i < len(l.src); i++ {
		c := l.src[i]
		switch {
		case c == q:
			l.pos = i + 1
			text := l.src[start+1 : i]
			if !plain {
				text = b.String()
			}
			return token{kind: tString, start: start, end: l.pos, text: text}
		case c == '\\' && i+1 < len(l.src):
			if plain {
				b.WriteString(l.src[start+1 : i])
				plain = false
			}
			i++
			switch e := l.src[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '"', '\'':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case !plain:
			b.WriteByte(c)
		}
	}
	l.pos = len(l.src)
	return token{kind: tBad, start: start, end: l.pos, text: "unterminated string"}
}

// regex lexes a regular expression between slashes starting at pos. A
// backslash before a slash makes it part of the expression; other
// backslashes are kept for the regular expression engine.
func (l *insLexer) regex(pos int) token {
	l.pos = pos
	start := pos
	var b strings.Builder
	for i := pos + 1; i < len(l.src); i++ {
		c := l.src[i]
		switch {
		case c == '/':
			l.pos = i + 1
			return token{kind: tRegex, start: start, end: l.pos, text: b.String()}
		case c == '\\' && i+1 < len(l.src) && l.src[i+1] == '/':
			b.WriteByte('/')
			i++
		case c == '\\' && i+1 < len(l.src):
			b.WriteByte(c)
			b.WriteByte(l.src[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	l.pos = len(l.src)
	return token{kind: tBad, start: start, end: l.pos, text: "unterminated regular expression"}
}

// quoteForMsg quotes a piece of the query for an error message.
func quoteForMsg(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "'" + s + "'"
}
