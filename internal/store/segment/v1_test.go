package segment

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/logpond/logpond/internal/loadgen"
)

// The files testdata/v1-*.seg were written by the format-version-1 writer
// (commit 66daa24) from the events of v1CorpusEvents and needMessages(11,
// 3000, false/true) (need-escapes: with message bytes 00..05), with 4 KiB
// blocks (the corpus with 64 KiB ones).

func readV1(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v1CorpusEvents are the events of testdata/v1-corpus.seg: loadgen
// messages in three streams.
func v1CorpusEvents() []Event {
	c := loadgen.NewCorpus(7)
	evs := make([]Event, 0, 6000)
	ts := int64(1767225600000)
	for i := 0; i < 6000; i++ {
		ts += int64(i % 5)
		evs = append(evs, Event{Stream: uint64(1 + i%3), Timestamp: ts, Ingestion: ts + 7, Seq: uint64(i + 1), Message: c.Next(ts)})
	}
	sortEvents(evs)
	return evs
}

// TestReadVersion1 reads files of format version 1 back exactly, in every
// decoding mode.
func TestReadVersion1(t *testing.T) {
	for _, tc := range []struct {
		file string
		evs  []Event
	}{
		{"v1-corpus.seg", v1CorpusEvents()},
		{"v1-need.seg", needMessages(11, 3000, false)},
		{"v1-need-escapes.seg", needMessages(11, 3000, true)},
	} {
		r := openBytes(t, readV1(t, tc.file), ReaderOptions{})
		if r.version != 1 {
			t.Fatalf("%s: version %d", tc.file, r.version)
		}
		if err := r.Verify(); err != nil {
			t.Fatal(err)
		}
		got, _, err := collect(r, Query{Stream: tc.evs[0].Stream})
		if err != nil {
			t.Fatal(err)
		}
		var want []Event
		for _, e := range tc.evs {
			if e.Stream == tc.evs[0].Stream {
				want = append(want, e)
			}
		}
		if why := diffEvents(got, want); why != "" {
			t.Fatalf("%s: %s", tc.file, why)
		}
	}
}

// TestMergeVersion1 merges a version-1 file into a version-2 one: its
// blocks are decoded, never copied (Writer.CopyBlock refuses them), and
// the events come out the same.
func TestMergeVersion1(t *testing.T) {
	src := openBytes(t, readV1(t, "v1-corpus.seg"), ReaderOptions{})
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.CopyBlock(src, 0); err == nil {
		t.Fatal("CopyBlock of a version-1 block succeeded")
	}
	buf.Reset()
	if w, err = NewWriter(&buf, Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := Merge(w, []*Reader{src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st.BlocksCopied != 0 || st.BlocksDecoded == 0 {
		t.Errorf("merge stats %+v: want every block decoded", st)
	}
	out := openBytes(t, buf.Bytes(), ReaderOptions{})
	if out.version != formatVersion {
		t.Fatalf("merged file has version %d", out.version)
	}
	evs := v1CorpusEvents()
	for s := uint64(1); s <= 3; s++ {
		got, _, err := collect(out, Query{Stream: s})
		if err != nil {
			t.Fatal(err)
		}
		var want []Event
		for _, e := range evs {
			if e.Stream == s {
				want = append(want, e)
			}
		}
		if why := diffEvents(got, want); why != "" {
			t.Fatalf("stream %d: %s", s, why)
		}
	}
}
