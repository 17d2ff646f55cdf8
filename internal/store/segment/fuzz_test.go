package segment

import (
	"bytes"
	"testing"
)

// FuzzReader opens arbitrary bytes as a segment and reads everything: it
// must return data or a *CorruptionError, never panic. The seeds are valid
// segments, which the fuzzer mutates.
func FuzzReader(f *testing.F) {
	_, small := smallSegment(f)
	f.Add(small)
	f.Add(writeSegment(f, []Event{{Stream: 1, Timestamp: 5, Seq: 1, Message: `{"ts":5,"id":"0123456789abcdef0123"} NEEDLE-f00d-cafe`}}, Options{}))
	f.Add(writeSegment(f, nil, Options{}))
	f.Add(writeSegment(f, v1CorpusEvents()[:300], Options{BlockSize: 4 << 10}))
	f.Add(readV1(f, "v1-need-escapes.seg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader("fuzz", bytes.NewReader(data), int64(len(data)), ReaderOptions{Cache: NewLRU(1 << 20)})
		if err != nil {
			if !isCorruption(err) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		for _, s := range r.Streams() {
			for _, q := range []Query{
				{Stream: s.Stream, Start: -1 << 62},
				{Stream: s.Stream, Start: s.FirstTimestamp, End: s.LastTimestamp, Backward: true},
				{Stream: s.Stream, Start: -1 << 62, Terms: []string{"NEEDLE-f00d-cafe", "0123456789abcdef0123"}},
				{Stream: s.Stream, Start: -1 << 62, Need: []string{"NEEDLE", "ts"}},
			} {
				c := r.Cursor(q)
				for c.Next() {
					e := c.Event()
					if e.Stream != s.Stream || len(e.Message) == 0 {
						t.Fatalf("bad event %+v", e)
					}
				}
				if err := c.Err(); err != nil && !isCorruption(err) {
					t.Fatalf("cursor: %v", err)
				}
			}
		}
		if err := r.Verify(); err != nil && !isCorruption(err) {
			t.Fatalf("Verify: %v", err)
		}
	})
}
