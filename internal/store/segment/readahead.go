package segment

import (
	"runtime"
	"sync/atomic"
)

// Read-ahead. A Cursor with Query.Prefetch starts goroutines to read and
// decode its next candidate blocks (readAheadDepth) as soon as it has loaded
// one, so that decoding them overlaps the caller's work on this one and the
// decoding of other cursors' blocks (a FilterLogEvents merges one cursor per
// stream). At most GOMAXPROCS read-aheads decode at once in the process;
// the others wait for a slot, oldest first. When the cursor needs a block
// whose read-ahead has not started yet, it takes the work back and decodes
// the block itself, so a cursor never waits behind other cursors'
// read-aheads. More than one block ahead matters when one cursor is read
// alone for a while (a stream's events come in runs, as from an agent's
// batches) and its blocks hold few candidates: the caller is then through a
// block before a single read-ahead has started, and would decode nearly
// every block itself.
//
// Each goroutine is owned by the cursor and ends on its own: it decodes at
// most one block and hands it over through done. When the cursor is
// dropped, the caller closes Query.Cancel, and a read-ahead that has not
// started then ends without decoding; one that has started finishes its
// block, which is then garbage.

// readAheadDepth is how many blocks a search cursor (Query.Need) reads
// ahead after a block that held at most a quarter of its events as
// candidates; other cursors read one block ahead. A scan merges one cursor
// per stream, so what a cursor holds ahead is bounded by about one block
// of every message either way.
const readAheadDepth = 3

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

// readAhead starts reading the candidate blocks after b, the one just
// loaded (those the bloom filters allow), up to the cursor's depth.
func (c *Cursor) readAhead(b *Block) {
	step, bi := 1, c.next
	if c.backward {
		step = -1
	}
	if n := len(c.ahead); n > 0 {
		bi = c.ahead[n-1].block + step
	}
	depth := 1
	if c.need != nil && b.sparse && 3*len(b.ts) <= b.skipped {
		depth = readAheadDepth
	}
	for len(c.ahead) < depth && bi >= c.lo && bi < c.hi {
		if e := &c.r.blocks[bi]; c.noMsgs && e.minTS >= c.start && e.maxTS < c.end {
			// Only its columns would be read: cheaper than handing it
			// over, and the cursor reuses its memory.
			return
		}
		if len(c.keys) > 0 {
			if ok, err := c.bloomAllows(bi); err != nil {
				return // loadNext reports the error itself
			} else if !ok {
				bi += step
				continue
			}
		}
		c.ahead = append(c.ahead, c.startReadAhead(bi))
		bi += step
	}
}

// nextAhead returns the read-ahead of block bi, the next block loadNext
// loads, or nil; it drops those of blocks before it.
func (c *Cursor) nextAhead(bi int) *readAhead {
	for len(c.ahead) > 0 {
		p := c.ahead[0]
		c.ahead = c.ahead[1:]
		if p.block == bi {
			return p
		}
		p.state.CompareAndSwap(raWaiting, raTaken) // not needed after all
	}
	return nil
}

// startReadAhead starts reading block bi in the background.
func (c *Cursor) startReadAhead(bi int) *readAhead {
	p := &readAhead{block: bi, done: make(chan struct{})}
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
		if c.need != nil && p.err == nil && p.blk.sparse {
			select {
			case <-c.cancel:
				// The read ended while this block was decoded: park it
				// for the next page, as Park does with finished ones.
				parked.Add(CacheKey{Segment: c.r.id, Block: bi, need: c.need.key}, p.blk)
			default:
			}
		}
	}()
	return p
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
