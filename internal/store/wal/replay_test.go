package wal

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ golden files")

// buildLog writes each group of records to its own file (rotating between
// groups) and returns the memFS, the contents of each file and the offset
// of each record in its file.
func buildLog(t testing.TB, groups ...[][]byte) (*memFS, [][]byte, [][]int64) {
	t.Helper()
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	var offsets [][]int64
	for i, g := range groups {
		if i > 0 {
			if _, err := l.Rotate(); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
		}
		off := int64(fileHeaderSize)
		var offs []int64
		for _, r := range g {
			mustAppend(t, l, r)
			offs = append(offs, off)
			off += recordHeaderSize + int64(len(r))
		}
		offsets = append(offsets, offs)
	}
	mustClose(t, l)
	var files [][]byte
	for i := range groups {
		files = append(files, fs.file(filepath.Join(dir, fileName(uint64(i+1)))))
	}
	return fs, files, offsets
}

// withFiles returns a memFS holding exactly the given files as 1, 2, ...
func withFiles(files ...[]byte) *memFS {
	fs := newMemFS()
	fs.MkdirAll("/wal", 0o755)
	for i, f := range files {
		fs.setFile(filepath.Join("/wal", fileName(uint64(i+1))), f)
	}
	return fs
}

func TestTornTail(t *testing.T) {
	recs := [][]byte{makeRecord(0, 50), makeRecord(1, 30), {}, makeRecord(3, 200), makeRecord(4, 40)}
	_, files, offsets := buildLog(t, recs)
	clean := files[0]
	last := offsets[0][len(recs)-1]
	intact := recs[:len(recs)-1]

	type tornCase struct {
		name      string
		data      []byte
		wantRecs  [][]byte
		wantTorn  int
		truncated int64 // file size after repair
	}
	var cases []tornCase
	for cut := last; cut < int64(len(clean)); cut++ {
		torn := 0
		if cut > last {
			torn = 1
		}
		cases = append(cases, tornCase{
			name: "cut at " + strconv.FormatInt(cut, 10), data: clean[:cut], wantRecs: intact, wantTorn: torn, truncated: last,
		})
	}
	for pos := last; pos < int64(len(clean)); pos++ {
		data := bytes.Clone(clean)
		data[pos] ^= 0x20
		cases = append(cases, tornCase{
			name: "flip at " + strconv.FormatInt(pos, 10), data: data, wantRecs: intact, wantTorn: 1, truncated: last,
		})
	}
	cases = append(cases,
		tornCase{"zeros after the last record", append(bytes.Clone(clean), make([]byte, 4096)...), recs, 1, int64(len(clean))},
		tornCase{"zeros over the last record", append(bytes.Clone(clean[:last]), make([]byte, len(clean)-int(last))...), intact, 1, last},
		tornCase{"damage before intact records", flip(clean, offsets[0][1]+recordHeaderSize), recs[:1], 1, offsets[0][1]},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := withFiles(tc.data)
			l, got, st := reopen(t, fs, "/wal", Options{})
			equalRecords(t, got, tc.wantRecs)
			if st.TornTails != tc.wantTorn || st.CorruptRecords != 0 || st.SkippedBytes != int64(len(tc.data))-tc.truncated {
				t.Fatalf("stats %+v, want %d torn tails and %d skipped bytes", st, tc.wantTorn, int64(len(tc.data))-tc.truncated)
			}
			if size := int64(len(fs.file("/wal/00000001.wal"))); size != tc.truncated {
				t.Fatalf("file is %d bytes after repair, want %d", size, tc.truncated)
			}
			after := makeRecord(99, 77)
			mustAppend(t, l, after)
			mustClose(t, l)

			l, got, st = reopen(t, fs, "/wal", Options{})
			defer mustClose(t, l)
			equalRecords(t, got, append(tc.wantRecs[:len(tc.wantRecs):len(tc.wantRecs)], after))
			if st.TornTails != 0 || st.CorruptRecords != 0 || st.SkippedBytes != 0 {
				t.Fatalf("second replay after repair reports damage: %+v", st)
			}
		})
	}
}

// TestTornTailOS checks the repair on the real file system for a few cuts.
func TestTornTailOS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wal")
	l := mustOpen(t, osFS{}, dir, Options{})
	a, b := makeRecord(1, 1000), makeRecord(2, 1000)
	mustAppend(t, l, a, b)
	mustClose(t, l)
	path := filepath.Join(dir, fileName(1))
	lastStart := int64(fileHeaderSize + recordHeaderSize + len(a))
	for _, cut := range []int64{lastStart + 3, lastStart + recordHeaderSize, lastStart + recordHeaderSize + 500} {
		if err := os.Truncate(path, cut); err != nil {
			t.Fatal(err)
		}
		l, got, st := reopen(t, osFS{}, dir, Options{})
		equalRecords(t, got, [][]byte{a})
		if st.TornTails != 1 {
			t.Fatalf("cut at %d: stats %+v, want a torn tail", cut, st)
		}
		if info, err := os.Stat(path); err != nil || info.Size() != lastStart {
			t.Fatalf("cut at %d: file not truncated to %d: %v %v", cut, lastStart, info.Size(), err)
		}
		mustClose(t, l)
		// Put b back as the last record of file 1 for the next cut, and
		// drop the files the reopen created.
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, frame(b)...), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{fileName(2), fileName(3)} {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func TestCorruptOlderFile(t *testing.T) {
	g1 := [][]byte{makeRecord(10, 100), makeRecord(11, 100)}
	g2 := [][]byte{makeRecord(20, 100), makeRecord(21, 5000), makeRecord(22, 100)}
	g3 := [][]byte{makeRecord(30, 100)}
	_, files, offsets := buildLog(t, g1, g2, g3)
	f2, off2 := files[1], offsets[1]
	cat := func(parts ...[][]byte) [][]byte {
		var all [][]byte
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}

	tests := []struct {
		name    string
		file2   []byte
		want    [][]byte
		badFrom int64 // offset in file 2 from which bytes are skipped
	}{
		{"payload flip", flip(f2, off2[1]+recordHeaderSize+17), cat(g1, g2[:1], g3), off2[1]},
		{"checksum flip", flip(f2, off2[2]+5), cat(g1, g2[:2], g3), off2[2]},
		{"length flip", flip(f2, off2[1]+1), cat(g1, g2[:1], g3), off2[1]},
		{"length beyond maximum", setByte(f2, off2[0]+3, 0x7f), cat(g1, g3), off2[0]},
		{"short payload", f2[:off2[1]+recordHeaderSize+10], cat(g1, g2[:1], g3), off2[1]},
		{"partial record header", f2[:off2[2]+3], cat(g1, g2[:2], g3), off2[2]},
		{"zeroed record", zero(f2, off2[1], off2[2]), cat(g1, g2[:1], g3), off2[1]},
		{"bad magic", flip(f2, 0), cat(g1, g3), 0},
		{"unknown version", setByte(f2, 4, 2), cat(g1, g3), 0},
		{"reserved byte set", setByte(f2, 6, 1), cat(g1, g3), 0},
		{"header names another file", setByte(f2, 8, 7), cat(g1, g3), 0},
		{"short file header", f2[:9], cat(g1, g3), 0},
		{"empty file", []byte{}, cat(g1, g3), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := withFiles(files[0], tt.file2, files[2])
			for round := range 2 { // the damage is reported again: it is not repaired
				l, got, st := reopen(t, fs, "/wal", Options{})
				equalRecords(t, got, tt.want)
				want := ReplayStats{
					Records: len(tt.want), Bytes: sumLen(tt.want), CorruptRecords: 1,
					SkippedBytes: int64(len(tt.file2)) - tt.badFrom, Files: 3 + round,
				}
				if st != want {
					t.Fatalf("round %d: stats %+v, want %+v", round, st, want)
				}
				if !bytes.Equal(fs.file("/wal/00000002.wal"), tt.file2) {
					t.Fatalf("round %d: the corrupt older file was modified", round)
				}
				mustClose(t, l)
			}
		})
	}
}

// TestTornTailBeforeEmptyFiles: a crash after Open created its file but
// before Replay repaired the previous one leaves header-only files after the
// torn tail; the tail is still repaired as a torn tail.
func TestTornTailBeforeEmptyFiles(t *testing.T) {
	a, b := makeRecord(1, 100), makeRecord(2, 100)
	_, files, _ := buildLog(t, [][]byte{a, b})
	torn := files[0][:len(files[0])-1]
	fs := withFiles(torn, appendFileHeader(nil, 2), appendFileHeader(nil, 3))
	l, got, st := reopen(t, fs, "/wal", Options{})
	defer mustClose(t, l)
	equalRecords(t, got, [][]byte{a})
	if st.TornTails != 1 || st.CorruptRecords != 0 || st.Files != 3 {
		t.Fatalf("stats %+v, want one torn tail in 3 files", st)
	}
	if size := len(fs.file("/wal/00000001.wal")); size != fileHeaderSize+recordHeaderSize+len(a) {
		t.Fatalf("torn file not truncated: %d bytes", size)
	}
}

// TestCorruptLastFileHeader: a last file whose header is bad is corruption,
// not a torn tail: it is skipped and left alone.
func TestCorruptLastFileHeader(t *testing.T) {
	_, files, _ := buildLog(t, [][]byte{makeRecord(1, 100)}, [][]byte{makeRecord(2, 100)})
	bad := setByte(files[1], 4, 9)
	fs := withFiles(files[0], bad)
	l, got, st := reopen(t, fs, "/wal", Options{})
	defer mustClose(t, l)
	equalRecords(t, got, [][]byte{makeRecord(1, 100)})
	if st.CorruptRecords != 1 || st.TornTails != 0 || st.SkippedBytes != int64(len(bad)) {
		t.Fatalf("stats %+v", st)
	}
	if !bytes.Equal(fs.file("/wal/00000002.wal"), bad) {
		t.Fatalf("file with a bad header was modified")
	}
}

// TestGolden pins the bytes of format version 1 (docs/format/wal.md): the
// writer must produce testdata/v1/00000001.wal exactly, and replay must read
// it. Regenerate with -update only together with a new format version.
func TestGolden(t *testing.T) {
	recs := [][]byte{{}, []byte("a"), []byte("hello, wal"), bytes.Repeat([]byte{0xAB}, 300)}
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	mustAppend(t, l, recs...)
	mustClose(t, l)
	got := fs.file(filepath.Join(dir, fileName(1)))

	golden := filepath.Join("testdata", "v1", fileName(1))
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("writer output differs from %s:\n got %x\nwant %x", golden, got, want)
	}

	fs2 := withFiles(want)
	l, replayed, st := reopen(t, fs2, "/wal", Options{})
	defer mustClose(t, l)
	equalRecords(t, replayed, recs)
	if st.TornTails+st.CorruptRecords != 0 {
		t.Fatalf("golden file replays with damage: %+v", st)
	}
}

func frame(rec []byte) []byte {
	h := recordHeader(rec)
	return append(h[:], rec...)
}

func flip(b []byte, i int64) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x01
	return b
}

func setByte(b []byte, i int64, v byte) []byte {
	b = bytes.Clone(b)
	b[i] = v
	return b
}

func zero(b []byte, from, to int64) []byte {
	b = bytes.Clone(b)
	clear(b[from:to])
	return b
}

func sumLen(recs [][]byte) int64 {
	var n int64
	for _, r := range recs {
		n += int64(len(r))
	}
	return n
}
