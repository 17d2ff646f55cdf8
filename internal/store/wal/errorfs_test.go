package wal

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
)

// op names an operation of an FS or File that faultFS can fail.
type op int

const (
	opOpen op = iota
	opWrite
	opSync // of a file or, when the path is the directory, of the directory
	opRename
	opRemove
	opTruncate
	opClose
)

var opNames = [...]string{"open", "write", "sync", "rename", "remove", "truncate", "close"}

func (o op) String() string { return opNames[o] }

var (
	errInjected = errors.New("injected fault")
	// errPartial makes a write store the first half of its bytes and then
	// fail, like a write cut short by a full disk.
	errPartial = errors.New("injected partial write")
)

// faultFS wraps an FS and fails operations on demand: before each operation
// it asks the injector, and if that returns an error the operation is not
// performed (a write failing with errPartial is performed for half its
// bytes). Paths are as opened: a file keeps the name it was opened with
// after a rename.
type faultFS struct {
	FS
	mu     sync.Mutex // guards inject
	inject func(o op, path string) error
}

func (f *faultFS) setInjector(inj func(o op, path string) error) {
	f.mu.Lock()
	f.inject = inj
	f.mu.Unlock()
}

func (f *faultFS) maybe(o op, path string) error {
	f.mu.Lock()
	inj := f.inject
	f.mu.Unlock()
	if inj == nil {
		return nil
	}
	return inj(o, path)
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if err := f.maybe(opOpen, name); err != nil {
		return nil, err
	}
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, name: name}, nil
}

func (f *faultFS) Rename(oldpath, newpath string) error {
	if err := f.maybe(opRename, oldpath); err != nil {
		return err
	}
	return f.FS.Rename(oldpath, newpath)
}

func (f *faultFS) Remove(name string) error {
	if err := f.maybe(opRemove, name); err != nil {
		return err
	}
	return f.FS.Remove(name)
}

type faultFile struct {
	File
	fs   *faultFS
	name string
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.maybe(opWrite, f.name); err != nil {
		if errors.Is(err, errPartial) {
			n, _ := f.File.Write(p[:len(p)/2])
			return n, err
		}
		return 0, err
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if err := f.fs.maybe(opSync, f.name); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if err := f.fs.maybe(opTruncate, f.name); err != nil {
		return err
	}
	return f.File.Truncate(size)
}

func (f *faultFile) Close() error {
	if err := f.fs.maybe(opClose, f.name); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

// failNth returns an injector that fails the nth (from 1) operation o on a
// path containing substr with err, and counts every matching operation,
// failed or not, in *seen.
func failNth(o op, substr string, n int, err error, seen *int) func(op, string) error {
	var mu sync.Mutex
	return func(got op, path string) error {
		if got != o || !strings.Contains(path, substr) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		*seen++
		if *seen == n {
			return err
		}
		return nil
	}
}
