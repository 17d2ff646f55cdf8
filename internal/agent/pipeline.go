package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/logpond/logpond/internal/ship"
)

// destKey names a log stream.
type destKey struct{ group, stream string }

func (d destKey) String() string { return d.group + "/" + d.stream }

// batchLimits bound the batches of a pipeline.
type batchLimits struct {
	events   int           // events per batch
	bytes    int           // bytes per batch, counted as the API does
	maxEvent int           // bytes of one message
	truncate bool          // truncate oversize messages instead of splitting them
	flush    time.Duration // longest wait from an event's arrival to its batch's send
}

// pipeline ships the events of one log stream: its batcher goroutine cuts
// the events that sources push into batches, and its sender goroutine
// sends them one at a time, in order, and advances the sources'
// checkpoints when the server has acknowledged a batch. When a send fails
// with an error that may pass, the batch and every later one go to the
// stream's on-disk spool (their checkpoints advance once they are there),
// and the sender drains the spool, oldest first, with exponential backoff
// and full jitter, before it sends directly again.
//
// push may be called from any goroutine until close; close waits for both
// goroutines to end.
type pipeline struct {
	dest      destKey
	lim       batchLimits
	retention int32
	send      batchSender
	api       API
	st        *state // nil: no checkpoints, no spool
	spoolRoot string
	parkDir   string
	budget    *spoolBudget
	stats     *destStats
	m         *metrics
	log       *slog.Logger

	in      chan chunk
	ready   chan *batch
	sendCtx context.Context // cancelled when the agent gives up sending at shutdown
	done    chan struct{}

	closeOnce sync.Once

	// Owned by the sender goroutine:
	sp          *spool
	groupReady  bool          // the group exists with its retention set (or none is configured)
	drainWait   time.Duration // before the next attempt to drain the spool
	backoffCap  time.Duration // the cap drainWait was drawn under; 0 after a success
	lastDropLog time.Time
}

// batch is a run of events for one PutLogEvents call.
type batch struct {
	evs          []ship.Event
	size         int
	minTS, maxTS int64
	marks        map[originKey]markEntry // the last event of each origin (see mark)
	lastMark     markEntry               // the last event, not yet in marks
	first        time.Time               // when its oldest event was read
	srcs         map[*sourceStats]int    // events per source
}

type markEntry struct {
	org *origin
	ev  event
}

func newPipeline(a *Agent, dest destKey, lim batchLimits, retention int32, send batchSender, sendCtx context.Context) *pipeline {
	p := &pipeline{
		dest: dest, lim: lim, retention: retention, send: send, api: a.api,
		st: a.state, spoolRoot: a.spoolRoot, parkDir: a.parkDir, budget: a.budget,
		stats: a.metrics.dest(dest), m: a.metrics,
		log:        a.log.With("group", dest.group, "stream", dest.stream),
		in:         make(chan chunk, 4),
		ready:      make(chan *batch),
		sendCtx:    sendCtx,
		done:       make(chan struct{}),
		groupReady: retention == 0,
	}
	return p
}

// start opens the stream's spool, if any, and starts the goroutines. A
// spool that cannot be opened is logged and left alone: the pipeline then
// keeps a failed batch in memory and retries it.
func (p *pipeline) start() {
	if p.st != nil {
		sp, err := openSpool(p.spoolRoot, p.dest, p.st.spoolPos(spoolName(p.dest)), p.budget)
		if err != nil {
			p.log.Error("spool unusable; failed batches are retried from memory", "err", err)
		} else {
			p.sp = sp
		}
	}
	var wg sync.WaitGroup
	wg.Go(p.batchLoop)
	wg.Go(p.sendLoop)
	go func() { wg.Wait(); close(p.done) }()
}

// push hands events to the pipeline, waiting while it is busy. It returns
// ctx's error if ctx ends first.
func (p *pipeline) push(ctx context.Context, c chunk) error {
	if len(c.evs) == 0 {
		return nil
	}
	c.src.events.Add(int64(len(c.evs)))
	select {
	case p.in <- c:
		return nil
	case <-ctx.Done():
		c.src.events.Add(-int64(len(c.evs)))
		return ctx.Err()
	}
}

// close sends what is buffered (to the spool if the server does not take
// it before sendCtx ends) and waits for the goroutines. No push may
// follow or run concurrently.
func (p *pipeline) close() {
	p.closeOnce.Do(func() { close(p.in) })
	<-p.done
}

// batchLoop cuts pushed events into batches.
func (p *pipeline) batchLoop() {
	defer close(p.ready)
	var b *batch
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	hand := func() {
		timer.Stop()
		b.sealMarks()
		p.ready <- b
		b = nil
	}
	var pieces []ship.Event
	for {
		select {
		case c, ok := <-p.in:
			if !ok {
				if b != nil {
					hand()
				}
				return
			}
			for i := range c.evs {
				e := &c.evs[i]
				pieces = p.fit(pieces[:0], e.ts, e.msg)
				for _, pc := range pieces {
					if b != nil && !b.fits(&pc, &p.lim) {
						hand()
					}
					if b == nil {
						b = &batch{evs: make([]ship.Event, 0, min(p.lim.events, p.lim.bytes/64+1)), marks: map[originKey]markEntry{}, srcs: map[*sourceStats]int{}, first: c.at, minTS: pc.Timestamp, maxTS: pc.Timestamp}
						timer.Reset(p.lim.flush)
						if p.stats.pendingSince.Load() == 0 {
							p.stats.pendingSince.Store(c.at.UnixNano())
						}
					}
					b.add(pc)
				}
				if b == nil { // an empty message: nothing to send, but its mark counts
					b = &batch{marks: map[originKey]markEntry{}, srcs: map[*sourceStats]int{}, first: c.at}
					timer.Reset(p.lim.flush)
				}
				if e.org != nil {
					b.mark(e)
				}
				b.srcs[c.src]++
				if len(b.evs) >= p.lim.events || b.size >= p.lim.bytes {
					hand()
				}
			}
		case <-timer.C:
			if b != nil {
				hand()
			}
		}
	}
}

// mark notes that e is the batch's last event of its origin so far. Runs
// of events of one origin are the rule, so marks gets an entry when the
// origin changes and in sealMarks, not for every event (the map writes
// were 2% of the agent's CPU).
func (b *batch) mark(e *event) {
	if b.lastMark.org != nil && b.lastMark.org != e.org {
		b.marks[b.lastMark.org.key()] = b.lastMark
	}
	b.lastMark = markEntry{org: e.org, ev: *e}
}

// sealMarks completes marks before the batch leaves the batch loop.
func (b *batch) sealMarks() {
	if b.lastMark.org != nil {
		b.marks[b.lastMark.org.key()] = b.lastMark
		b.lastMark = markEntry{}
	}
}

func (b *batch) fits(e *ship.Event, lim *batchLimits) bool {
	if len(b.evs) == 0 {
		return true
	}
	if len(b.evs)+1 > lim.events || b.size+len(e.Message)+ship.EventOverhead > lim.bytes {
		return false
	}
	lo, hi := min(b.minTS, e.Timestamp), max(b.maxTS, e.Timestamp)
	return hi-lo <= ship.MaxBatchSpanMillis
}

func (b *batch) add(e ship.Event) {
	if len(b.evs) == 0 {
		b.minTS, b.maxTS = e.Timestamp, e.Timestamp
	}
	b.evs = append(b.evs, e)
	b.size += len(e.Message) + ship.EventOverhead
	b.minTS, b.maxTS = min(b.minTS, e.Timestamp), max(b.maxTS, e.Timestamp)
}

// fit appends the events that carry msg: valid UTF-8, not empty, and no
// longer than the event limit (split at character boundaries, or
// truncated with a marker).
func (p *pipeline) fit(dst []ship.Event, ts int64, msg string) []ship.Event {
	if msg == "" {
		return dst
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	max := p.lim.maxEvent
	if len(msg) <= max {
		return append(dst, ship.Event{Timestamp: ts, Message: msg})
	}
	if p.lim.truncate {
		p.stats.truncated.Add(1)
		return append(dst, ship.Event{Timestamp: ts, Message: msg[:cutPoint(msg, max-len(ship.DefaultTruncateMarker))] + ship.DefaultTruncateMarker})
	}
	p.stats.split.Add(1)
	for msg != "" {
		n := cutPoint(msg, max)
		dst = append(dst, ship.Event{Timestamp: ts, Message: msg[:n]})
		msg = msg[n:]
	}
	return dst
}

// cutPoint returns the largest n ≤ max with s[:n] ending at a character
// boundary (max itself if a character is longer than max).
func cutPoint(s string, max int) int {
	if len(s) <= max {
		return len(s)
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if n == 0 {
		return max
	}
	return n
}

// sendLoop delivers batches in order, through the spool when it holds any.
func (p *pipeline) sendLoop() {
	defer func() {
		if p.sp != nil {
			p.sp.close()
		}
	}()
	var retry *time.Timer
	for {
		if p.sp == nil || p.sp.empty() {
			b, ok := <-p.ready
			if !ok {
				return
			}
			p.deliver(b)
			continue
		}
		if retry == nil {
			retry = time.NewTimer(p.drainWait)
		}
		select {
		case b, ok := <-p.ready:
			if !ok {
				return // what is left stays in the spool for the next start
			}
			p.spoolOrWait(b)
		case <-retry.C:
			retry = nil
			p.drain()
		}
	}
}

// deliver sends b, or spools or parks it when the send fails. Without a
// usable spool it keeps b in memory and tries again with backoff: later
// batches wait (and the sources with them) rather than overtake it.
func (p *pipeline) deliver(b *batch) {
	if len(b.evs) == 0 {
		p.acknowledged(b)
		return
	}
	for {
		err := p.sendBatch(b.evs)
		if err == nil {
			p.backoffCap = 0
			p.acknowledged(b)
			return
		}
		switch classify(err) {
		case failDone:
			p.acknowledged(b)
			return
		case failPark:
			p.stats.sendErrors.Add(1)
			p.park(b.evs, err)
			p.acknowledged(b)
			return
		}
		p.stats.sendErrors.Add(1)
		if p.sendCtx.Err() == nil {
			p.log.Warn("send failed; keeping the batch until the server answers", "err", err, "spool", p.sp != nil)
		}
		if p.sp != nil && p.toSpool(b) {
			p.backoffCap = 0
			p.drainWait = p.nextWait()
			return
		}
		if p.sendCtx.Err() != nil {
			p.log.Error("stopping with a batch neither sent nor spooled; it is read again at the next start", "events", len(b.evs))
			return
		}
		t := time.NewTimer(p.nextWait())
		select {
		case <-t.C:
		case <-p.sendCtx.Done():
			t.Stop()
		}
	}
}

// sendBatch makes sure the group exists with its retention (once), then
// sends.
func (p *pipeline) sendBatch(evs []ship.Event) error {
	if !p.groupReady {
		if err := createGroupWithRetention(p.sendCtx, p.api, p.dest.group, p.retention); err != nil {
			if p.sendCtx.Err() != nil {
				return p.sendCtx.Err()
			}
			return err
		}
		p.groupReady = true
	}
	st, err := p.send.Send(p.sendCtx, evs)
	p.stats.events.Add(st.Events)
	p.stats.bytes.Add(st.Bytes)
	p.stats.batches.Add(st.Batches)
	p.stats.retries.Add(st.Retries)
	p.stats.tooOld.Add(st.TooOld)
	p.stats.tooNew.Add(st.TooNew)
	p.stats.expired.Add(st.Expired)
	if err != nil && p.sendCtx.Err() != nil {
		return p.sendCtx.Err()
	}
	return err
}

// toSpool writes b to the spool and advances its checkpoints; past the
// spool's cap the batch is dropped (counted, logged) and its checkpoints
// advance all the same. It reports false, changing nothing, if the disk
// refused the write.
func (p *pipeline) toSpool(b *batch) bool {
	if len(b.evs) > 0 {
		err := p.sp.append(b.evs, p.dest)
		p.m.spoolBytes.Store(p.budget.used.Load())
		switch {
		case err == nil:
			p.stats.spooledEvents.Add(int64(len(b.evs)))
		case errors.Is(err, errSpoolFull):
			p.stats.droppedEvents.Add(int64(len(b.evs)))
			p.stats.droppedBytes.Add(int64(b.size))
			if time.Since(p.lastDropLog) > 10*time.Second {
				p.lastDropLog = time.Now()
				p.log.Error("spool full: dropping events", "events", len(b.evs), "bytes", b.size,
					"dropped_total", p.stats.droppedEvents.Load(), "spool_max_bytes", p.budget.max)
			}
		default:
			p.log.Error("spool write failed; keeping the batch in memory", "err", err, "events", len(b.evs))
			return false
		}
	}
	p.acknowledged(b)
	return true
}

// spoolOrWait spools b, retrying with backoff while the disk refuses (the
// batch must not be overtaken by later ones), until sendCtx ends; then b
// is left unacknowledged and its events are read again after a restart.
func (p *pipeline) spoolOrWait(b *batch) {
	for !p.toSpool(b) {
		t := time.NewTimer(p.nextWait())
		select {
		case <-t.C:
		case <-p.sendCtx.Done():
			t.Stop()
			return
		}
	}
}

// drain sends spooled batches, oldest first, until the spool is empty or
// a send fails.
func (p *pipeline) drain() {
	for !p.sp.empty() {
		evs, next, err := p.sp.peek()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A damaged record cannot be sent: skip it, loudly.
			p.log.Error("spool record unreadable; skipped", "err", err)
			p.advanceSpool(next)
			continue
		}
		if err := p.sendBatch(evs); err != nil && classify(err) != failDone {
			p.stats.sendErrors.Add(1)
			if classify(err) == failPark {
				p.park(evs, err)
				p.advanceSpool(next)
				continue
			}
			p.drainWait = p.nextWait()
			p.log.Warn("spool drain: send failed; retrying", "err", err, "in", p.drainWait.Round(time.Millisecond))
			return
		}
		p.stats.drainedEvents.Add(int64(len(evs)))
		p.advanceSpool(next)
	}
	p.drainWait, p.backoffCap = 0, 0
	p.sp.reset()
	p.m.spoolBytes.Store(p.budget.used.Load())
	p.log.Info("spool drained; sending directly again")
}

func (p *pipeline) advanceSpool(next spoolPos) {
	if err := p.st.commit(context.Background(), update{kind: updSpool, spool: p.sp.name, pos: next}); err != nil {
		p.m.checkpointErrors.Add(1)
		p.log.Error("checkpoint write failed", "err", err)
	}
	p.sp.advance(next)
	p.m.spoolBytes.Store(p.budget.used.Load())
}

// nextWait doubles the backoff cap (from 250ms up to 30s) and returns a
// wait drawn uniformly below it ("full jitter").
func (p *pipeline) nextWait() time.Duration {
	p.backoffCap = min(max(250*time.Millisecond, 2*p.backoffCap), 30*time.Second)
	return time.Duration(rand.Int64N(int64(p.backoffCap)))
}

// acknowledged advances the checkpoints of every origin in b and counts
// its events as done for their sources.
func (p *pipeline) acknowledged(b *batch) {
	if p.st != nil && len(b.marks) > 0 {
		now := time.Now()
		ups := make([]update, 0, len(b.marks))
		for _, m := range b.marks {
			if u, ok := m.org.update(&m.ev, now); ok {
				ups = append(ups, u)
			}
		}
		if err := p.st.commit(context.Background(), ups...); err != nil {
			p.m.checkpointErrors.Add(1)
			p.log.Error("checkpoint write failed; retried with the next", "err", err)
		}
	}
	lag := time.Since(b.first)
	for s, n := range b.srcs {
		s.acked.Add(int64(n))
		s.ackLag.Store(int64(lag))
	}
	p.stats.pendingSince.Store(0)
}

// park keeps a batch the server refused for good in STATE_DIR/parked as
// JSON, so that an operator can look at it and send it again.
func (p *pipeline) park(evs []ship.Event, cause error) {
	p.stats.parkedBatches.Add(1)
	p.stats.parkedEvents.Add(int64(len(evs)))
	p.log.Error("the server refused a batch for good; parked", "err", cause, "events", len(evs), "dir", p.parkDir)
	if p.parkDir == "" {
		return
	}
	type parked struct {
		Group  string       `json:"group"`
		Stream string       `json:"stream"`
		Error  string       `json:"error"`
		Time   time.Time    `json:"time"`
		Events []ship.Event `json:"events"`
	}
	b, err := json.Marshal(parked{Group: p.dest.group, Stream: p.dest.stream, Error: cause.Error(), Time: time.Now().UTC(), Events: evs})
	if err != nil {
		p.log.Error("park: encode", "err", err)
		return
	}
	if !p.budget.take(int64(len(b))) {
		p.stats.droppedEvents.Add(int64(len(evs)))
		p.log.Error("park: spool budget exhausted; batch dropped", "events", len(evs))
		return
	}
	if err := os.MkdirAll(p.parkDir, 0o755); err != nil {
		p.log.Error("park", "err", err)
		return
	}
	name := fmt.Sprintf("%s-%s.json", time.Now().UTC().Format("20060102T150405.000000000"), spoolName(p.dest))
	if err := writeFileAtomic(filepath.Join(p.parkDir, name), b); err != nil {
		p.log.Error("park", "err", err)
	}
}
