package ship

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFit(t *testing.T) {
	f := func(name string, fit fitter, msg string, want []string, wantStats Stats) {
		t.Helper()
		var st Stats
		got := fit.fit(nil, 7, msg, &st)
		var msgs []string
		for _, e := range got {
			if e.Timestamp != 7 {
				t.Errorf("%s: timestamp %d", name, e.Timestamp)
			}
			if len(e.Message) > fit.maxEvent || !utf8.ValidString(e.Message) {
				t.Errorf("%s: piece %q too long or not UTF-8", name, e.Message)
			}
			msgs = append(msgs, e.Message)
		}
		if !slices.Equal(msgs, want) {
			t.Errorf("%s: got %q, want %q", name, msgs, want)
		}
		if st != wantStats {
			t.Errorf("%s: stats %+v, want %+v", name, st, wantStats)
		}
	}
	split := fitter{maxEvent: 5, oversize: Split}
	trunc := fitter{maxEvent: 8, oversize: Truncate, marker: "[t]"}
	f("fits", split, "hello", []string{"hello"}, Stats{})
	f("empty", split, "", nil, Stats{Empty: 1})
	f("split", split, "hello world", []string{"hello", " worl", "d"}, Stats{Split: 1})
	// "é" is 2 bytes and "€" 3: pieces end on character boundaries.
	f("split utf8", split, "abcé€€", []string{"abcé", "€", "€"}, Stats{Split: 1})
	f("truncate", trunc, "hello world", []string{"hello[t]"}, Stats{Truncated: 1})
	f("truncate utf8", trunc, "abcd€€€", []string{"abcd[t]"}, Stats{Truncated: 1})
	f("invalid utf8", split, "ab\xffc", []string{"ab\uFFFD", "c"}, Stats{Split: 1})
	f("invalid fits", fitter{maxEvent: 10}, "a\xffb", []string{"a\uFFFDb"}, Stats{})
}

func TestBatches(t *testing.T) {
	f := func(name string, evs []Event, l batchLimits, want []int) {
		t.Helper()
		var got []int
		total := 0
		for b := range batches(evs, l) {
			got = append(got, len(b))
			size := 0
			for i := range b {
				size += eventSize(&b[i])
			}
			if len(b) > l.events || size > l.bytes || b[len(b)-1].Timestamp-b[0].Timestamp > l.span {
				t.Errorf("%s: batch of %d events, %d bytes breaks the limits", name, len(b), size)
			}
			total += len(b)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: batch sizes %v, want %v", name, got, want)
		}
		if total != len(evs) {
			t.Errorf("%s: %d events in batches, want %d", name, total, len(evs))
		}
	}
	same := func(n, size int) []Event {
		evs := make([]Event, n)
		for i := range evs {
			evs[i] = Event{Timestamp: 1, Message: strings.Repeat("x", size)}
		}
		return evs
	}
	api := batchLimits{events: MaxBatchEvents, bytes: MaxBatchBytes, span: MaxBatchSpanMillis}
	f("none", nil, api, nil)
	f("count", same(25_000, 1), api, []int{10_000, 10_000, 5_000})
	// 1,048,576 / (998+26) = 1024 events exactly fill a batch.
	f("bytes exact", same(2048, 998), api, []int{1024, 1024})
	f("bytes", same(2049, 998), api, []int{1024, 1024, 1})
	f("one max event", same(4, MaxEventBytes), api, []int{1, 1, 1, 1})
	day := int64(MaxBatchSpanMillis)
	span := []Event{{0, "a"}, {day, "b"}, {day + 1, "c"}, {3 * day, "d"}}
	f("span", span, api, []int{2, 1, 1})
	f("small limits", same(10, 10), batchLimits{events: 3, bytes: 1000, span: day}, []int{3, 3, 3, 1})
}

func TestSortEventsStable(t *testing.T) {
	evs := []Event{{3, "a"}, {1, "b"}, {3, "c"}, {1, "d"}, {2, "e"}}
	sortEvents(evs)
	var got []string
	for _, e := range evs {
		got = append(got, e.Message)
	}
	if want := []string{"b", "d", "e", "a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("sorted %v, want %v", got, want)
	}
}
