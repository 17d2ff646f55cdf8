package ship

import (
	"cmp"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"
)

// Oversize says what happens to a message longer than the event size limit.
type Oversize int

const (
	// Split cuts an oversize message, at UTF-8 character boundaries, into
	// consecutive events with the same timestamp; nothing is lost and the
	// pieces stay in order.
	Split Oversize = iota
	// Truncate keeps the head of an oversize message and appends the
	// truncation marker, so the result is exactly at the limit or below.
	Truncate
)

// DefaultTruncateMarker ends a truncated message.
const DefaultTruncateMarker = "…[truncated]"

// fitter prepares messages for the API: valid UTF-8, not empty, no longer
// than maxEvent bytes.
type fitter struct {
	maxEvent int
	oversize Oversize
	marker   string
	valid    bool // Options.ValidUTF8: the caller made messages valid UTF-8
}

// fit appends the events that carry msg to dst and counts what it changed
// in st. Invalid UTF-8 is replaced by U+FFFD first, so that the sizes
// counted here are the sizes the server counts.
func (f *fitter) fit(dst []Event, ts int64, msg string, st *Stats) []Event {
	if msg == "" {
		st.Empty++
		return dst
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	if len(msg) <= f.maxEvent {
		return append(dst, Event{Timestamp: ts, Message: msg})
	}
	if f.oversize == Truncate {
		st.Truncated++
		head := msg[:cutPoint(msg, f.maxEvent-len(f.marker))]
		return append(dst, Event{Timestamp: ts, Message: head + f.marker})
	}
	st.Split++
	for msg != "" {
		n := cutPoint(msg, f.maxEvent)
		dst = append(dst, Event{Timestamp: ts, Message: msg[:n]})
		msg = msg[n:]
	}
	return dst
}

// fits reports whether msg needs no change from fit.
func (f *fitter) fits(msg string) bool {
	return msg != "" && len(msg) <= f.maxEvent && (f.valid || utf8.ValidString(msg))
}

// cutPoint returns the largest n ≤ max such that s[:n] ends on a character
// boundary. A character longer than max is cut through only when max is
// below 4, which Options validation rules out.
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

// eventSize is an event's share of a batch's size.
func eventSize(e *Event) int { return len(e.Message) + EventOverhead }

// sortEvents orders events by timestamp, keeping the order of equal
// timestamps, as PutLogEvents requires.
func sortEvents(evs []Event) {
	byTime := func(a, b Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) }
	if !slices.IsSortedFunc(evs, byTime) {
		slices.SortStableFunc(evs, byTime)
	}
}

// batchLimits bound one PutLogEvents call.
type batchLimits struct {
	events int
	bytes  int
	span   int64
}

// batches yields consecutive runs of sorted events, each within the limits
// of one call. Every event must fit a batch on its own (fit ensures it).
func batches(evs []Event, l batchLimits) iter.Seq[[]Event] {
	return func(yield func([]Event) bool) {
		for i := 0; i < len(evs); {
			j, size := i, 0
			for j < len(evs) && j-i < l.events && size+eventSize(&evs[j]) <= l.bytes && evs[j].Timestamp-evs[i].Timestamp <= l.span {
				size += eventSize(&evs[j])
				j++
			}
			if j == i { // an event larger than a batch: a bug in the caller
				panic("ship: event larger than a batch")
			}
			if !yield(evs[i:j]) {
				return
			}
			i = j
		}
	}
}
