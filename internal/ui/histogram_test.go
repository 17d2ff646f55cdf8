package ui

import (
	"testing"

	"github.com/logpond/logpond/internal/store"
)

func TestBucketWidthIsTheSmallestNiceStepThatFits(t *testing.T) {
	f := func(span int64, n int, want int64) {
		t.Helper()
		if got := bucketWidth(span, n); got != want {
			t.Errorf("bucketWidth(%d, %d) = %d, want %d", span, n, got, want)
		}
	}
	f(1, 60, 1)
	f(60_000, 60, 1000)
	f(60_001, 60, 2000)
	f(3_600_000, 60, 60_000)
	f(3_600_000, 100, 60_000)
	f(24*3_600_000, 60, 30*60_000)
	f(7*24*3_600_000, 60, 3*3_600_000)
	f(365*24*3_600_000, 10, 60*24*3_600_000) // past the largest step: multiples of it
}

func TestEventIDsRoundTrip(t *testing.T) {
	for _, k := range []store.Key{{Timestamp: 0, Seq: 1}, {Timestamp: 1_700_000_000_123, Seq: 42}, {Timestamp: -5, Seq: 1 << 60}} {
		id := formatEventID(&store.FilteredEvent{Event: store.Event{Timestamp: k.Timestamp, Seq: k.Seq}, StreamID: 123456789})
		got, ok := parseEventID(id)
		if !ok || got != k || len(id) != 56 {
			t.Errorf("%+v -> %s -> %+v %v", k, id, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "0000000000000000000a00000000000000000000000000000000000000"} {
		if _, ok := parseEventID(bad); ok {
			t.Errorf("parseEventID(%q) succeeded", bad)
		}
	}
}

func TestFloorDiv(t *testing.T) {
	for _, c := range [][3]int64{{7, 2, 3}, {-7, 2, -4}, {-8, 2, -4}, {0, 5, 0}} {
		if got := floorDiv(c[0], c[1]); got != c[2] {
			t.Errorf("floorDiv(%d, %d) = %d", c[0], c[1], got)
		}
	}
}
