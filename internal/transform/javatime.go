package transform

import (
	"fmt"
	"strings"
)

// A small implementation of Java DateTimeFormatter patterns, the pattern
// language of dateTimeConverter. Supported letters: y u (year), M (month:
// number, or text from MMM), d, H, h (1-12), m, s, S (fraction), a
// (AM/PM), E (day of week), X x Z (offsets), z (zone name) and VV (zone
// ID); '...' quotes literal text ('' is a quote) and [...] is an
// optional section.

// dtToken is a pattern letter repeated count times, or literal text.
type dtToken struct {
	letter byte // 0 for literal text
	count  int
	lit    string
}

func (t dtToken) numeric() bool {
	switch t.letter {
	case 'y', 'u', 'd', 'H', 'h', 'm', 's', 'S':
		return true
	case 'M':
		return t.count <= 2
	}
	return false
}

func (t dtToken) text() bool {
	return t.letter == 'E' || t.letter == 'a' || (t.letter == 'M' && t.count >= 3)
}

// dtLayout is a pattern with its optional sections resolved.
type dtLayout []dtToken

// maxCount is the most letters Java accepts in a row for each letter.
var maxCount = map[byte]int{
	'y': 19, 'u': 19, 'M': 5, 'd': 2, 'H': 2, 'h': 2, 'm': 2, 's': 2, 'S': 9,
	'a': 1, 'E': 5, 'X': 5, 'x': 5, 'Z': 5, 'z': 4, 'V': 2,
}

// maxLayouts bounds how many layouts optional sections may produce.
const maxLayouts = 32

// compileLayouts turns a pattern into its layouts: one for each way of
// taking or leaving its optional sections, the one taking all first.
func compileLayouts(pattern string) ([]dtLayout, error) {
	nodes, rest, err := parseDTNodes(pattern, 0)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	if rest != "" {
		return nil, fmt.Errorf("pattern %q: unmatched ']'", pattern)
	}
	layouts, err := expand(nodes)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return layouts, nil
}

// dtNode is a token or an optional section.
type dtNode struct {
	tok      dtToken
	optional []dtNode
	isOpt    bool
}

// parseDTNodes parses p up to the end or, in an optional section (depth
// > 0), up to its closing ']', and returns what follows it.
func parseDTNodes(p string, depth int) ([]dtNode, string, error) {
	var nodes []dtNode
	for len(p) > 0 {
		c := p[0]
		switch {
		case c == ']':
			if depth == 0 {
				return nodes, p, nil
			}
			return nodes, p[1:], nil
		case c == '[':
			if depth >= 4 {
				return nil, "", fmt.Errorf("pattern nests optional sections too deeply")
			}
			sub, rest, err := parseDTNodes(p[1:], depth+1)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, dtNode{optional: sub, isOpt: true})
			p = rest
		case c == '\'':
			lit, rest, err := quoted(p)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, dtNode{tok: dtToken{lit: lit}})
			p = rest
		case c == '#' || c == '{' || c == '}':
			return nil, "", fmt.Errorf("pattern character %q is reserved", c)
		case isASCIILetter(c):
			n := 1
			for n < len(p) && p[n] == c {
				n++
			}
			max, ok := maxCount[c]
			if !ok {
				return nil, "", fmt.Errorf("pattern letter %q is not supported by logpond", c)
			}
			if n > max || (c == 'V' && n != 2) {
				return nil, "", fmt.Errorf("too many pattern letters: %s", p[:n])
			}
			nodes = append(nodes, dtNode{tok: dtToken{letter: c, count: n}})
			p = p[n:]
		default:
			nodes = append(nodes, dtNode{tok: dtToken{lit: p[:1]}})
			p = p[1:]
		}
	}
	if depth > 0 {
		return nil, "", fmt.Errorf("pattern has an unclosed '['")
	}
	return nodes, "", nil
}

// quoted reads the quoted literal at the start of p (” is one quote).
func quoted(p string) (string, string, error) {
	if strings.HasPrefix(p, "''") {
		return "'", p[2:], nil
	}
	var b strings.Builder
	for i := 1; i < len(p); i++ {
		if p[i] != '\'' {
			b.WriteByte(p[i])
			continue
		}
		if i+1 < len(p) && p[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), p[i+1:], nil
	}
	return "", "", fmt.Errorf("pattern ends with an incomplete string literal")
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// expand resolves the optional sections of nodes.
func expand(nodes []dtNode) ([]dtLayout, error) {
	layouts := []dtLayout{nil}
	for _, n := range nodes {
		alts := []dtLayout{{n.tok}}
		if n.isOpt {
			sub, err := expand(n.optional)
			if err != nil {
				return nil, err
			}
			alts = append(sub, nil)
		}
		var next []dtLayout
		for _, l := range layouts {
			for _, a := range alts {
				next = append(next, append(append(dtLayout{}, l...), a...))
			}
		}
		if len(next) > maxLayouts {
			return nil, fmt.Errorf("too many optional sections")
		}
		layouts = next
	}
	return layouts, nil
}
