package wal

import (
	"errors"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		segmentSize int64
		sizes       []int // record sizes, cycled
		n           int
	}{
		{"empty log", 0, nil, 0},
		{"one record", 0, []int{100}, 1},
		{"empty and tiny records", 0, []int{0, 1, 7, 8, 9}, 50},
		{"rotation every batch", 1, []int{300}, 40},
		{"rotation by size", 4 << 10, []int{12, 1000, 5000, 20 << 10}, 200},
		{"large records", 1 << 20, []int{1100 << 10, 64 << 10}, 8},
	}
	for _, fsys := range testFSes {
		for _, tt := range tests {
			t.Run(fsys.name+"/"+tt.name, func(t *testing.T) {
				fs, dir := fsys.new(t)
				opts := Options{SegmentSize: tt.segmentSize}
				var want [][]byte
				next := func(i int) []byte {
					size := tt.sizes[i%len(tt.sizes)]
					if size < 12 {
						return make([]byte, size)
					}
					return makeRecord(uint64(i), size)
				}

				l, recs, _ := reopen(t, fs, dir, opts)
				equalRecords(t, recs, nil)
				for i := range tt.n {
					want = append(want, next(i))
					mustAppend(t, l, want[i])
				}
				mustClose(t, l)

				// Reopen twice, appending in between: records from every
				// session come back in order, and reopening repairs nothing.
				for session := range 2 {
					l, recs, st := reopen(t, fs, dir, opts)
					equalRecords(t, recs, want)
					if st.TornTails != 0 || st.CorruptRecords != 0 || st.SkippedBytes != 0 {
						t.Fatalf("session %d: clean log reported damage: %+v", session, st)
					}
					for i := range tt.n {
						r := next(tt.n*(session+1) + i)
						want = append(want, r)
						mustAppend(t, l, r)
					}
					mustClose(t, l)
				}
			})
		}
	}
}

func TestConcurrentAppenders(t *testing.T) {
	const goroutines, perG = 32, 100
	for _, fsys := range testFSes {
		t.Run(fsys.name, func(t *testing.T) {
			fs, dir := fsys.new(t)
			l := mustOpen(t, fs, dir, Options{SegmentSize: 256 << 10})
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				wg.Go(func() {
					for i := range perG {
						if err := l.Append(makeRecord(uint64(g)<<32|uint64(i), 100+(g*perG+i)%3000)); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("Append: %v", err)
			}
			st := l.Stats()
			if st.Appends != goroutines*perG {
				t.Errorf("Stats.Appends = %d, want %d", st.Appends, goroutines*perG)
			}
			if st.Fsyncs == 0 || st.Fsyncs > st.Appends {
				t.Errorf("Stats.Fsyncs = %d for %d appends", st.Fsyncs, st.Appends)
			}
			t.Logf("%d appends in %d fsyncs across %d files", st.Appends, st.Fsyncs, st.Files)
			mustClose(t, l)

			l, recs, _ := reopen(t, fs, dir, Options{})
			defer mustClose(t, l)
			next := make([]uint64, goroutines) // next expected i per goroutine
			for _, r := range recs {
				id, ok := checkRecord(r)
				if !ok {
					t.Fatalf("replayed a damaged record")
				}
				g, i := id>>32, id&(1<<32-1)
				if i != next[g] {
					t.Fatalf("goroutine %d: replayed record %d, want %d (lost, repeated or reordered)", g, i, next[g])
				}
				next[g]++
			}
			for g, n := range next {
				if n != perG {
					t.Errorf("goroutine %d: replayed %d records, want %d", g, n, perG)
				}
			}
		})
	}
}

func TestRotateAndTruncateBefore(t *testing.T) {
	fs, dir := newMemFS(), "/wal"
	l, _, _ := reopen(t, fs, dir, Options{})
	a, b, c := makeRecord(1, 100), makeRecord(2, 100), makeRecord(3, 100)

	idx0, err := l.Rotate()
	if err != nil || idx0 != 1 {
		t.Fatalf("Rotate of an empty file = %d, %v; want 1 (no new file)", idx0, err)
	}
	mustAppend(t, l, a)
	idx1, err := l.Rotate()
	if err != nil || idx1 != 2 {
		t.Fatalf("Rotate = %d, %v; want 2", idx1, err)
	}
	mustAppend(t, l, b)
	idx2, err := l.Rotate()
	if err != nil || idx2 != 3 {
		t.Fatalf("Rotate = %d, %v; want 3", idx2, err)
	}
	mustAppend(t, l, c)
	if st := l.Stats(); st.Files != 3 || st.ActiveFile != 3 {
		t.Fatalf("Stats = %+v, want 3 files, active 3", st)
	}

	if err := l.TruncateBefore(idx2 + 1); err == nil {
		t.Fatalf("TruncateBefore beyond the active file succeeded")
	}
	if err := l.TruncateBefore(idx1); err != nil {
		t.Fatalf("TruncateBefore(%d): %v", idx1, err)
	}
	if err := l.TruncateBefore(idx1); err != nil {
		t.Fatalf("repeated TruncateBefore(%d): %v", idx1, err)
	}
	if st := l.Stats(); st.Files != 2 || fs.file("/wal/00000001.wal") != nil {
		t.Fatalf("after TruncateBefore(%d): Stats = %+v, file 1 present: %v", idx1, st, fs.file("/wal/00000001.wal") != nil)
	}
	mustClose(t, l)

	l, recs, _ := reopen(t, fs, dir, Options{})
	equalRecords(t, recs, [][]byte{b, c})
	// Everything before the active file can go.
	if err := l.TruncateBefore(l.Stats().ActiveFile); err != nil {
		t.Fatalf("TruncateBefore(active): %v", err)
	}
	mustClose(t, l)
	l, recs, _ = reopen(t, fs, dir, Options{})
	equalRecords(t, recs, nil)
	mustClose(t, l)
}

func TestRotateConcurrentWithAppends(t *testing.T) {
	// Every record whose Append returned before Rotate was called is in a
	// file before the returned index; a record appended after Rotate
	// returned is not.
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Go(func() {
			for i := uint64(0); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := l.Append(makeRecord(uint64(g)<<32|i, 64)); err != nil {
					t.Errorf("Append: %v", err)
					return
				}
			}
		})
	}
	var checkpoints []uint64
	for range 20 {
		before := makeRecord(1<<40|uint64(len(checkpoints)), 64)
		mustAppend(t, l, before)
		idx, err := l.Rotate()
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		checkpoints = append(checkpoints, idx)
		if err := l.TruncateBefore(idx); err != nil {
			t.Fatalf("TruncateBefore: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	after := makeRecord(2<<40, 64)
	mustAppend(t, l, after)
	mustClose(t, l)

	l, recs, _ := reopen(t, fs, dir, Options{})
	defer mustClose(t, l)
	for _, r := range recs {
		if id, ok := checkRecord(r); !ok || id>>40 == 1 {
			t.Fatalf("replayed record %x that was appended before a checkpoint (ok=%v)", id, ok)
		}
	}
	if string(recs[len(recs)-1]) != string(after) {
		t.Fatalf("last record is not the one appended after the last checkpoint")
	}
}

func TestAppendTooLarge(t *testing.T) {
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	if err := l.Append(make([]byte, MaxRecordSize+1)); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("Append of MaxRecordSize+1 bytes = %v, want ErrRecordTooLarge", err)
	}
	big := make([]byte, MaxRecordSize)
	big[len(big)-1] = 7
	mustAppend(t, l, big) // the log is still usable, and the maximum fits
	mustClose(t, l)
	l, recs, _ := reopen(t, fs, dir, Options{})
	defer mustClose(t, l)
	equalRecords(t, recs, [][]byte{big})
}

func TestMisuseAndClose(t *testing.T) {
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	mustAppend(t, l, []byte("x"))
	if _, err := l.Replay(func([]byte) error { return nil }); err == nil {
		t.Errorf("Replay after Append succeeded")
	}
	mustClose(t, l)

	l = mustOpen(t, fs, dir, Options{})
	stop := errors.New("stop")
	if _, err := l.Replay(func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Replay = %v, want the callback's error", err)
	}
	if _, err := l.Replay(func([]byte) error { return nil }); err == nil {
		t.Errorf("second Replay succeeded")
	}
	mustClose(t, l)

	checks := []struct {
		name string
		call func() error
	}{
		{"Append", func() error { return l.Append([]byte("y")) }},
		{"Rotate", func() error { _, err := l.Rotate(); return err }},
		{"TruncateBefore", func() error { return l.TruncateBefore(1) }},
		{"Replay", func() error { _, err := l.Replay(nil); return err }},
		{"Close", l.Close},
	}
	for _, c := range checks {
		if err := c.call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
	_ = l.Stats() // still allowed

	if _, err := Open(dir, Options{FS: fs, SegmentSize: -1}); err == nil {
		t.Errorf("Open with a negative segment size succeeded")
	}
}

func TestOpenIgnoresAndCleans(t *testing.T) {
	fs, dir := newMemFS(), "/wal"
	l := mustOpen(t, fs, dir, Options{})
	mustAppend(t, l, []byte("kept"))
	mustClose(t, l)
	fs.setFile(dir+"/00000009.wal.tmp", []byte("half-created"))
	fs.setFile(dir+"/notes.txt", []byte("not ours"))
	fs.setFile(dir+"/1.wal", []byte("not a canonical name"))

	l, recs, st := reopen(t, fs, dir, Options{})
	defer mustClose(t, l)
	equalRecords(t, recs, [][]byte{[]byte("kept")})
	if st.Files != 1 || st.CorruptRecords != 0 {
		t.Errorf("stats = %+v, want 1 file read and no corruption", st)
	}
	if fs.file(dir+"/00000009.wal.tmp") != nil {
		t.Errorf("leftover temporary file not removed")
	}
	if fs.file(dir+"/notes.txt") == nil || fs.file(dir+"/1.wal") == nil {
		t.Errorf("Open removed files that are not its own")
	}
	if got := l.Stats().ActiveFile; got != 2 {
		t.Errorf("active file %d, want 2", got)
	}
}

func TestFileNames(t *testing.T) {
	tests := []struct {
		name string
		idx  uint64
		ok   bool
	}{
		{"00000001.wal", 1, true},
		{"12345678.wal", 12345678, true},
		{"123456789.wal", 123456789, true},
		{"18446744073709551615.wal", 1<<64 - 1, true},
		{"18446744073709551616.wal", 0, false},
		{"00000000.wal", 0, true},
		{"1.wal", 0, false},
		{"000000001.wal", 0, false},
		{"0000000a.wal", 0, false},
		{"+0000001.wal", 0, false},
		{"00000001.wal.tmp", 0, false},
		{"00000001.WAL", 0, false},
	}
	for _, tt := range tests {
		idx, ok := parseFileName(tt.name)
		if idx != tt.idx || ok != tt.ok {
			t.Errorf("parseFileName(%q) = %d, %v; want %d, %v", tt.name, idx, ok, tt.idx, tt.ok)
		}
		if ok && fileName(idx) != tt.name {
			t.Errorf("fileName(%d) = %q, want %q", idx, fileName(idx), tt.name)
		}
	}
}
