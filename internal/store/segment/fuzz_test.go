package segment

import (
	"bytes"
	"strings"
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

// FuzzRoundTrip writes the lines of the input as events (each twice, at
// different times, so that numbers fold) and reads them back: a full read
// gives them exactly, a JSON-only read the same sizes and JSON messages,
// and Verify accepts the file.
func FuzzRoundTrip(f *testing.F) {
	f.Add("{\"ts\":1767225600000,\"level\":\"ERROR\",\"n\":007}\n1.2.3.4 - [05/Nov/2026:07:08:09 +0000] \"GET /a/1 HTTP/1.1\" 200 \"ua/5.0\"")
	f.Add("\"\"\n\"a\\\"b\" \"c\"\n\x00\x05\x06 \"\x04\"\n0123456789abcdef0123456789abcdef \"00\" 0")
	f.Add(" {\"k\":\"v\"} \n{\"k\" : \"v\", \"k\":1}")
	f.Fuzz(func(t *testing.T, in string) {
		var evs []Event
		for i, m := range strings.Split(in, "\n") {
			if m == "" || len(m) > 2000 {
				continue
			}
			for k := range 2 {
				ts := int64(1767225600000 + 2*i + k)
				evs = append(evs, Event{Stream: 1 + uint64(k), Timestamp: ts, Ingestion: ts, Seq: uint64(2*i + k + 1), Message: m})
			}
		}
		if len(evs) == 0 {
			return
		}
		sortEvents(evs)
		rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
		if err := rd.Verify(); err != nil {
			t.Fatal(err)
		}
		for _, s := range []uint64{1, 2} {
			var want []Event
			for _, e := range evs {
				if e.Stream == s {
					want = append(want, e)
				}
			}
			got, _, err := collect(rd, Query{Stream: s})
			if err != nil {
				t.Fatal(err)
			}
			if why := diffEvents(got, want); why != "" {
				t.Fatal(why)
			}
			c := rd.Cursor(Query{Stream: s, JSONOnly: true})
			for i := 0; c.Next(); i++ {
				e, w := c.Event(), want[i]
				if c.MessageSize() != len(w.Message) || e.Message != "" && e.Message != w.Message {
					t.Fatalf("JSON-only event %d: %q (size %d), want %q", i, e.Message, c.MessageSize(), w.Message)
				}
			}
			if err := c.Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
