package segment

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
)

// MergeStats count what Merge did.
type MergeStats struct {
	Events     int64 // written to the output
	Dropped    int64 // copies of events rejected by the keep function
	Duplicates int64 // further copies of events written (same stream and sequence)
	// BlocksCopied were written byte for byte; BlocksDecoded were decoded
	// and their events encoded again.
	BlocksCopied, BlocksDecoded int
	// The bounds of the events written; meaningful when Events > 0.
	MinTS, MaxTS   int64
	MinSeq, MaxSeq uint64
}

// KeepFunc says which events of a stream a merge keeps: none when keep is
// false, else those with timestamps at or after cutoff.
type KeepFunc func(stream uint64) (cutoff int64, keep bool)

// Merge writes the events of srcs to w in (stream, timestamp, sequence)
// order. Events that keep rejects are dropped (a nil keep keeps all): the
// store passes retention cutoffs and deleted streams there. Of events with
// the same stream and sequence number (the same event, sealed twice), one
// is written; such copies carry the same timestamp and so come out
// adjacent. Merge neither closes w nor the sources; on error the caller
// aborts w. A damaged source gives its *CorruptionError.
//
// Most blocks are copied as they are, with their bloom filters: for each
// stream, the blocks of all sources are put in time order and grouped into
// runs that overlap in time (a block whose first timestamp is at or before
// the run's last). A run of one block, wholly kept, of a source in the
// current format version, is copied; the events
// of the other runs are decoded, merged and encoded again. Consecutive
// blocks smaller than half the block size are grouped too, so that the
// small last blocks of many seals become full blocks. Sealed segments of a
// stream rarely overlap (events come roughly in time order), so a merge
// mostly reads and writes bytes; see docs/format/segment.md, "Merging".
func Merge(w *Writer, srcs []*Reader, keep KeepFunc) (MergeStats, error) {
	st := MergeStats{MinTS: math.MaxInt64, MaxTS: math.MinInt64, MinSeq: math.MaxUint64}
	m := merger{w: w, srcs: srcs, keep: keep, st: &st}
	for _, id := range streamIDs(srcs) {
		if err := m.stream(id); err != nil {
			return st, err
		}
	}
	return st, nil
}

// blockRef names block i of source src.
type blockRef struct {
	src, i int
	e      *blockEntry
}

type merger struct {
	w    *Writer
	srcs []*Reader
	keep KeepFunc
	st   *MergeStats
	refs []blockRef
}

// streamIDs returns the streams of srcs, in increasing order, once each.
func streamIDs(srcs []*Reader) []uint64 {
	var ids []uint64
	for _, r := range srcs {
		for i := range r.streams {
			ids = append(ids, r.streams[i].Stream)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// stream merges the blocks of one stream.
func (m *merger) stream(id uint64) error {
	cutoff, ok := int64(math.MinInt64), true
	if m.keep != nil {
		cutoff, ok = m.keep(id)
	}
	m.refs = m.refs[:0]
	for k, r := range m.srcs {
		s := r.stream(id)
		if s == nil {
			continue
		}
		if !ok {
			m.st.Dropped += s.Events
			continue
		}
		for i := s.firstBlock; i < s.firstBlock+s.Blocks; i++ {
			m.refs = append(m.refs, blockRef{src: k, i: i, e: &r.blocks[i]})
		}
	}
	// Stable: blocks of one source keep their order when they start at
	// the same time.
	slices.SortStableFunc(m.refs, func(a, b blockRef) int {
		switch {
		case a.e.minTS < b.e.minTS:
			return -1
		case a.e.minTS > b.e.minTS:
			return 1
		}
		return 0
	})
	small := func(r blockRef) bool { return int(r.e.msgBytes) < m.w.opts.BlockSize/2 }
	for lo := 0; lo < len(m.refs); {
		hi, maxTS := lo+1, m.refs[lo].e.maxTS
		for hi < len(m.refs) {
			prev, next := m.refs[hi-1], m.refs[hi]
			if small(prev) && small(next) {
				// Join, whatever the times.
			} else if next.e.minTS > maxTS {
				break
			} else if next.e.minTS == maxTS && hi == lo+1 && next.src == prev.src && next.i == prev.i+1 {
				// The next block of the same source, starting at the
				// timestamp this one ends with: already in order after
				// it (Writer.CopyBlock allows this). Rate makes it
				// common: at thousands of events a second a block cut
				// often falls inside a millisecond.
				break
			}
			maxTS = max(maxTS, next.e.maxTS)
			hi++
		}
		if err := m.run(m.refs[lo:hi], cutoff); err != nil {
			return err
		}
		lo = hi
	}
	return nil
}

// run writes one run of blocks: copied when it is one block wholly kept,
// dropped when wholly older than cutoff, else decoded and merged.
func (m *merger) run(run []blockRef, cutoff int64) error {
	maxTS := run[0].e.maxTS
	for _, r := range run {
		maxTS = max(maxTS, r.e.maxTS)
	}
	if maxTS < cutoff {
		for _, r := range run {
			m.st.Dropped += int64(r.e.count)
		}
		return nil
	}
	if e := run[0].e; len(run) == 1 && e.minTS >= cutoff && m.srcs[run[0].src].version == formatVersion {
		if err := m.w.CopyBlock(m.srcs[run[0].src], run[0].i); err != nil {
			return fmt.Errorf("merge segment %s: %w", m.srcs[run[0].src].name, err)
		}
		m.st.BlocksCopied++
		m.st.Events += int64(e.count)
		m.st.MinTS, m.st.MaxTS = min(m.st.MinTS, e.minTS), max(m.st.MaxTS, e.maxTS)
		m.st.MinSeq, m.st.MaxSeq = min(m.st.MinSeq, e.minSeq), max(m.st.MaxSeq, e.maxSeq)
		return nil
	}
	h := make(mergeHeap, 0, len(run))
	for _, r := range run {
		src := m.srcs[r.src]
		c := &Cursor{r: src, start: math.MinInt64, end: math.MaxInt64, lo: r.i, hi: r.i + 1, next: r.i, allBlock: true}
		if c.Next() {
			h = append(h, c)
		} else if err := c.Err(); err != nil {
			return fmt.Errorf("merge segment %s: %w", src.name, err)
		}
		m.st.BlocksDecoded++
	}
	heap.Init(&h)
	var last Event
	have := false
	for len(h) > 0 {
		c := h[0]
		e := c.ev
		switch {
		case e.Timestamp < cutoff:
			m.st.Dropped++
		case have && e.Seq == last.Seq:
			m.st.Duplicates++
		default:
			if err := m.w.Add(e); err != nil {
				return err
			}
			m.st.Events++
			m.st.MinTS, m.st.MaxTS = min(m.st.MinTS, e.Timestamp), max(m.st.MaxTS, e.Timestamp)
			m.st.MinSeq, m.st.MaxSeq = min(m.st.MinSeq, e.Seq), max(m.st.MaxSeq, e.Seq)
		}
		last, have = e, true
		if c.Next() {
			heap.Fix(&h, 0)
		} else {
			if err := c.Err(); err != nil {
				return fmt.Errorf("merge segment %s: %w", c.r.name, err)
			}
			heap.Pop(&h)
		}
	}
	return nil
}

type mergeHeap []*Cursor

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	a, b := &h[i].ev, &h[j].ev
	if a.Stream != b.Stream {
		return a.Stream < b.Stream
	}
	if a.Timestamp != b.Timestamp {
		return a.Timestamp < b.Timestamp
	}
	return a.Seq < b.Seq
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*Cursor)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
