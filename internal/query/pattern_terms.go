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
	// The same terms, ready to search for.
	includeS, excludeS, optionalS []termSearcher
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
	for _, s := range t.include {
		t.includeS = append(t.includeS, newTermSearcher(s))
	}
	for _, s := range t.exclude {
		t.excludeS = append(t.excludeS, newTermSearcher(s))
	}
	for _, s := range t.optional {
		t.optionalS = append(t.optionalS, newTermSearcher(s))
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
	if len(t.includeS) == 0 && len(t.excludeS) == 0 {
		for _, s := range t.optionalS {
			if s.in(msg) {
				return true
			}
		}
		return false
	}
	for _, s := range t.includeS {
		if !s.in(msg) {
			return false
		}
	}
	for _, s := range t.excludeS {
		if s.in(msg) {
			return false
		}
	}
	return true
}

// termSearcher finds one term in messages. It looks for the term's least
// common byte (by a fixed guess at byte frequencies in logs) with
// strings.IndexByte, which is vectorised, and compares the whole term around
// each hit. strings.Contains keys on the first byte instead, which is slow
// for terms that start with a space or a lower-case letter.
type termSearcher struct {
	term string
	at   int // index in term of the byte to look for
}

func newTermSearcher(term string) termSearcher {
	t := termSearcher{term: term}
	for i := 1; i < len(term); i++ {
		if byteCommonness(term[i]) < byteCommonness(term[t.at]) {
			t.at = i
		}
	}
	return t
}

// byteCommonness guesses how often a byte occurs in log text.
func byteCommonness(c byte) int {
	switch {
	case c == ' ':
		return 9
	case strings.IndexByte("etaoinsr", c) >= 0:
		return 8
	case 'a' <= c && c <= 'z':
		return 7
	case '0' <= c && c <= '9', strings.IndexByte(".:/-\"=,_", c) >= 0:
		return 6
	case c == '\t' || c == '\n':
		return 5
	case 'A' <= c && c <= 'Z':
		return 4
	case c < 0x80:
		return 3
	}
	return 2
}

func (t termSearcher) in(msg string) bool {
	n := len(t.term)
	switch n {
	case 0:
		return true
	case 1:
		return strings.IndexByte(msg, t.term[0]) >= 0
	}
	c := t.term[t.at]
	fails := 0
	for from := t.at; from < len(msg); {
		i := strings.IndexByte(msg[from:], c)
		if i < 0 {
			return false
		}
		start := from + i - t.at
		if start+n > len(msg) {
			return false
		}
		if msg[start:start+n] == t.term {
			return true
		}
		// Too many false hits (a term like "aaab" in "aaaaaaaa"): leave
		// the rest to strings.Contains, which is linear.
		if fails++; fails > 8 && fails > start/16 {
			return strings.Contains(msg[start+1:], t.term)
		}
		from += i + 1
	}
	return false
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
