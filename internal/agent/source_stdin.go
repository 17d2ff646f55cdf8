package agent

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// stdinSource ships the lines of a reader (the agent's standard input)
// until it ends. Nothing is checkpointed: a pipe cannot be read again.
type stdinSource struct {
	cfg   *SourceConfig
	env   *sourceEnv
	stats *sourceStats
	log   *slog.Logger
	r     io.Reader
	dest  sink
	now   func() time.Time
}

func newStdinSource(cfg *SourceConfig, env *sourceEnv, r io.Reader) *stdinSource {
	return &stdinSource{cfg: cfg, env: env, stats: env.stats, log: env.log, r: r, dest: env.destFor(cfg, nil), now: time.Now}
}

// finite marks sources whose end ends the agent.
func (s *stdinSource) finite() bool { return true }

// run reads until the reader ends (then it emits what it holds and
// returns nil) or ctx ends. The reading goroutine ends at the reader's
// end or error; if the reader is an io.Closer, it is closed when ctx ends
// so that a blocked read returns.
func (s *stdinSource) run(ctx context.Context) error {
	enc, err := parseEncoding(s.cfg.Encoding)
	if err != nil {
		return err
	}
	lopt, err := s.cfg.lineOptions()
	if err != nil {
		return err
	}
	fr, asm := newFramer(enc), &assembler{o: lopt}

	type read struct {
		b   []byte
		err error
	}
	reads := make(chan read)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			b := make([]byte, 64<<10)
			n, err := s.r.Read(b)
			select {
			case reads <- read{b[:n], err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	if c, ok := s.r.(io.Closer); ok {
		go func() {
			select {
			case <-ctx.Done():
				c.Close()
			case <-stop:
			}
		}()
	}

	var carry []byte
	var off int64
	first := true
	tick := time.NewTicker(time.Duration(s.cfg.FlushInterval))
	defer tick.Stop()
	var evs []event
	emit := func(ts int64, msg string, end int64) {
		if s.cfg.Format == "cloudlog" {
			msg = cloudlogFromLine(msg, ts, s.env.hostname(), "stdin").json()
		}
		evs = append(evs, event{ts: ts, msg: msg})
	}
	push := func() error {
		if len(evs) == 0 {
			return nil
		}
		err := s.dest.push(ctx, chunk{evs: evs, at: s.now(), src: s.stats})
		evs = nil
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if at, ok := asm.pending(); ok && len(carry) == 0 && s.now().Sub(at) >= time.Duration(s.cfg.FlushInterval) {
				asm.flush(emit)
				if err := push(); err != nil {
					return nil
				}
			}
		case r := <-reads:
			s.stats.bytes.Add(int64(len(r.b)))
			data := append(carry, r.b...)
			i := 0
			if first {
				i, first = fr.bom(data), false
			}
			for {
				end, consumed, ok := fr.next(data[i:])
				if !ok {
					break
				}
				s.stats.lines.Add(1)
				asm.line(fr.decode(data[i:i+end]), off, emit)
				i += consumed
			}
			carry = append([]byte(nil), data[i:]...)
			if r.err != nil {
				if len(carry) > 0 {
					asm.line(fr.decode(carry), off, emit)
				}
				asm.flush(emit)
				push()
				if r.err != io.EOF && ctx.Err() == nil {
					s.log.Warn("stdin read failed", "err", r.err)
				}
				return nil
			}
			if err := push(); err != nil {
				return nil
			}
		}
	}
}
