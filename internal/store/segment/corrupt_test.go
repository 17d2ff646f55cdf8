package segment

import (
	"bytes"
	"errors"
	"testing"
)

// smallSegment returns a segment of a few blocks in two streams.
func smallSegment(t testing.TB) ([]Event, []byte) {
	t.Helper()
	var evs []Event
	for _, e := range genEvents(31, 2, 60) {
		if len(e.Message) < 2000 {
			evs = append(evs, e)
		}
	}
	return evs, writeSegment(t, evs, Options{BlockSize: 4 << 10, GroupID: 3})
}

// readEverything reads every stream both ways, with and without terms, and
// checks that whatever comes back is right. It returns the first error.
func readEverything(t *testing.T, r *Reader, evs []Event) error {
	t.Helper()
	var first error
	for _, id := range streamsOf(evs) {
		for _, q := range []Query{
			{Stream: id, Start: -1 << 62},
			{Stream: id, Start: -1 << 62, Backward: true},
			{Stream: id, Start: -1 << 62, Terms: []string{"NEEDLE-f00d-cafe"}},
		} {
			got, _, err := collect(r, q)
			want := model(evs, q)
			if len(q.Terms) == 0 {
				if len(got) > len(want) || diffEvents(got, want[:len(got)]) != "" {
					t.Fatalf("%+v returned wrong events: %s", q, diffEvents(got, want[:min(len(got), len(want))]))
				}
			}
			if err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func TestCorruptionFlipEveryByte(t *testing.T) {
	evs, data := smallSegment(t)
	if r := openBytes(t, data, ReaderOptions{}); len(r.blocks) < 3 {
		t.Fatalf("only %d blocks", len(r.blocks))
	}
	t.Logf("%d bytes", len(data))
	for i := range data {
		b := bytes.Clone(data)
		b[i] ^= 0xff
		r, err := NewReader("mem", bytes.NewReader(b), int64(len(b)), ReaderOptions{})
		if err != nil {
			if !isCorruption(err) {
				t.Fatalf("flip at %d: Open: %v, want a *CorruptionError", i, err)
			}
			continue
		}
		if err := readEverything(t, r, evs); err != nil && !isCorruption(err) {
			t.Fatalf("flip at %d: read: %v, want a *CorruptionError", i, err)
		}
		if err := r.Verify(); !isCorruption(err) {
			t.Fatalf("flip at %d: Verify: %v, want a *CorruptionError", i, err)
		}
	}
}

func TestCorruptionTruncateAndExtend(t *testing.T) {
	_, data := smallSegment(t)
	for n := 0; n < len(data); n++ {
		_, err := NewReader("mem", bytes.NewReader(data[:n]), int64(n), ReaderOptions{})
		if !isCorruption(err) {
			t.Fatalf("truncated to %d bytes: %v, want a *CorruptionError", n, err)
		}
	}
	long := append(bytes.Clone(data), 0, 0, 0, 0)
	if _, err := NewReader("mem", bytes.NewReader(long), int64(len(long)), ReaderOptions{}); !isCorruption(err) {
		t.Fatalf("extended: %v, want a *CorruptionError", err)
	}
}

// TestCorruptionFileShrinksUnderReader: a file that gets shorter after Open
// gives corruption errors, not panics.
func TestCorruptionFileShrinksUnderReader(t *testing.T) {
	evs, data := smallSegment(t)
	r := openBytes(t, data, ReaderOptions{})
	r.ra = bytes.NewReader(data[:len(data)/2])
	if err := readEverything(t, r, evs); !isCorruption(err) {
		t.Fatalf("read of a shrunk file: %v, want a *CorruptionError", err)
	}
}

func TestCorruptionErrorFields(t *testing.T) {
	_, data := smallSegment(t)
	r := openBytes(t, data, ReaderOptions{})
	off := r.blocks[1].offset
	data[off+blockHeaderSize+1] ^= 1
	err := r.Verify()
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Path != "mem" || ce.Offset != off {
		t.Fatalf("Verify: %#v, want a *CorruptionError at offset %d", err, off)
	}
}

func TestClosedReader(t *testing.T) {
	evs, data := smallSegment(t)
	r := openBytes(t, data, ReaderOptions{})
	c := r.Cursor(Query{Stream: evs[0].Stream})
	r.Close()
	if c.Next() || !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("cursor after Close: %v, want ErrClosed", c.Err())
	}
}
