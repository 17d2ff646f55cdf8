package segment

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/logpond/logpond/internal/loadgen"
)

// randomMessage returns a message meant to exercise the template encoding
// and the tokenizer: log lines, unicode, reserved bytes, numbers with and
// without leading zeros, hex strings of every length, the event's own
// timestamp, and now and then a large message.
func randomMessage(r *rand.Rand, corpus *loadgen.Corpus, ts int64) string {
	switch r.IntN(12) {
	case 0, 1, 2, 3:
		return corpus.Next(ts)
	case 4:
		return "héllo wörld ✓ 日本語 " + strconv.Itoa(r.IntN(1000)) + " ünïcödé-" + strconv.Itoa(r.IntN(10))
	case 5:
		b := make([]byte, 1+r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	case 6:
		b := make([]byte, 1+r.IntN(30))
		const alphabet = "\x00\x01\x02\x03\x04\x05 0123456789abcdef-_\"xA"
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	case 7:
		n := 1 + r.IntN(600)
		b := make([]byte, n)
		for i := range b {
			b[i] = "0123456789abcdef"[r.IntN(16)]
		}
		return fmt.Sprintf("trace=%s id:%s", b, b[:n/2])
	case 8:
		return fmt.Sprintf(`{"ts":%d,"n":%d,"z":"%03d","big":%d%d,"neg":-%d}`, ts, r.Uint64(), r.IntN(100), r.Uint64(), r.Uint64(), r.IntN(5))
	case 9:
		if r.IntN(20) == 0 {
			n := 1 + r.IntN(MaxMessageSize)
			if r.IntN(2) == 0 {
				n = MaxMessageSize
			}
			return strings.Repeat("large "+strconv.Itoa(r.IntN(100)), n/6+1)[:n]
		}
		return "x"
	case 10:
		return strconv.FormatInt(ts, 10)
	}
	return fmt.Sprintf("%d %s", r.IntN(3), "ERROR NEEDLE-f00d-cafe 0xDEADBEEF")
}

// genEvents returns sorted events of nStreams streams with about perStream
// events each; timestamps repeat often and sequence numbers are unique.
func genEvents(seed uint64, nStreams, perStream int) []Event {
	r := rand.New(rand.NewPCG(seed, 1))
	corpus := loadgen.NewCorpus(seed)
	var evs []Event
	seq := uint64(r.IntN(1000))
	for s := 0; s < nStreams; s++ {
		stream := uint64(s*3 + 1)
		ts := int64(1767225600000 + r.IntN(1000))
		if r.IntN(5) == 0 {
			ts = int64(r.IntN(100)) - 50 // negative and small timestamps too
		}
		n := r.IntN(2*perStream + 1)
		for i := 0; i < n; i++ {
			ts += int64(r.IntN(3)) * int64(r.IntN(50))
			seq += 1 + uint64(r.IntN(20))
			evs = append(evs, Event{
				Stream:    stream,
				Timestamp: ts,
				Ingestion: ts + int64(r.IntN(5000)) - 100,
				Seq:       seq,
				Message:   randomMessage(r, corpus, ts),
			})
		}
	}
	sortEvents(evs)
	return evs
}

func cmpEvents(a, b Event) int {
	return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Seq, b.Seq))
}

func sortEvents(evs []Event) { slices.SortFunc(evs, cmpEvents) }

// writeSegment writes evs to an in-memory segment.
func writeSegment(t testing.TB, evs []Event, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openBytes(t testing.TB, b []byte, opts ReaderOptions) *Reader {
	t.Helper()
	r, err := NewReader("mem", bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// collect reads a query's events.
func collect(r *Reader, q Query) ([]Event, CursorStats, error) {
	var out []Event
	c := r.Cursor(q)
	for c.Next() {
		out = append(out, c.Event())
	}
	return out, c.Stats(), c.Err()
}

// model returns the events of evs that q selects, in q's order, ignoring
// q.Terms.
func model(evs []Event, q Query) []Event {
	end := q.End
	if end == 0 {
		end = 1<<63 - 1
	}
	var out []Event
	for _, e := range evs {
		if e.Stream == q.Stream && e.Timestamp >= q.Start && e.Timestamp < end {
			out = append(out, e)
		}
	}
	if q.Backward {
		slices.Reverse(out)
	}
	return out
}

func streamsOf(evs []Event) []uint64 {
	var ids []uint64
	for _, e := range evs {
		if len(ids) == 0 || ids[len(ids)-1] != e.Stream {
			ids = append(ids, e.Stream)
		}
	}
	return ids
}

func diffEvents(got, want []Event) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			g, w := got[i], want[i]
			return fmt.Sprintf("event %d: got (%d, %d, %d, %d, %.40q…) want (%d, %d, %d, %d, %.40q…)", i,
				g.Stream, g.Timestamp, g.Ingestion, g.Seq, g.Message, w.Stream, w.Timestamp, w.Ingestion, w.Seq, w.Message)
		}
	}
	return ""
}

func isCorruption(err error) bool {
	var ce *CorruptionError
	return errors.As(err, &ce)
}
