package segment

import (
	"container/heap"
	"fmt"
)

// MergeStats count what Merge did.
type MergeStats struct {
	Events     int64 // written to the output
	Dropped    int64 // rejected by the keep function
	Duplicates int64 // same (stream, sequence) as the event before
}

// Merge writes the events of srcs to w in (stream, timestamp, sequence)
// order, streaming: it holds one decoded block per source. Events for which
// keep returns false are dropped (a nil keep keeps all): the store passes
// retention cutoffs and deleted streams there. Of events with the same
// stream and sequence number (the same event, sealed twice), one is
// written; such copies carry the same timestamp and so come out adjacent. Merge neither closes w nor the sources; on error the caller
// aborts w. A damaged source gives its *CorruptionError.
func Merge(w *Writer, srcs []*Reader, keep func(*Event) bool) (MergeStats, error) {
	var st MergeStats
	h := make(mergeHeap, 0, len(srcs))
	for _, r := range srcs {
		c := r.allEvents()
		if c.Next() {
			h = append(h, c)
		} else if err := c.Err(); err != nil {
			return st, fmt.Errorf("merge segment %s: %w", r.name, err)
		}
	}
	heap.Init(&h)
	var last Event
	have := false
	for len(h) > 0 {
		c := h[0]
		e := c.ev
		if have && e.Stream == last.Stream && e.Seq == last.Seq {
			st.Duplicates++
		} else if keep != nil && !keep(&e) {
			st.Dropped++
		} else {
			if err := w.Add(e); err != nil {
				return st, err
			}
			st.Events++
		}
		last, have = e, true
		if c.Next() {
			heap.Fix(&h, 0)
		} else {
			if err := c.Err(); err != nil {
				return st, fmt.Errorf("merge segment %s: %w", c.r.name, err)
			}
			heap.Pop(&h)
		}
	}
	return st, nil
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
