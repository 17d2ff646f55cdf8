package query

// dedup keeps the first row (in the order established so far, newest
// first without a sort) of each combination of values of its fields. Rows
// missing any of the fields are all kept. Only limit may follow it.
//
//	fields @timestamp, server, severity | sort @timestamp desc | dedup server
type dedupCmd struct {
	pos
	fields []node
}

func (p *parser) dedupCmd() (command, error) {
	start := p.tok.start
	p.next()
	c := &dedupCmd{}
	for {
		name, t, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		c.fields = append(c.fields, &fieldNode{pos: pos{t.start, t.end}, name: name})
		c.pos = pos{start, t.end}
		if p.tok.kind != tComma {
			return c, nil
		}
		p.next()
	}
}

type dedupStage struct {
	fields []node
	seen   map[string]struct{}
	buf    []byte
	max    int
	next   stage
}

func (s *dedupStage) push(r *row) error {
	s.buf = s.buf[:0]
	for _, f := range s.fields {
		v := f.eval(r)
		if v.k == kNull {
			return s.next.push(r)
		}
		s.buf = appendKey(s.buf, v)
	}
	if _, dup := s.seen[string(s.buf)]; dup {
		return nil
	}
	if len(s.seen) >= s.max {
		return &LimitError{Msg: "dedup holds more distinct values than the row limit allows"}
	}
	s.seen[string(s.buf)] = struct{}{}
	return s.next.push(r)
}

func (s *dedupStage) finish() error { return s.next.finish() }

func (c *dedupCmd) newStage(_ *runEnv, o *RunOptions, next stage) stage {
	return &dedupStage{fields: c.fields, seen: map[string]struct{}{}, max: o.MaxRows, next: next}
}
