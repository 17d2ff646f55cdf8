package query

import (
	"regexp"
	"strings"
)

// CloudWatch Logs accepts a small subset of regular expressions between
// percent signs, standalone (%ERROR%) or as the value of a JSON or
// space-delimited comparison. We check a regex against that subset, then
// compile it with Go's RE2 engine, which runs in linear time. The subset:
//
//   - letters and digits, the symbols : _ # = @ / ; , - and the space
//     (CloudWatch's own example "%^starting|^initializing|^shutting down%"
//     has one);
//   - the operators ^ $ ? [ ] { } | \ * + . ;
//   - the escapes \d \D \s \S \w \W, \xhh (two hex digits, how a pattern
//     spells an unsupported character such as \x28 for '('), and a backslash
//     before any of the symbols or operators above.
//
// Parentheses are refused, even escaped, so there are no groups, captures,
// back-references or look-around; so are multi-byte characters. A pattern
// holds at most maxPatternRegexes regular expressions. {,n} means {0,n}, as
// CloudWatch documents, which RE2 would otherwise take literally.
//
// A regex matches when it matches anywhere in the text; ^ and $ anchor it to
// the start and end.

// maxPatternRegexes is CloudWatch's quota of regular expressions in one
// JSON or space-delimited filter pattern.
const maxPatternRegexes = 2

type filterRegex struct {
	re *regexp.Regexp
}

const (
	regexSymbols   = ":_#=@/;,- "
	regexOperators = "^$?[]{}|\\*+."
)

// compileFilterRegex checks src, the text between the percent signs, which
// starts at byte off of the pattern, and compiles it.
func compileFilterRegex(src string, off int) (*filterRegex, error) {
	if src == "" {
		return nil, &PatternError{Pos: off, Msg: "Empty regular expression"}
	}
	var out strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c >= 0x80:
			return nil, &PatternError{Pos: off + i, Msg: "Multi-byte characters are not supported in regular expressions"}
		case c == '(' || c == ')':
			return nil, &PatternError{Pos: off + i, Msg: "Parentheses are not supported in regular expressions; use \\x28 and \\x29 to match them"}
		case c == '\\':
			if i+1 == len(src) {
				return nil, &PatternError{Pos: off + i, Msg: "Regular expression ends with a backslash"}
			}
			e := src[i+1]
			switch {
			case e == '(' || e == ')':
				return nil, &PatternError{Pos: off + i + 1, Msg: "Parentheses are not supported in regular expressions; use \\x28 and \\x29 to match them"}
			case strings.IndexByte("dDsSwW", e) >= 0:
			case e == 'x':
				if !isHex(src, i+2) || !isHex(src, i+3) {
					return nil, &PatternError{Pos: off + i, Msg: "\\x must be followed by two hexadecimal digits"}
				}
				out.WriteString(src[i : i+4])
				i += 3
				continue
			case e < 0x80 && strings.IndexByte(regexSymbols+regexOperators, e) >= 0:
			default:
				return nil, &PatternError{Pos: off + i, Msg: "Unsupported escape sequence '\\" + charAt(src, i+1) + "' in regular expression"}
			}
			out.WriteString(src[i : i+2])
			i++
			continue
		case isAlnum(c) || strings.IndexByte(regexSymbols, c) >= 0:
		case strings.IndexByte(regexOperators, c) >= 0:
			switch c {
			case '[':
				if !inClass {
					inClass = true
					// A ']' right after '[' or '[^' is a literal member.
					if i+1 < len(src) && src[i+1] == '^' {
						out.WriteString("[^")
						i++
					} else {
						out.WriteByte('[')
					}
					if i+1 < len(src) && src[i+1] == ']' {
						out.WriteString(`\]`)
						i++
					}
					continue
				}
			case ']':
				inClass = false
			case '{':
				if !inClass && strings.HasPrefix(src[i:], "{,") {
					j := i + 2
					for j < len(src) && isDigit(src[j]) {
						j++
					}
					if j > i+2 && j < len(src) && src[j] == '}' {
						out.WriteString("{0,")
						i++
						continue
					}
				}
			}
		default:
			return nil, &PatternError{Pos: off + i, Msg: "Invalid character(s) in term '" + charAt(src, i) + "'"}
		}
		out.WriteByte(c)
	}
	re, err := regexp.Compile(out.String())
	if err != nil {
		return nil, &PatternError{Pos: off, Msg: "Invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
	}
	return &filterRegex{re: re}, nil
}

func isHex(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// requiredTerms returns the literal prefix every match starts with, which a
// matching message must therefore contain.
func (r *filterRegex) requiredTerms() []string {
	prefix, _ := r.re.LiteralPrefix()
	if prefix == "" {
		return nil
	}
	return []string{prefix}
}

// readRegex reads %...% at l.pos for a JSON or space-delimited comparison.
func (l *patternLexer) readRegex() (*filterRegex, error) {
	start := l.pos
	end := strings.IndexByte(l.src[start+1:], '%')
	if end < 0 {
		return nil, l.errorf(start, "Unterminated regular expression: missing closing '%%'")
	}
	l.regexes++
	if l.regexes > maxPatternRegexes {
		return nil, l.errorf(start, "A filter pattern can contain at most %d regular expressions", maxPatternRegexes)
	}
	re, err := compileFilterRegex(l.src[start+1:start+1+end], start+1)
	if err != nil {
		return nil, err
	}
	l.pos = start + 1 + end + 1
	return re, nil
}
