package segment

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestCreateOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "000001.seg")
	evs := genEvents(41, 3, 200)
	w, err := Create(path, Options{GroupID: 9})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final name exists before Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Close: %v", err)
	}
	if _, err := os.Stat(path + TempSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temp file left: %v", err)
	}
	r, err := Open(path, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
	got, _, err := collect(r, Query{Stream: evs[0].Stream, Start: -1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffEvents(got, model(evs, Query{Stream: evs[0].Stream, Start: -1 << 62})); d != "" {
		t.Fatal(d)
	}
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "missing"), ReaderOptions{}); err == nil || isCorruption(err) {
		t.Fatalf("Open of a missing file: %v", err)
	}
}

func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.seg")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(Event{Stream: 1, Seq: 1, Message: "m"})
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files left after Abort: %v", entries)
	}
	if w.Close() == nil {
		t.Fatal("Close after Abort succeeded")
	}
}

// faultFS fails the named operation on paths with the given suffix.
type faultFS struct {
	osFS
	op     string // "write", "sync", "close", "rename", "syncdir", "open"
	mu     sync.Mutex
	failed bool
}

var errInjected = errors.New("injected failure")

func (f *faultFS) fail(op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.op == op {
		f.failed = true
		return true
	}
	return false
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if strings.HasSuffix(name, TempSuffix) && f.fail("open") {
		return nil, errInjected
	}
	file, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, dir: flag == os.O_RDONLY}, nil
}

func (f *faultFS) Rename(oldpath, newpath string) error {
	if f.fail("rename") {
		return errInjected
	}
	return f.osFS.Rename(oldpath, newpath)
}

type faultFile struct {
	File
	fs  *faultFS
	dir bool
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.fail("write") {
		return 0, errInjected
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if (f.dir && f.fs.fail("syncdir")) || (!f.dir && f.fs.fail("sync")) {
		return errInjected
	}
	return f.File.Sync()
}

func (f *faultFile) Close() error {
	if !f.dir && f.fs.fail("close") {
		f.File.Close()
		return errInjected
	}
	return f.File.Close()
}

func TestCreateFaults(t *testing.T) {
	evs := genEvents(42, 2, 100)
	for _, op := range []string{"open", "write", "sync", "close", "rename", "syncdir"} {
		t.Run(op, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "a.seg")
			ffs := &faultFS{op: op}
			w, err := Create(path, Options{FS: ffs})
			if err == nil {
				for _, e := range evs {
					if err = w.Add(e); err != nil {
						break
					}
				}
				if err == nil {
					err = w.Close()
				} else {
					w.Abort()
				}
			}
			if !errors.Is(err, errInjected) {
				t.Fatalf("error %v, want the injected one", err)
			}
			_, statErr := os.Stat(path)
			if op == "syncdir" {
				// Complete and renamed, but not known to be durable.
				if statErr != nil {
					t.Fatalf("file missing after a failed directory sync: %v", statErr)
				}
			} else if !errors.Is(statErr, fs.ErrNotExist) {
				t.Fatalf("final name exists after a failed %s: %v", op, statErr)
			}
			if _, err := os.Stat(path + TempSuffix); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("temp file left after a failed %s", op)
			}
		})
	}
}
