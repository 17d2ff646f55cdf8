package segment

import (
	"math"
	"sort"
)

// Query selects the events of one stream for a Cursor.
type Query struct {
	Stream uint64
	// Start is the first timestamp included; End the first excluded, with
	// 0 meaning no upper bound.
	Start, End int64
	// Backward iterates from the newest event to the oldest.
	Backward bool
	// Terms are substrings that every wanted message contains
	// (query.FilterPattern.RequiredTerms). Blocks whose bloom filter shows
	// that a term cannot occur are skipped; the events of the other blocks
	// are all returned, matching or not: the caller still matches them.
	Terms []string
	// NoMessages leaves out the messages of blocks that lie wholly within
	// [Start, End): such blocks are read without decompressing their text,
	// and their events come with an empty Message. MessageSize still
	// accounts for their bytes. Blocks the range cuts are read whole, so
	// that the sizes of the events returned from them are exact.
	NoMessages bool
	// JSONOnly leaves out the messages that cannot be JSON objects: those
	// whose first byte that is not JSON white space (space, tab, newline,
	// carriage return) is not '{'. Their events come with an empty
	// Message; MessageSize is still exact. Blocks are taken from the cache
	// when it has them, else read without rebuilding those messages (and
	// not cached). NoMessages, where it applies, takes precedence.
	JSONOnly bool
	// JSONFields, with JSONOnly, are the top-level JSON keys the caller
	// reads (query.Insights.JSONFields). A JSON message of a version-2
	// block may then come as the object of its members with these keys
	// only, when the caller's reading of them cannot tell the difference
	// (project.go). MessageSize is still the length of the whole message.
	JSONFields []string
	// SkipJSONOnly, with JSONOnly, passes over the events whose messages
	// JSONOnly left out instead of returning them; Cursor.TakeSkipped
	// counts them. Events of blocks taken whole from the cache are all
	// returned.
	SkipJSONOnly bool
	// Need are substrings that every wanted message contains, like Terms,
	// but also those without bloom keys: an event whose template shows
	// that it lacks one is skipped without its message being rebuilt
	// (see need.go). The events given may still not contain them: the
	// caller matches. Blocks are taken from the cache when it has them,
	// else read that way (and not cached).
	Need []string
	// NeedOrBackslash says that a wanted message may lack the terms of
	// Need when it contains a backslash (query.FilterPattern's
	// TermsUnlessEscaped): such events are given too.
	NeedOrBackslash bool
	// CountPassed, with Terms or Need, counts the events that bloom
	// filters and Need leave out of blocks that lie wholly within
	// [Start, End) (TakePassed), and reads the blocks the range cuts
	// whole: a reader that reports how many events it scanned
	// (Logs Insights' recordsScanned) then counts every event once.
	CountPassed bool
	// Batches, in a forward read with NoMessages, or with JSONOnly and
	// JSONFields, hands over the events of each block
	// that lies wholly within [Start, End) by the batch (batch.go): Next
	// then stops at a Batch as well as at events. With NoMessages a batch
	// holds all the block's events; with JSONFields those that need no
	// message, the others coming one by one. Blocks taken whole from the
	// cache come one event at a time.
	Batches bool
	// Prefetch reads the next block in the background while the events
	// of one are consumed (readahead.go): for scans that go on through
	// many blocks, which then use a second core.
	Prefetch bool
	// Cancel, when not nil, is closed by the caller once it no longer
	// reads the cursor: read-aheads that have not started are dropped.
	Cancel <-chan struct{}
}

// CursorStats count what a Cursor did, for tests, benchmarks and metrics.
type CursorStats struct {
	BlocksRead    int // blocks decoded or taken from the cache
	BlocksSkipped int // blocks ruled out by their bloom filter
	BloomReads    int // reads of bloom filters from the file
	EventsSkipped int // left out by Query.Need
	Reloads       int // blocks decoded again after Release
}

// Skipped counts the events a Cursor passed over (Query.SkipJSONOnly):
// how many, their message bytes (as MessageSize would have given them),
// and the smallest (timestamp, sequence) among them.
type Skipped struct {
	Events, Bytes int64
	FirstTS       int64
	FirstSeq      uint64
}

// Passed counts the events a Cursor left out by Terms and Need
// (Query.CountPassed), and their message bytes.
type Passed struct{ Events, Bytes int64 }

// Add adds the events of o to s.
func (s *Skipped) Add(o Skipped) {
	if o.Events == 0 {
		return
	}
	if s.Events == 0 || o.FirstTS < s.FirstTS || o.FirstTS == s.FirstTS && o.FirstSeq < s.FirstSeq {
		s.FirstTS, s.FirstSeq = o.FirstTS, o.FirstSeq
	}
	s.Events += o.Events
	s.Bytes += o.Bytes
}

// Cursor iterates the events of one stream of a segment in (timestamp,
// sequence) order, or the reverse. It holds no file handle and no
// goroutine, so it needs no Close: drop it when done. A Cursor is not safe
// for concurrent use.
//
//	c := r.Cursor(segment.Query{Stream: id, Start: from})
//	for c.Next() {
//		e := c.Event()
//		...
//	}
//	if err := c.Err(); err != nil { ... }
type Cursor struct {
	r        *Reader
	start    int64
	end      int64 // exclusive
	backward bool
	keys     []uint64
	stream   uint64

	lo, hi int // candidate blocks [lo, hi)
	next   int // next block to load

	blk         *Block
	cur         int // index of blk
	blkStrm     uint64
	blkBytes    uint64 // message bytes of blk
	i, iend     int    // events [i, iend) of blk remain (backward: iend-1 down to i)
	ev          Event
	size        int // of ev's message
	noMsgs      bool
	jsonOnly    bool
	fields      []string // Query.JSONFields
	skipJSON    bool     // Query.SkipJSONOnly
	batches     bool     // Query.Batches
	bat         *Batch   // the batch Next stopped at
	colBat      Batch    // the batch of a block without messages
	skipped     Skipped
	passed      Passed // Query.CountPassed
	countPassed bool
	need        *needSet
	prefetch    bool
	cancel      <-chan struct{}
	ahead       []*readAhead // the next blocks, in the order loadNext needs them, being read in the background
	spare       *Block       // a block without messages the cursor is done with, to reuse
	err         error
	allBlock    bool // iterate every block regardless of stream (Merge)
	// released: Release dropped blk, which Next decodes again and resumes
	// at events [relI, relEnd).
	released     bool
	relI, relEnd int

	blooms           []byte // bloom filters of blocks [bloomLo, bloomHi)
	bloomLo, bloomHi int
	stats            CursorStats
}

// bloomBatch bounds the bytes of bloom filters a Cursor reads at once.
const bloomBatch = 1 << 20

// Cursor returns a cursor over the events of q.Stream with timestamps in
// [q.Start, q.End). A stream the segment does not hold gives no events.
func (r *Reader) Cursor(q Query) *Cursor {
	c := &Cursor{r: r, start: q.Start, end: q.End, backward: q.Backward, stream: q.Stream, noMsgs: q.NoMessages, jsonOnly: q.JSONOnly, fields: q.JSONFields, skipJSON: q.JSONOnly && q.SkipJSONOnly}
	c.batches = q.Batches && !q.Backward && (q.NoMessages || q.JSONOnly && q.JSONFields != nil)
	if c.end == 0 {
		c.end = math.MaxInt64
	}
	for _, t := range q.Terms {
		c.keys = appendTermKeys(c.keys, t)
	}
	c.need = newNeedSet(q.Need, q.NeedOrBackslash)
	c.countPassed = q.CountPassed
	c.prefetch, c.cancel = q.Prefetch, q.Cancel
	s := r.stream(q.Stream)
	if s == nil || c.start >= c.end {
		return c
	}
	blocks := r.blocks[s.firstBlock : s.firstBlock+s.Blocks]
	// Blocks of a stream are in time order and overlap at most at their
	// ends: the candidates are a contiguous run.
	lo := sort.Search(len(blocks), func(i int) bool { return blocks[i].maxTS >= c.start })
	hi := sort.Search(len(blocks), func(i int) bool { return blocks[i].minTS >= c.end })
	c.lo, c.hi = s.firstBlock+lo, s.firstBlock+max(lo, hi)
	c.next = c.lo
	if c.backward {
		c.next = c.hi - 1
	}
	return c
}

// allEvents returns a cursor over every event of the segment, in file order
// (by stream, then time).
func (r *Reader) allEvents() *Cursor {
	return &Cursor{r: r, start: math.MinInt64, end: math.MaxInt64, hi: len(r.blocks), allBlock: true}
}

// Next advances to the next event and reports whether there is one. It
// returns false at the end and after an error; see Err.
func (c *Cursor) Next() bool {
	c.bat = nil
	if c.released && !c.reload() {
		return false
	}
	for c.err == nil {
		if c.blk != nil && c.i < c.iend {
			j := c.i
			if c.backward {
				c.iend--
				j = c.iend
			} else {
				c.i++
			}
			if c.blk.sparse && c.blk.offs[j] == c.blk.offs[j+1] {
				c.stats.EventsSkipped++
				continue
			}
			if (c.skipJSON || c.blk.batch != nil) && c.blk.sizes != nil && c.blk.offs[j] == c.blk.offs[j+1] {
				// A message JSONOnly left out (a JSON one is never empty):
				// in the block's batch, if it has one, which holds all of
				// them; else skipped and counted.
				if c.blk.batch == nil {
					c.skip(j)
				}
				continue
			}
			c.ev = c.blk.event(c.blkStrm, j)
			c.size = len(c.ev.Message)
			if c.blk.sizes != nil {
				c.size = int(c.blk.sizes[j])
			} else if c.blk.offs == nil {
				// No messages: share the block's bytes out so that its
				// events sum to them.
				n, k := uint64(len(c.blk.ts)), uint64(j)
				c.size = int(c.blkBytes*(k+1)/n - c.blkBytes*k/n)
			}
			return true
		}
		if c.blk != nil && c.blk.offs == nil {
			// A block without messages is the cursor's own (never
			// cached), and the events it gave hold nothing of it.
			c.spare = c.blk
		}
		if c.blk != nil && c.blk.pooled { // every block with a batch is
			putBlock(c.blk) // with its batch, handed over when the block was loaded
		}
		c.blk = nil
		if !c.loadNext() {
			return false
		}
		if c.bat = c.batchOf(); c.bat != nil {
			return true
		}
	}
	return false
}

// batchOf returns the batch of the block just loaded, if it is one to hand
// over (Query.Batches).
func (c *Cursor) batchOf() *Batch {
	b := c.blk
	switch {
	case !c.batches:
		return nil
	case b.batch != nil:
		return b.batch
	case b.offs != nil || c.i != 0 || c.iend != len(b.ts):
		return nil
	}
	// A block without messages, wholly in range: all its events.
	c.colBat = Batch{TS: b.ts, Seq: b.seq, Bytes: int64(c.blkBytes)}
	c.i = c.iend
	return &c.colBat
}

// Batch returns the batch Next stopped at, or nil when it stopped at an
// event (Query.Batches). Its slices share the cursor's memory: they are
// valid until the next call of Next.
func (c *Cursor) Batch() *Batch { return c.bat }

// Release drops the blocks the cursor holds, decoded or being read ahead,
// and keeps its place: the next Next decodes its current block again
// (Stats().Reloads) and goes on from there. A released cursor reads no
// more ahead. The current Event's Message shares the dropped block's
// memory, which it keeps alive: copy it to free the block.
func (c *Cursor) Release() {
	for _, p := range c.ahead {
		p.state.CompareAndSwap(raWaiting, raTaken) // dropped unless started
	}
	c.ahead, c.prefetch, c.spare = nil, false, nil
	if c.blk != nil && c.i < c.iend {
		c.released, c.relI, c.relEnd = true, c.i, c.iend
	}
	c.blk = nil
}

// reload decodes again the block Release dropped.
func (c *Cursor) reload() bool {
	c.released = false
	b, err := c.decode(c.cur, nil)
	if err != nil {
		c.err = err
		return false
	}
	c.blk, c.i, c.iend = b, c.relI, c.relEnd
	c.stats.BlocksRead++
	c.stats.Reloads++
	return true
}

// HeldBytes estimates the memory of the blocks the cursor holds: its
// current block, and those it reads ahead (by their message bytes).
func (c *Cursor) HeldBytes() int64 {
	var n int64
	if c.blk != nil {
		n = int64(c.blk.Size())
	}
	for _, p := range c.ahead {
		e := &c.r.blocks[p.block]
		n += int64(e.msgBytes) + 28*int64(e.count)
	}
	return n
}

// skip counts event j of the current block as skipped.
func (c *Cursor) skip(j int) {
	b := c.blk
	c.skipped.Add(Skipped{Events: 1, Bytes: int64(b.sizes[j]), FirstTS: b.ts[j], FirstSeq: b.seq[j]})
}

// loadNext loads the next candidate block that the bloom filters allow.
func (c *Cursor) loadNext() bool {
	for {
		bi := c.next
		if c.backward {
			if bi < c.lo {
				return false
			}
			c.next--
		} else {
			if bi >= c.hi {
				return false
			}
			c.next++
		}
		e := &c.r.blocks[bi]
		whole := e.minTS >= c.start && e.maxTS < c.end
		if len(c.keys) > 0 && (whole || !c.countPassed) {
			ok, err := c.bloomAllows(bi)
			if err != nil {
				c.err = err
				return false
			}
			if !ok {
				c.stats.BlocksSkipped++
				if c.countPassed {
					c.passed.Events += int64(e.count)
					c.passed.Bytes += int64(e.msgBytes)
				}
				continue
			}
		}
		var b *Block
		var err error
		if p := c.nextAhead(bi); p != nil {
			b, err = c.take(p)
		} else {
			b, err = c.decode(bi, c.spare)
			c.spare = nil
		}
		if err != nil {
			c.err = err
			return false
		}
		if c.prefetch {
			c.readAhead(b)
		}
		if c.countPassed && b.sparse {
			// Whole (decode reads cut blocks whole): what is not a
			// candidate was passed over, and msgs holds the candidates.
			cands := 0
			for j := range len(b.ts) {
				if b.offs[j+1] > b.offs[j] {
					cands++
				}
			}
			c.passed.Events += int64(e.count) - int64(cands)
			c.passed.Bytes += int64(e.msgBytes) - int64(len(b.msgs))
		}
		c.cur = bi
		c.stats.BlocksRead++
		c.stats.EventsSkipped += b.skipped
		c.blk, c.blkStrm, c.blkBytes = b, e.stream, uint64(e.msgBytes)
		c.i = sort.Search(len(b.ts), func(i int) bool { return b.ts[i] >= c.start })
		c.iend = sort.Search(len(b.ts), func(i int) bool { return b.ts[i] >= c.end })
		return true
	}
}

// decode reads block bi the way the cursor's query asks for. It reads only
// fields set when the cursor was made, so read-ahead may call it from
// another goroutine (with a nil spare).
func (c *Cursor) decode(bi int, spare *Block) (*Block, error) {
	e := &c.r.blocks[bi]
	switch {
	case c.allBlock:
		return c.r.loadBlock(bi) // merges stay out of the cache
	case c.noMsgs && e.minTS >= c.start && e.maxTS < c.end:
		return c.r.loadColumns(bi, spare)
	case c.need != nil && (!c.countPassed || e.minTS >= c.start && e.maxTS < c.end):
		if b, ok := parked.take(CacheKey{Segment: c.r.id, Block: bi, need: c.need.key}); ok {
			return b, nil
		}
		return c.r.blockNeed(bi, c.need)
	case c.jsonOnly:
		// A forward read through a block wholly in range may share the
		// block's bytes out evenly among projected messages, as
		// NoMessages does: their sum stays exact. Backward reads may
		// stop anywhere (Logs Insights' newest first), so they measure.
		spread := c.fields != nil && !c.backward && e.minTS >= c.start && e.maxTS < c.end
		return c.r.blockJSONOnly(bi, c.fields, spread, spread && c.batches)
	}
	return c.r.block(bi)
}

// bloomAllows reports whether block bi may hold all of c.keys, reading the
// bloom filters of the next candidate blocks in one read when needed.
func (c *Cursor) bloomAllows(bi int) (bool, error) {
	r := c.r
	if bi < c.bloomLo || bi >= c.bloomHi {
		// Bloom filters of consecutive blocks are adjacent in the file.
		lo, hi := bi, bi+1
		size := int64(r.blocks[bi].bloomLen)
		if c.backward {
			for lo > c.lo && size+int64(r.blocks[lo-1].bloomLen) <= bloomBatch {
				lo--
				size += int64(r.blocks[lo].bloomLen)
			}
		} else {
			for hi < c.hi && size+int64(r.blocks[hi].bloomLen) <= bloomBatch {
				size += int64(r.blocks[hi].bloomLen)
				hi++
			}
		}
		if int64(cap(c.blooms)) < size {
			c.blooms = make([]byte, size)
		}
		c.blooms = c.blooms[:size]
		if err := r.readAt(c.blooms, r.blocks[lo].bloomOff); err != nil {
			c.bloomLo, c.bloomHi = 0, 0
			return false, err
		}
		c.bloomLo, c.bloomHi = lo, hi
		c.stats.BloomReads++
	}
	e := &r.blocks[bi]
	rel := e.bloomOff - r.blocks[c.bloomLo].bloomOff
	f := c.blooms[rel : rel+int64(e.bloomLen)]
	if err := r.checkBloom(bi, f); err != nil {
		return false, err
	}
	return bloomHas(f, c.keys), nil
}

// Event returns the current event. Its Message shares the memory of a
// decoded block, which is immutable; holding the string keeps that block
// alive, so copy it (strings.Clone) to keep it long.
func (c *Cursor) Event() Event { return c.ev }

// MessageSize returns the length in bytes of the current event's message,
// also when NoMessages or JSONOnly left the message out. For events of
// blocks read without messages it is the block's message bytes shared out
// evenly (the sizes of a block's events add up to its exact total).
func (c *Cursor) MessageSize() int { return c.size }

// TakePassed returns what the cursor has left out since the last call
// (Query.CountPassed).
func (c *Cursor) TakePassed() Passed {
	p := c.passed
	c.passed = Passed{}
	return p
}

// TakeSkipped returns what the cursor has passed over since the last call
// (Query.SkipJSONOnly).
func (c *Cursor) TakeSkipped() Skipped {
	s := c.skipped
	c.skipped = Skipped{}
	return s
}

// Err returns the error that stopped the cursor, if any: a
// *CorruptionError, ErrClosed or an I/O error.
func (c *Cursor) Err() error { return c.err }

// Loads returns the blocks the cursor has loaded so far (Stats().BlocksRead).
func (c *Cursor) Loads() int { return c.stats.BlocksRead }

// Stats returns what the cursor has done so far.
func (c *Cursor) Stats() CursorStats { return c.stats }

// Parking. A FilterLogEvents page ends in the middle of its streams; the
// next page opens new cursors that start where the old ones stopped, and
// would decode again the block each stopped in and drop the blocks read
// ahead (on the loadgen corpus, `ERROR` over 1M events took ~1,100 block
// decodes in six pages for ~850 blocks). A search's blocks depend only on
// the block and the search terms, so a cursor dropped mid-block parks its
// current block and its finished read-aheads, and a cursor of the same search
// takes them (once: a block taken is no longer parked). Parked blocks hold
// only candidates (a few KiB each); the package keeps at most parkedBytes
// of them, least recently used first out.

const parkedBytes = 16 << 20

var parked = NewLRU(parkedBytes)

// Park keeps the blocks of a search cursor (Query.Need) that it decoded
// but did not finish, for a later cursor of the same search. Call it when
// dropping the cursor, before closing Query.Cancel; other cursors do
// nothing.
func (c *Cursor) Park() {
	if c.need == nil {
		return
	}
	if c.blk != nil && c.blk.sparse && c.i < c.iend {
		parked.Add(CacheKey{Segment: c.r.id, Block: c.cur, need: c.need.key}, c.blk)
	}
	for _, p := range c.ahead {
		if p.state.Load() != raRunning {
			continue
		}
		select {
		case <-p.done:
			if p.err == nil && p.blk.sparse {
				parked.Add(CacheKey{Segment: c.r.id, Block: p.block, need: c.need.key}, p.blk)
			}
		default: // still decoding: not worth waiting for
		}
	}
}
