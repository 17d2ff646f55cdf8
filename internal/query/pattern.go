// Package query owns logpond's two query languages: the CloudWatch Logs
// filter-pattern language used by FilterLogEvents, TestMetricFilter, metric
// filters, subscription filters and Live Tail (files pattern*.go), and the
// Logs Insights language.
//
// A filter pattern is one of five kinds, chosen by its first character:
//
//   - empty, or only blank quoted phrases: matches every event;
//   - terms: words and quoted phrases that must appear ("ERROR"), must not
//     appear ("-DEBUG"), or of which one must appear ("?WARN ?ERROR");
//   - a regular expression between percent signs: %ERROR [0-9]{3}%;
//   - a JSON pattern between braces: { $.level = "ERROR" && $.ms > 500 };
//   - a space-delimited pattern between brackets: [ip, user, ..., status = 5*].
//
// Matching is case-sensitive throughout. ParseFilterPattern does all the
// validation; a parsed FilterPattern is immutable and safe for concurrent use.
package query

import (
	"fmt"
	"slices"
)

// PatternKind says which of the filter-pattern languages a pattern uses. The
// API layer needs it: only JSON and space-delimited patterns may publish
// metric dimensions or extract metric values.
type PatternKind int

const (
	// PatternMatchAll is the empty pattern, or one of only blank quoted
	// phrases (`" "`): every event matches.
	PatternMatchAll PatternKind = iota
	// PatternTerms is unstructured terms and quoted phrases.
	PatternTerms
	// PatternRegex is a standalone regular expression, %...%.
	PatternRegex
	// PatternJSON is a JSON pattern, { ... }.
	PatternJSON
	// PatternDelimited is a space-delimited pattern, [ ... ].
	PatternDelimited
)

func (k PatternKind) String() string {
	switch k {
	case PatternMatchAll:
		return "MatchAll"
	case PatternTerms:
		return "Terms"
	case PatternRegex:
		return "Regex"
	case PatternJSON:
		return "JSON"
	case PatternDelimited:
		return "Delimited"
	}
	return fmt.Sprintf("PatternKind(%d)", int(k))
}

// PatternError is the error ParseFilterPattern returns. Pos is the byte offset
// in the pattern of the character the problem was found at; Msg says what is
// wrong in the words CloudWatch Logs uses where we know them ("Invalid
// character(s) in term ':'"), so the API layer can send it back in an
// InvalidParameterException.
type PatternError struct {
	Pos int
	Msg string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("invalid filter pattern at byte %d: %s", e.Pos, e.Msg)
}

// FilterPattern is a parsed filter pattern. It is immutable: Match,
// MatchExtract, Kind and RequiredTerms may be called from many goroutines at
// once.
type FilterPattern struct {
	src      string
	kind     PatternKind
	terms    *termsPattern
	regex    *filterRegex
	json     *jsonPattern
	delim    *delimPattern
	required []string
}

// ParseFilterPattern parses a filter pattern. Leading and trailing white space
// is ignored. Errors are *PatternError.
func ParseFilterPattern(s string) (*FilterPattern, error) {
	p := &FilterPattern{src: s}
	l := &patternLexer{src: s}
	l.skipSpace()
	first := l.pos
	last := len(s)
	for last > first && isSpace(s[last-1]) {
		last--
	}
	if first == last {
		p.kind = PatternMatchAll
		return p, nil
	}
	var err error
	switch open := s[first]; open {
	case '{', '[', '%':
		closer := open
		switch open {
		case '{':
			closer = '}'
		case '[':
			closer = ']'
		}
		if last-first < 2 || s[last-1] != closer {
			return nil, l.errorf(last, "If a filter pattern starts with '%c' it must end with '%c'", open, closer)
		}
		body := &patternLexer{src: s[:last-1], pos: first + 1}
		switch open {
		case '{':
			p.kind = PatternJSON
			p.json, err = parseJSONPattern(body)
		case '[':
			p.kind = PatternDelimited
			p.delim, err = parseDelimitedPattern(body)
		default:
			p.kind = PatternRegex
			p.regex, err = compileFilterRegex(s[first+1:last-1], first+1)
		}
	default:
		p.terms, err = parseTerms(&patternLexer{src: s[:last], pos: first})
		p.kind = PatternTerms
		if err == nil && p.terms.matchesAll() {
			p.kind, p.terms = PatternMatchAll, nil
		}
	}
	if err != nil {
		return nil, err
	}
	switch p.kind {
	case PatternTerms:
		p.required = p.terms.requiredTerms()
	case PatternRegex:
		p.required = p.regex.requiredTerms()
	case PatternDelimited:
		p.required = p.delim.requiredTerms()
	}
	return p, nil
}

// String returns the pattern as it was given to ParseFilterPattern.
func (p *FilterPattern) String() string { return p.src }

// Kind says which filter-pattern language p is written in.
func (p *FilterPattern) Kind() PatternKind { return p.kind }

// Match reports whether message matches p. It does not allocate for term and
// regex patterns, and for JSON and space-delimited patterns only when a value
// it compares holds escapes or invalid UTF-8. A message that is not valid JSON
// never matches a JSON pattern.
func (p *FilterPattern) Match(message string) bool {
	switch p.kind {
	case PatternTerms:
		return p.terms.match(message)
	case PatternRegex:
		return p.regex.re.MatchString(message)
	case PatternJSON:
		ok, _ := p.json.match(message, false)
		return ok
	case PatternDelimited:
		ok, _ := p.delim.match(message, false)
		return ok
	}
	return true
}

// MatchExtract is Match that also returns, for a matching message, the values
// a metric transformation can refer to, keyed as a metricValue or dimension
// writes them:
//
//   - JSON patterns: every property selector of the pattern without a
//     wildcard that resolves to a string, number or boolean, keyed by the
//     selector as written ("$.latency"); strings are unescaped, numbers are
//     the literal text of the log event.
//   - Space-delimited patterns: "$name" for every named field, and "$N" (N
//     counting fields of the event from 1) for each event field that an
//     unnamed field or an ellipsis covers.
//
// Term and regex patterns extract nothing. The map is nil when the message
// does not match or nothing was extracted; the caller owns it.
func (p *FilterPattern) MatchExtract(message string) (bool, map[string]string) {
	switch p.kind {
	case PatternJSON:
		return p.json.match(message, true)
	case PatternDelimited:
		return p.delim.match(message, true)
	}
	return p.Match(message), nil
}

// RequiredTerms returns byte strings that every message matching p contains,
// for pruning blocks by their term index before matching. It is conservative:
// it may return nil (nothing known) but never a string that a matching message
// could lack. The caller owns the returned slice.
func (p *FilterPattern) RequiredTerms() []string {
	return slices.Clone(p.required)
}

// TermsUnlessEscaped returns byte strings that every message matching p
// contains unless it contains a backslash (a JSON escape could spell them
// otherwise): for JSON patterns, the string operands of the = conditions
// every match needs. Like RequiredTerms it is conservative; it is nil for
// other patterns. The caller owns the returned slice.
func (p *FilterPattern) TermsUnlessEscaped() []string {
	if p.kind != PatternJSON {
		return nil
	}
	return slices.Clone(p.json.literals)
}
