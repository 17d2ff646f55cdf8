package query

import (
	"regexp"
	"strings"
)

// parse extracts fields from a field (@message unless named) with a glob
// or a regular expression:
//
//	parse @message "[*] * The error was: *" as level, config, exception
//	parse @message /(?<NetworkInterface>eni-.*?) /
//
// In a glob each * takes the shortest text up to what follows it (the last
// one, when the glob ends with it, takes the rest), and the glob may match
// anywhere in the text. A regular expression names its fields with
// (?<name>...) groups. When the text does not match, the fields are null.
type parseCmd struct {
	pos
	src   node
	glob  []string // the literal parts around the stars; nil for a regex
	re    *regexp.Regexp
	names []string
	group []int // regex: the submatch of each name
	slots []int // set by compile
}

func (p *parser) parseCmd() (command, error) {
	start := p.tok.start
	p.next()
	c := &parseCmd{}
	if p.tok.kind != tString && p.tok.kind != tSlash {
		src, err := p.primary()
		if err != nil {
			return nil, err
		}
		c.src = src
	} else {
		c.src = &fieldNode{pos: pos{start, start}, name: "@message"}
	}
	t := p.tok
	switch t.kind {
	case tString:
		c.glob = strings.Split(t.text, "*")
		if len(c.glob) == 1 {
			return nil, errAt(t.start, t.end, "a parse glob needs at least one *")
		}
		p.next()
	case tSlash:
		t = p.lx.regex(t.start)
		if t.kind == tBad {
			return nil, errAt(t.start, t.end, "%s", t.text)
		}
		re, err := compileInsightsRegex(t)
		if err != nil {
			return nil, err
		}
		c.re = re
		p.next()
	default:
		return nil, p.unexpected("a \"glob\" or a /regular expression/")
	}
	c.pos = pos{start, t.end}
	if p.isKeyword("as") {
		p.next()
		for {
			name, nt, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			c.names = append(c.names, name)
			c.end = nt.end
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	switch {
	case c.glob != nil && len(c.names) != len(c.glob)-1:
		return nil, errAt(c.start, c.end, "the glob has %d * but %d field names follow as", len(c.glob)-1, len(c.names))
	case c.re != nil && len(c.names) > 0:
		if c.re.NumSubexp() != len(c.names) {
			return nil, errAt(c.start, c.end, "the regular expression has %d groups but %d field names follow as", c.re.NumSubexp(), len(c.names))
		}
		for i := range c.names {
			c.group = append(c.group, i+1)
		}
	case c.re != nil:
		for i, n := range c.re.SubexpNames() {
			if n != "" {
				c.names = append(c.names, n)
				c.group = append(c.group, i)
			}
		}
		if len(c.names) == 0 {
			return nil, errAt(t.start, t.end, "the regular expression names no fields: use groups like (?<name>...)")
		}
	}
	return c, nil
}

type parseStage struct {
	c    *parseCmd
	idx  []int
	next stage
}

func (s *parseStage) push(r *row) error {
	c := s.c
	v := c.src.eval(r)
	ok := v.k != kNull
	if ok {
		text := v.str()
		if c.glob != nil {
			ok = s.glob(r, text)
		} else if s.idx = c.re.FindStringSubmatchIndex(text); s.idx != nil {
			for i, g := range c.group {
				if a, b := s.idx[2*g], s.idx[2*g+1]; a >= 0 {
					r.set(c.slots[i], strValue(text[a:b]))
				} else {
					r.set(c.slots[i], null)
				}
			}
		} else {
			ok = false
		}
	}
	if !ok {
		for _, slot := range c.slots {
			r.set(slot, null)
		}
	}
	return s.next.push(r)
}

// glob matches text against the literal parts; see parseCmd.
func (s *parseStage) glob(r *row, text string) bool {
	parts := s.c.glob
	at := 0
	if parts[0] != "" {
		i := strings.Index(text, parts[0])
		if i < 0 {
			return false
		}
		at = i + len(parts[0])
	}
	var caps [16]string
	out := caps[:0]
	for j := 1; j < len(parts); j++ {
		lit := parts[j]
		switch {
		case j == len(parts)-1 && lit == "":
			out = append(out, text[at:])
			at = len(text)
		case lit == "":
			out = append(out, "")
		default:
			i := strings.Index(text[at:], lit)
			if i < 0 {
				return false
			}
			out = append(out, text[at:at+i])
			at += i + len(lit)
		}
	}
	for i, v := range out {
		r.set(s.c.slots[i], strValue(v))
	}
	return true
}

func (s *parseStage) finish() error { return s.next.finish() }

func (c *parseCmd) newStage(_ *runEnv, _ *RunOptions, next stage) stage {
	return &parseStage{c: c, next: next}
}
