package segment

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name      string
		seed      uint64
		streams   int
		perStream int
		blockSize int
	}{
		{"empty", 1, 0, 0, 0},
		{"small blocks", 2, 5, 300, 4 << 10},
		{"default blocks", 3, 3, 2000, 0},
		{"one stream", 4, 1, 5000, 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := genEvents(tc.seed, tc.streams, tc.perStream)
			data := writeSegment(t, evs, Options{BlockSize: tc.blockSize, GroupID: 42})
			r := openBytes(t, data, ReaderOptions{})
			if r.GroupID() != 42 || r.Events() != int64(len(evs)) {
				t.Fatalf("GroupID %d, Events %d; want 42, %d", r.GroupID(), r.Events(), len(evs))
			}
			if err := r.Verify(); err != nil {
				t.Fatal(err)
			}
			ids := streamsOf(evs)
			stats := r.Streams()
			if len(stats) != len(ids) {
				t.Fatalf("%d streams, want %d", len(stats), len(ids))
			}
			for i, id := range ids {
				want := model(evs, Query{Stream: id, Start: -1 << 62})
				var mb int64
				for _, e := range want {
					mb += int64(len(e.Message))
				}
				s := stats[i]
				if s.Stream != id || s.Events != int64(len(want)) || s.MessageBytes != mb ||
					s.FirstTimestamp != want[0].Timestamp || s.LastTimestamp != want[len(want)-1].Timestamp || s.DiskBytes <= 0 {
					t.Errorf("stats %+v, want stream %d with %d events, %d bytes, times %d..%d",
						s, id, len(want), mb, want[0].Timestamp, want[len(want)-1].Timestamp)
				}
				for _, back := range []bool{false, true} {
					q := Query{Stream: id, Start: -1 << 62, Backward: back}
					got, _, err := collect(r, q)
					if err != nil {
						t.Fatal(err)
					}
					if d := diffEvents(got, model(evs, q)); d != "" {
						t.Fatalf("stream %d backward=%v: %s", id, back, d)
					}
				}
			}
			if _, ok := r.Stream(1 << 40); ok {
				t.Error("Stream of an absent ID reported true")
			}
			if got, _, _ := collect(r, Query{Stream: 1 << 40}); len(got) != 0 {
				t.Error("events for an absent stream")
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	f := func(msg string, ts int64) {
		t.Helper()
		tmpl, nums, hex := appendTemplate(nil, nil, nil, msg, ts)
		h := blockHeader{count: 1, msgBytes: uint32(len(msg)), minTS: ts, maxTS: ts}
		b := &Block{ts: []int64{ts}, offs: make([]uint32, 2)}
		out, why := decodeMessages(&h, tmpl, nums, hex, b)
		if why != "" || string(out) != msg {
			t.Fatalf("%q (ts %d): decoded %q, %s", msg, ts, out, why)
		}
	}
	for _, m := range []string{
		"a", "0", "00", "007", "1234567890123456789", "12345678901234567890", "18446744073709551615",
		"\x00", "\x04\x05", "0123456789abcdef", "0123456789abcdef0", "0123456789abcdefA", "x0123456789abcdef",
		"0123456789ABCDEF", strings.Repeat("ab", 255), strings.Repeat("ab", 256), "1767225600000", "-5",
		"ts=1767225600000 1767225600001", "é0é", "a1b2", "99999999999999999999999",
	} {
		f(m, 1767225600000)
		f(m, -5)
	}
	const alphabet = "\x00\x01\x02\x03\x04\x05\xff 0123456789abcdefABC-_.\"é"
	for i := 0; i < 20000; i++ {
		b := make([]byte, 1+r.IntN(60))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		f(string(b), int64(r.IntN(1000)))
	}
}

// cancelled is a closed Query.Cancel.
var cancelled = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func TestCursorTimeRanges(t *testing.T) {
	evs := genEvents(5, 4, 1500)
	r := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{Cache: NewLRU(1 << 20)})
	rng := rand.New(rand.NewPCG(5, 5))
	for _, id := range streamsOf(evs) {
		all := model(evs, Query{Stream: id, Start: -1 << 62})
		first, last := all[0].Timestamp, all[len(all)-1].Timestamp
		for i := 0; i < 60; i++ {
			a := first - 10 + rng.Int64N(last-first+20)
			b := first - 10 + rng.Int64N(last-first+20)
			if a > b {
				a, b = b, a
			}
			if i%10 == 0 {
				b = 0
			}
			if i%10 == 1 {
				a = b // empty range
			}
			q := Query{Stream: id, Start: a, End: b, Backward: i%2 == 0}
			if i%10 == 2 {
				q.Start, q.End = math.MinInt64, 0 // every block whole
			}
			got, _, err := collect(r, q)
			if err != nil {
				t.Fatal(err)
			}
			want := model(evs, q)
			if d := diffEvents(got, want); d != "" {
				t.Fatalf("%+v: %s", q, d)
			}
			checkNoMessages(t, r, q, want)
			// Reading ahead changes nothing but the speed, also when the
			// read-aheads are cancelled (the cursor then reads itself).
			q.Prefetch = true
			if got, _, err = collect(r, q); err != nil {
				t.Fatal(err)
			}
			if d := diffEvents(got, want); d != "" {
				t.Fatalf("%+v: %s", q, d)
			}
			checkNoMessages(t, r, q, want)
			q.Cancel = cancelled
			if got, _, err = collect(r, q); err != nil {
				t.Fatal(err)
			}
			if d := diffEvents(got, want); d != "" {
				t.Fatalf("%+v, cancelled: %s", q, d)
			}
		}
	}
}

// checkNoMessages runs q without messages and checks that the cursor
// returns the events of want less the messages of the blocks it reads
// whole (all of them when q has no bounds), with sizes that add up to the
// messages' bytes and are exact for the events that have their message.
func checkNoMessages(t *testing.T, r *Reader, q Query, want []Event) {
	t.Helper()
	q.NoMessages = true
	c := r.Cursor(q)
	var got []Event
	wantBytes, gotBytes, empty := 0, 0, 0
	for c.Next() {
		if len(got) == len(want) {
			t.Fatalf("%+v without messages: more than %d events", q, len(want))
		}
		e := c.Event()
		w := want[len(got)]
		if e.Message == "" {
			empty++
			e.Message = w.Message
		} else if c.MessageSize() != len(e.Message) {
			t.Fatalf("%+v: size %d of a message of %d bytes", q, c.MessageSize(), len(e.Message))
		}
		got = append(got, e)
		wantBytes += len(w.Message)
		gotBytes += c.MessageSize()
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if d := diffEvents(got, want); d != "" {
		t.Fatalf("%+v without messages: %s", q, d)
	}
	if gotBytes != wantBytes {
		t.Fatalf("%+v: sizes add up to %d, messages to %d", q, gotBytes, wantBytes)
	}
	if q.Start == math.MinInt64 && q.End == 0 && empty != len(got) {
		t.Fatalf("%+v: %d of %d events have messages", q, len(got)-empty, len(got))
	}
}

func TestWriterRejects(t *testing.T) {
	f := func(name string, evs ...Event) {
		t.Helper()
		var sb strings.Builder
		w, err := NewWriter(&sb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			err = w.Add(e)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
		if w.Add(Event{Stream: 99, Message: "x"}) == nil {
			t.Errorf("%s: writer usable after an error", name)
		}
	}
	f("empty message", Event{Stream: 1, Seq: 1})
	f("huge message", Event{Stream: 1, Seq: 1, Message: strings.Repeat("x", MaxMessageSize+1)})
	f("stream order", Event{Stream: 2, Seq: 1, Message: "a"}, Event{Stream: 1, Seq: 2, Message: "a"})
	f("time order", Event{Stream: 1, Timestamp: 5, Seq: 1, Message: "a"}, Event{Stream: 1, Timestamp: 4, Seq: 2, Message: "a"})
	f("seq order", Event{Stream: 1, Timestamp: 5, Seq: 2, Message: "a"}, Event{Stream: 1, Timestamp: 5, Seq: 2, Message: "a"})
	if _, err := NewWriter(&strings.Builder{}, Options{BlockSize: 100}); err == nil {
		t.Error("accepted block size 100")
	}
}

func TestLiteralEnd(t *testing.T) {
	testMarkerEnd(t, literalEnd, tmLastMarker)
}

func testMarkerEnd(t *testing.T, end func([]byte, int) int, last byte) {
	r := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(40))
		for j := range b {
			if r.IntN(10) == 0 {
				b[j] = byte(r.IntN(8))
			} else {
				b[j] = byte(r.IntN(256))
			}
		}
		from := r.IntN(len(b) + 1)
		want := from
		for want < len(b) && b[want] > last {
			want++
		}
		if got := end(b, from); got != want {
			t.Fatalf("end(%x, %d) = %d, want %d", b, from, got, want)
		}
	}
}
