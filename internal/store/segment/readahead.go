package segment

import "runtime"

// Read-ahead. A Cursor with Query.Prefetch starts reading and decoding its
// next candidate block in a goroutine as soon as it has loaded one, so that
// the decoding of the next block overlaps the caller's work on this one and
// the decoding of other cursors' blocks (a FilterLogEvents merges one
// cursor per stream). The goroutine is owned by the cursor but needs no
// stopping: it decodes one block, hands it over through done and ends,
// also when the cursor was dropped meanwhile (the block is then garbage).
// At most one block per cursor is read ahead, and at most GOMAXPROCS
// read-aheads run at once in the process: when none is free the cursor
// reads its next block itself, as without Prefetch. Blocks read without
// their messages (Query.NoMessages) are not read ahead: decoding their
// columns costs less than the hand-over.

// readAheadSlots bounds the read-aheads running at once.
var readAheadSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// readAhead is one block being read in the background.
type readAhead struct {
	block int
	done  chan struct{} // closed when blk and err are set
	blk   *Block
	err   error
}

// readAhead starts reading the block after the one just loaded, if there is
// one that the bloom filters allow and a slot is free.
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
	select {
	case readAheadSlots <- struct{}{}:
	default:
		return
	}
	p := &readAhead{block: bi, done: make(chan struct{})}
	c.ahead = p
	go func() {
		defer func() { <-readAheadSlots }()
		p.blk, p.err = c.decode(bi, nil)
		close(p.done)
	}()
}
