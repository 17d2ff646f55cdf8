package wal

import (
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"slices"
	"testing"
)

// testFS is one file system the conformance-style tests run against.
type testFS struct {
	name string
	new  func(t *testing.T) (FS, string) // returns the FS and a fresh directory in it
}

var testFSes = []testFS{
	{"os", func(t *testing.T) (FS, string) { return osFS{}, filepath.Join(t.TempDir(), "wal") }},
	{"mem", func(t *testing.T) (FS, string) { return newMemFS(), "/wal" }},
}

// makeRecord returns a self-checking record of size bytes (at least 12)
// carrying id: id, a pattern derived from id, and a CRC-32 (IEEE, unlike
// the WAL's framing) of both. checkRecord recovers id.
func makeRecord(id uint64, size int) []byte {
	size = max(size, 12)
	b := make([]byte, size)
	binary.LittleEndian.PutUint64(b, id)
	x := uint32(id)*2654435761 + 1
	for i := 8; i < size-4; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	binary.LittleEndian.PutUint32(b[size-4:], crc32.ChecksumIEEE(b[:size-4]))
	return b
}

func checkRecord(b []byte) (uint64, bool) {
	if len(b) < 12 || crc32.ChecksumIEEE(b[:len(b)-4]) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

func mustOpen(t testing.TB, fsys FS, dir string, opts Options) *Log {
	t.Helper()
	opts.FS = fsys
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func mustClose(t testing.TB, l *Log) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// replayAll replays l and returns copies of the records.
func replayAll(t testing.TB, l *Log) ([][]byte, ReplayStats) {
	t.Helper()
	var recs [][]byte
	st, err := l.Replay(func(rec []byte) error {
		recs = append(recs, slices.Clone(rec))
		return nil
	})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return recs, st
}

// reopen opens dir, replays it and returns the records; the Log stays open.
func reopen(t testing.TB, fsys FS, dir string, opts Options) (*Log, [][]byte, ReplayStats) {
	t.Helper()
	l := mustOpen(t, fsys, dir, opts)
	recs, st := replayAll(t, l)
	return l, recs, st
}

func mustAppend(t testing.TB, l *Log, recs ...[]byte) {
	t.Helper()
	for _, r := range recs {
		if err := l.Append(r); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
}

func equalRecords(t testing.TB, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("replayed %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if string(got[i]) != string(want[i]) {
			t.Fatalf("record %d: got %d bytes %.16x..., want %d bytes %.16x...", i, len(got[i]), got[i], len(want[i]), want[i])
		}
	}
}
