package query

import "strconv"

// limit keeps the first n rows (1 ≤ n ≤ 10,000) in the order established
// so far; without an earlier sort, that is newest first.
type limitCmd struct {
	pos
	n int
}

const maxQueryLimit = 10_000

func (p *parser) limitCmd() (command, error) {
	start := p.tok.start
	p.next()
	t := p.tok
	if t.kind != tNumber {
		return nil, p.unexpected("a number of rows")
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 1 || n > maxQueryLimit {
		return nil, errAt(t.start, t.end, "limit must be a whole number from 1 to %d", maxQueryLimit)
	}
	p.next()
	return &limitCmd{pos: pos{start, t.end}, n: n}, nil
}

type limitStage struct {
	left int
	next stage
}

func (s *limitStage) push(r *row) error {
	if s.left <= 0 {
		return nil
	}
	s.left--
	return s.next.push(r)
}

func (s *limitStage) finish() error { return s.next.finish() }

func (c *limitCmd) newStage(_ *runEnv, _ *RunOptions, next stage) stage {
	return &limitStage{left: c.n, next: next}
}
