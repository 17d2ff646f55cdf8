package wal

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFailuresPoison injects a failure into the commit path and checks that
// the failed Append and every later one fail, that nothing is retried, and
// that every acknowledged record is replayed, also after a crash.
func TestFailuresPoison(t *testing.T) {
	const dir = "/wal"
	isDir := func(path string) bool { return path == dir }
	nth := func(o op, n int, err error, match func(string) bool) func(op, string) error {
		seen := 0
		return func(got op, path string) error {
			if got != o || !match(path) {
				return nil
			}
			seen++
			if seen == n {
				return err
			}
			return nil
		}
	}
	isFile := func(path string) bool { return strings.Contains(path, ".wal") }
	isTmp := func(path string) bool { return strings.HasSuffix(path, ".tmp") }

	tests := []struct {
		name        string
		segmentSize int64 // 1 makes every batch rotate
		fault       func(op, string) error
		failedAcked bool // the first Append after arming succeeds: the fault hits its rotation
		wantErr     error
	}{
		{"write fails", 0, nth(opWrite, 1, errInjected, isFile), false, errInjected},
		{"partial write", 0, nth(opWrite, 1, errPartial, isFile), false, errPartial},
		{"second write fails", 0, nth(opWrite, 2, errInjected, isFile), true, errInjected},
		{"sync fails", 0, nth(opSync, 1, errInjected, isFile), false, errInjected},
		{"rotation: create fails", 1, nth(opOpen, 1, errInjected, isTmp), true, errInjected},
		{"rotation: header write fails", 1, nth(opWrite, 2, errInjected, isFile), true, errInjected},
		{"rotation: header sync fails", 1, nth(opSync, 2, errInjected, isFile), true, errInjected},
		{"rotation: rename fails", 1, nth(opRename, 1, errInjected, isTmp), true, errInjected},
		{"rotation: directory sync fails", 1, nth(opSync, 1, errInjected, isDir), true, errInjected},
		{"rotation: closing the old file fails", 1, nth(opClose, 1, errInjected, isFile), true, errInjected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newMemFS()
			fs := &faultFS{FS: mem}
			l, _, _ := reopen(t, fs, dir, Options{SegmentSize: tt.segmentSize})
			var acked [][]byte
			for i := range 3 {
				r := makeRecord(uint64(i), 100)
				mustAppend(t, l, r)
				acked = append(acked, r)
			}
			// The flusher rotates after releasing a batch; a Rotate of the
			// then empty file waits for that rotation without starting
			// another one, so the fault is armed on an idle flusher.
			if _, err := l.Rotate(); err != nil {
				t.Fatalf("Rotate: %v", err)
			}

			var mu sync.Mutex
			failed, after := false, 0 // after: file writes and syncs once the fault was injected
			fs.setInjector(func(o op, path string) error {
				mu.Lock()
				defer mu.Unlock()
				if failed && (o == opWrite || o == opSync) {
					after++
				}
				err := tt.fault(o, path)
				if err != nil {
					failed = true
				}
				return err
			})

			x := makeRecord(100, 100)
			err := l.Append(x)
			if tt.failedAcked {
				if err != nil {
					t.Fatalf("Append whose batch was durable = %v, want nil", err)
				}
				acked = append(acked, x)
				x = makeRecord(101, 100)
				err = l.Append(x)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Append = %v, want %v", err, tt.wantErr)
			}
			later := makeRecord(200, 100)
			if err := l.Append(later); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Append after the failure = %v, want %v", err, tt.wantErr)
			}
			if _, err := l.Rotate(); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Rotate after the failure = %v, want %v", err, tt.wantErr)
			}
			if err := l.Close(); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Close = %v, want the failure %v", err, tt.wantErr)
			}
			mu.Lock()
			if after != 0 {
				t.Errorf("%d file writes or syncs after the failure, want none (no retries)", after)
			}
			mu.Unlock()

			// Without a crash and after one, the acknowledged records come
			// back in order, possibly followed by the failed one; never
			// the one appended after the failure.
			for _, img := range []struct {
				name string
				fs   *memFS
			}{{"reopened", mem}, {"after crash", mem.crash(rand.New(rand.NewPCG(1, 2)), crashDropUnsynced)}} {
				l, got, _ := reopen(t, img.fs, dir, Options{})
				if len(got) == len(acked)+1 && string(got[len(acked)]) == string(x) {
					got = got[:len(acked)]
				}
				if len(got) != len(acked) {
					t.Fatalf("%s: replayed %d records, want the %d acknowledged ones (and maybe the failed one)", img.name, len(got), len(acked))
				}
				equalRecords(t, got, acked)
				mustClose(t, l)
			}
		})
	}
}

// TestOpenFailures checks that a failure while Open creates its file is
// returned, and that a later Open still finds every record.
func TestOpenFailures(t *testing.T) {
	const dir = "/wal"
	tests := []struct {
		name string
		o    op
		path string // substring of the failing path
	}{
		{"create", opOpen, ".tmp"},
		{"header write", opWrite, ".tmp"},
		{"header sync", opSync, ".tmp"},
		{"rename", opRename, ".tmp"},
		{"directory sync", opSync, dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newMemFS()
			l := mustOpen(t, mem, dir, Options{})
			mustAppend(t, l, []byte("before"))
			mustClose(t, l)

			fs := &faultFS{FS: mem}
			seen := 0
			fs.setInjector(failNth(tt.o, tt.path, 1, errInjected, &seen))
			if _, err := Open(dir, Options{FS: fs}); !errors.Is(err, errInjected) {
				t.Fatalf("Open = %v, want the injected fault", err)
			}
			l, got, st := reopen(t, mem, dir, Options{})
			defer mustClose(t, l)
			equalRecords(t, got, [][]byte{[]byte("before")})
			if st.CorruptRecords != 0 {
				t.Fatalf("stats %+v after a failed Open", st)
			}
		})
	}
}

func TestReplayRepairFailures(t *testing.T) {
	_, files, _ := buildLog(t, [][]byte{makeRecord(1, 100), makeRecord(2, 100)})
	torn := files[0][:len(files[0])-10]
	for _, o := range []op{opTruncate, opSync} {
		t.Run(o.String(), func(t *testing.T) {
			fs := &faultFS{FS: withFiles(torn)}
			seen := 0
			fs.setInjector(failNth(o, fileName(1), 1, errInjected, &seen))
			l := mustOpen(t, fs, "/wal", Options{})
			defer mustClose(t, l)
			if _, err := l.Replay(func([]byte) error { return nil }); !errors.Is(err, errInjected) {
				t.Fatalf("Replay = %v, want the injected %s failure", err, o)
			}
		})
	}
}

func TestTruncateBeforeFailure(t *testing.T) {
	mem := newMemFS()
	fs := &faultFS{FS: mem}
	l := mustOpen(t, fs, "/wal", Options{})
	defer mustClose(t, l)
	mustAppend(t, l, []byte("a"))
	idx, err := l.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	fs.setInjector(failNth(opRemove, fileName(1), 1, errInjected, &seen))
	if err := l.TruncateBefore(idx); !errors.Is(err, errInjected) {
		t.Fatalf("TruncateBefore = %v, want the injected fault", err)
	}
	if err := l.TruncateBefore(idx); err != nil {
		t.Fatalf("TruncateBefore retried = %v", err)
	}
	if st := l.Stats(); st.Files != 1 {
		t.Fatalf("Stats().Files = %d, want 1", st.Files)
	}
	mustAppend(t, l, []byte("b")) // appends are unaffected
}

// TestCrash appends from several goroutines, rotating now and then, and
// crashes at a random moment: the restarted log must replay every
// acknowledged record, only records that were appended, each goroutine's
// records as a gap-free prefix in order, and never report corruption.
func TestCrash(t *testing.T) {
	iterations := 30
	if testing.Short() {
		iterations = 6
	}
	for iter := range iterations {
		rng := rand.New(rand.NewPCG(uint64(iter), 99))
		mode := crashMode(iter % 3)
		fs := newMemFS()
		acked := map[uint64]bool{}     // survives every later crash
		submitted := map[uint64]bool{} // may appear
		for session := uint64(0); session < 3; session++ {
			opts := Options{SegmentSize: int64(1+rng.IntN(16)) << 10}
			l, got, st := reopen(t, fs, "/wal", opts)
			if st.CorruptRecords != 0 {
				t.Fatalf("iteration %d session %d: corruption after a crash: %+v", iter, session, st)
			}
			checkCrashReplay(t, got, acked, submitted)

			const goroutines = 4
			var mu sync.Mutex // guards ackedNow and submitted
			ackedNow := maps(acked)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range uint64(goroutines) {
				seed := rng.Uint64()
				wg.Go(func() {
					r := rand.New(rand.NewPCG(seed, g))
					for i := uint64(0); ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						id := session<<40 | g<<32 | i
						mu.Lock()
						submitted[id] = true
						mu.Unlock()
						if l.Append(makeRecord(id, 12+r.IntN(3000))) != nil {
							return
						}
						mu.Lock()
						ackedNow[id] = true
						mu.Unlock()
					}
				})
			}
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
						l.Rotate()
					}
				}
			})
			time.Sleep(time.Duration(1+rng.IntN(20)) * time.Millisecond)

			mu.Lock()
			acked = maps(ackedNow) // everything acknowledged so far was synced before the image
			next := fs.crash(rng, mode)
			mu.Unlock()
			close(stop)
			wg.Wait()
			l.Close()
			fs = next
		}
		l, got, _ := reopen(t, fs, "/wal", Options{})
		checkCrashReplay(t, got, acked, submitted)
		mustClose(t, l)
	}
}

func checkCrashReplay(t *testing.T, got [][]byte, acked, submitted map[uint64]bool) {
	t.Helper()
	next := map[uint64]uint64{} // session<<8|g -> next expected i
	seen := map[uint64]bool{}
	for _, r := range got {
		id, ok := checkRecord(r)
		if !ok || !submitted[id] || seen[id] {
			t.Fatalf("replayed record %x: intact %v, submitted %v, repeated %v", id, ok, submitted[id], seen[id])
		}
		seen[id] = true
		key, i := id>>32, id&(1<<32-1)
		if i != next[key] {
			t.Fatalf("record %x replayed after record %d of its goroutine: a gap or reordering", id, next[key])
		}
		next[key]++
	}
	var lost []uint64
	for id := range acked {
		if !seen[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		t.Fatalf("%d acknowledged records lost, first %x", len(lost), lost[0])
	}
}

func maps(m map[uint64]bool) map[uint64]bool {
	c := make(map[uint64]bool, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
