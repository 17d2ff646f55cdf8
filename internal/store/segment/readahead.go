package segment

import (
	"runtime"
	"sync/atomic"
)

// Read-ahead. A Cursor with Query.Prefetch starts a goroutine to read and
// decode its next candidate block as soon as it has loaded one, so that
// decoding the next block overlaps the caller's work on this one and the
// decoding of other cursors' blocks (a FilterLogEvents merges one cursor per
// stream). At most GOMAXPROCS read-aheads decode at once in the process;
// the others wait for a slot. When the cursor needs a block whose
// read-ahead has not started yet, it takes the work back and decodes the
// block itself, so a cursor never waits behind other cursors' read-aheads.
//
// The goroutine is owned by the cursor and ends on its own: it decodes at
// most one block and hands it over through done. When the cursor is
// dropped, the caller closes Query.Cancel, and a read-ahead that has not
// started then ends without decoding; one that has started finishes its
// block, which is then garbage.

// readAheadSlots bounds the read-aheads decoding at once.
var readAheadSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// States of a readAhead.
const (
	raWaiting int32 = iota // for a slot
	raRunning              // decoding in its goroutine
	raTaken                // the cursor decodes it itself (or it was cancelled)
)

// readAhead is one block being read in the background.
type readAhead struct {
	block int
	state atomic.Int32
	done  chan struct{} // closed when blk and err are set (raRunning only)
	blk   *Block
	err   error
}

// readAhead starts reading the block after the one just loaded, if there is
// one that the bloom filters allow.
func (c *Cursor) readAhead() {
	bi := c.next
	if bi < c.lo || bi >= c.hi {
		return
	}
	if e := &c.r.blocks[bi]; c.noMsgs && e.minTS >= c.start && e.maxTS < c.end {
		// Only its columns would be read: cheaper than handing it over,
		// and the cursor reuses its memory.
		return
	}
	if len(c.keys) > 0 {
		if ok, err := c.bloomAllows(bi); err != nil || !ok {
			return // loadNext skips it (or reports the error) itself
		}
	}
	p := &readAhead{block: bi, done: make(chan struct{})}
	c.ahead = p
	go func() {
		select {
		case readAheadSlots <- struct{}{}:
		case <-c.cancel:
			p.state.CompareAndSwap(raWaiting, raTaken)
			return
		}
		defer func() { <-readAheadSlots }()
		if !p.state.CompareAndSwap(raWaiting, raRunning) {
			return // taken back by the cursor
		}
		p.blk, p.err = c.decode(bi, nil)
		close(p.done)
	}()
}

// take returns the block of a read-ahead: decoded by its goroutine (waiting
// for it if it is decoding) or, when it has not started, by the caller.
func (c *Cursor) take(p *readAhead) (*Block, error) {
	// A read-ahead leaves raWaiting once, for raRunning (its goroutine
	// decodes and closes done) or raTaken (taken back here, or dropped by
	// its goroutine on Cancel: done stays open).
	if !p.state.CompareAndSwap(raWaiting, raTaken) && p.state.Load() == raRunning {
		<-p.done
		return p.blk, p.err
	}
	return c.decode(p.block, nil)
}
