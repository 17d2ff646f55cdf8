package query

import "strings"

// termsPattern matches unstructured log events: each term is a substring
// (case-sensitive) that must appear, must not appear (-term), or is one of a
// set of which one must appear (?term).
//
// CloudWatch documents that optional terms are ignored when the pattern also
// has terms without "?": "?ERROR ?WARN REQUEST" is the same as "REQUEST". We
// follow that, exclusions included.
//
// A quoted phrase of only white space (" ") stands for "match everything":
// it is kept as the empty string, which every message contains.
type termsPattern struct {
	include  []string
	exclude  []string
	optional []string
}

// parseTerms parses whitespace-separated terms. A term is a run of letters,
// digits, '_', '.' and '-' (not leading), or a double-quoted phrase; it may
// carry a "-" or "?" prefix, which may be followed by white space
// (`"ERROR" - "Exiting"`).
func parseTerms(l *patternLexer) (*termsPattern, error) {
	t := &termsPattern{}
	for l.skipSpace(); !l.eof(); l.skipSpace() {
		list := &t.include
		prefixAt := l.pos
		switch l.peek() {
		case '-':
			list = &t.exclude
			l.pos++
			l.skipSpace()
		case '?':
			list = &t.optional
			l.pos++
			l.skipSpace()
		}
		if l.eof() {
			return nil, l.errorf(prefixAt, "Missing term after '%c'", l.src[prefixAt])
		}
		term, err := readTerm(l)
		if err != nil {
			return nil, err
		}
		*list = append(*list, term)
	}
	return t, nil
}

// readTerm reads one quoted phrase or unquoted term at l.pos.
func readTerm(l *patternLexer) (string, error) {
	if l.peek() == '"' {
		s, err := l.readQuoted()
		if err != nil {
			return "", err
		}
		if strings.TrimLeft(s, " \t\n\r\f\v") == "" {
			s = ""
		}
		return s, nil
	}
	start := l.pos
	for l.pos < len(l.src) && !isSpace(l.src[l.pos]) {
		c := l.src[l.pos]
		if !isAlnum(c) && c != '_' && c != '.' && (c != '-' || l.pos == start) {
			return "", l.invalidChar(l.pos)
		}
		l.pos++
	}
	return l.src[start:l.pos], nil
}

func (t *termsPattern) matchesAll() bool {
	if len(t.exclude) > 0 {
		return false
	}
	for _, s := range t.include {
		if s != "" {
			return false
		}
	}
	if len(t.include) == 0 {
		for _, s := range t.optional {
			if s == "" {
				return true
			}
		}
		return len(t.optional) == 0
	}
	return true
}

func (t *termsPattern) match(msg string) bool {
	if len(t.include) == 0 && len(t.exclude) == 0 {
		for _, s := range t.optional {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	for _, s := range t.include {
		if !strings.Contains(msg, s) {
			return false
		}
	}
	for _, s := range t.exclude {
		if strings.Contains(msg, s) {
			return false
		}
	}
	return true
}

func (t *termsPattern) requiredTerms() []string {
	var out []string
	for _, s := range t.include {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
