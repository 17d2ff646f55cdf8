package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/store/segment"
)

// faultFS is a segment.FS that fails the chosen operation.
type faultFS struct {
	mu   sync.Mutex
	fail string // "open", "write", "sync", "rename", "dirsync" or ""
}

var errInjected = errors.New("injected failure")

func (f *faultFS) failing(op string) bool { f.mu.Lock(); defer f.mu.Unlock(); return f.fail == op }

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (segment.File, error) {
	if f.failing("open") && flag != os.O_RDONLY {
		return nil, errInjected
	}
	file, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{f: file, fs: f, dir: flag == os.O_RDONLY}, nil
}

func (f *faultFS) Rename(o, n string) error {
	if f.failing("rename") {
		return errInjected
	}
	return os.Rename(o, n)
}

func (f *faultFS) Remove(name string) error { return os.Remove(name) }

type faultFile struct {
	f   *os.File
	fs  *faultFS
	dir bool
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.failing("write") {
		return 0, errInjected
	}
	return f.f.Write(p)
}

func (f *faultFile) Sync() error {
	if (f.dir && f.fs.failing("dirsync")) || (!f.dir && f.fs.failing("sync")) {
		return errInjected
	}
	return f.f.Sync()
}

func (f *faultFile) Close() error { return f.f.Close() }

// TestSealMergeFaults fails each file operation of a seal and of a merge
// and checks that, after a reopen, every event is there exactly once.
func TestSealMergeFaults(t *testing.T) {
	for _, op := range []string{"open", "write", "sync", "rename", "dirsync"} {
		for _, stage := range []string{"seal", "merge"} {
			t.Run(stage+"/"+op, func(t *testing.T) {
				dir := t.TempDir()
				c := &clock{t: time.UnixMilli(1_700_000_000_000)}
				ffs := &faultFS{}
				opts := sealTestOptions(dir, c)
				opts.segFS = ffs
				s, err := Open(opts)
				if err != nil {
					t.Fatal(err)
				}
				defer func() { s.Close() }()
				s.CreateLogGroup(sc, "g", GroupOptions{})
				s.CreateLogStream(sc, "g", "a")
				var want []string
				base := c.now().UnixMilli() - 1000
				putSome := func(round int) {
					for i := range 5 {
						// 1 KiB messages: each seal writes a full 4 KiB
						// block and a small one, so that merges copy
						// blocks as well as decode them.
						msg := fmt.Sprintf("round %d event %d %s", round, i, strings.Repeat("x", 1000))
						mustPut(t, s, "g", "a", InputEvent{base + int64(round*10+i), msg})
						want = append(want, msg)
					}
				}
				rounds := 1
				if stage == "merge" {
					rounds = mergeFanIn
				}
				for r := range rounds {
					putSome(r)
					if stage == "merge" {
						if err := s.Seal(); err != nil {
							t.Fatal(err)
						}
					}
				}
				ffs.mu.Lock()
				ffs.fail = op
				ffs.mu.Unlock()
				var opErr error
				if stage == "seal" {
					opErr = s.Seal()
				} else {
					opErr = s.Merge()
				}
				if opErr == nil {
					t.Fatalf("%s with failing %s: no error", stage, op)
				}
				check := func(s *Store) {
					t.Helper()
					r, err := s.GetLogEvents(sc, "g", "a", GetQuery{Range: AllTime})
					if err != nil {
						t.Fatal(err)
					}
					if got := messages(r.Events); !slices.Equal(got, want) {
						t.Fatalf("after failed %s (%s): %q, want %q", stage, op, got, want)
					}
				}
				check(s)
				ffs.mu.Lock()
				ffs.fail = ""
				ffs.mu.Unlock()
				// The store goes on working: a later seal or merge succeeds.
				putSome(100)
				if err := s.Seal(); err != nil {
					t.Fatal(err)
				}
				if err := s.Merge(); err != nil {
					t.Fatal(err)
				}
				check(s)
				if stage == "merge" && s.metrics.blocksCopied.Get() == 0 {
					t.Error("no merge copied a block")
				}
				s.Close()
				if s, err = Open(sealTestOptions(dir, c)); err != nil {
					t.Fatal(err)
				}
				check(s)
				if m, _ := filepath.Glob(filepath.Join(dir, "segments", "*.tmp")); len(m) > 0 {
					t.Errorf("temporary files left: %v", m)
				}
			})
		}
	}
}

// TestSegmentCorruption flips bytes in one segment: reads quarantine it,
// say they are incomplete, and the other group stays readable.
func TestSegmentCorruption(t *testing.T) {
	for _, damage := range []string{"flip", "truncate"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t: time.UnixMilli(1_700_000_000_000)}
			s, err := Open(sealTestOptions(dir, c))
			if err != nil {
				t.Fatal(err)
			}
			base := c.now().UnixMilli() - 1000
			for _, g := range []string{"bad", "good"} {
				s.CreateLogGroup(sc, g, GroupOptions{})
				s.CreateLogStream(sc, g, "a")
				for i := range 100 {
					mustPut(t, s, g, "a", InputEvent{base + int64(i), fmt.Sprintf("%s event %d", g, i)})
				}
			}
			if err := s.Seal(); err != nil {
				t.Fatal(err)
			}
			var badPath string
			s.mu.RLock()
			g, _ := s.groupLocked(sc, "bad")
			badPath = g.segs[0].path
			s.mu.RUnlock()
			s.Close()

			b, err := os.ReadFile(badPath)
			if err != nil {
				t.Fatal(err)
			}
			if damage == "flip" {
				for i := 100; i < 120; i++ {
					b[i] ^= 0xff
				}
			} else {
				b = b[:len(b)/2]
			}
			if err := os.WriteFile(badPath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err = Open(sealTestOptions(dir, c))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := s.FilterLogEvents(sc, "bad", FilterQuery{Range: AllTime})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Events) != 0 {
				t.Errorf("damaged group: %d events read", len(r.Events))
			}
			if damage == "flip" && !r.Incomplete {
				t.Error("read over a damaged segment not marked incomplete")
			}
			if !s.Damaged() {
				t.Error("store does not report the damage")
			}
			if _, err := os.Stat(filepath.Join(dir, "quarantine", filepath.Base(badPath))); err != nil {
				t.Errorf("not quarantined: %v", err)
			}
			r, err = s.FilterLogEvents(sc, "good", FilterQuery{Range: AllTime})
			if err != nil || len(r.Events) != 100 || r.Incomplete {
				t.Errorf("good group: %d events, incomplete %v, err %v", len(r.Events), r.Incomplete, err)
			}
			// The store keeps working and the damage does not come back.
			mustPut(t, s, "bad", "a", InputEvent{base + 500, "after"})
			if err := s.Seal(); err != nil {
				t.Fatal(err)
			}
			r, _ = s.FilterLogEvents(sc, "bad", FilterQuery{Range: AllTime})
			if len(r.Events) != 1 || r.Incomplete {
				t.Errorf("after quarantine: %d events, incomplete %v", len(r.Events), r.Incomplete)
			}
		})
	}
}

// TestSealBackground ingests and reads concurrently while the background
// loop seals and merges with tiny thresholds (run with -race).
func TestSealBackground(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	opts := Options{Dir: dir, Now: c.now, HeadMaxBytes: 4 << 10, SealInterval: 20 * time.Millisecond, MaintainInterval: 5 * time.Millisecond}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.CreateLogGroup(sc, "g", GroupOptions{})
	const writers, batches = 4, 60
	for w := range writers {
		s.CreateLogStream(sc, "g", fmt.Sprint("s", w))
	}
	base := c.now().UnixMilli() - 3_600_000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				in := make([]InputEvent, 20)
				for i := range in {
					in[i] = InputEvent{base + int64(b*20+i), fmt.Sprintf("w%d b%d i%d padding padding padding padding", w, b, i)}
				}
				if _, err := s.PutLogEvents(sc, "g", fmt.Sprint("s", w), in); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for w := range writers {
				r, err := s.GetLogEvents(sc, "g", fmt.Sprint("s", w), GetQuery{Range: AllTime})
				if err != nil {
					t.Error(err)
					return
				}
				for i := 1; i < len(r.Events); i++ {
					if !r.Events[i-1].Key().Less(r.Events[i].Key()) {
						t.Errorf("stream s%d: events out of order or repeated at %d", w, i)
						return
					}
				}
			}
		}
	})
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	close(stop)
	rg.Wait()
	segs, _ := s.segmentFigures(0)
	merged, _ := s.segmentFigures(1)
	t.Logf("segments: %d at level 0, %d at level 1", segs, merged)
	s.Close()
	s, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for w := range writers {
		r, err := s.GetLogEvents(sc, "g", fmt.Sprint("s", w), GetQuery{Range: AllTime})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Events) != 20*batches {
			t.Errorf("stream s%d: %d events, want %d", w, len(r.Events), 20*batches)
		}
	}
}
