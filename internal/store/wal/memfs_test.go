package wal

import (
	"bytes"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// memFS is an in-memory FS that remembers what a crash would keep: file
// contents as of their last Sync, and directory entries as of the last Sync
// of their directory. crash returns the file system a restart would find.
type memFS struct {
	mu      sync.Mutex        // guards everything below and every inode
	dirs    map[string]bool   // directories; durable at once, for simplicity
	live    map[string]*inode // files as the running process sees them
	durable map[string]*inode // files as of the last directory sync
}

type inode struct {
	data   []byte
	synced []byte // data at the last Sync
}

func newMemFS() *memFS {
	return &memFS{dirs: map[string]bool{"/": true, ".": true}, live: map[string]*inode{}, durable: map[string]*inode{}}
}

func (m *memFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dirs[name] {
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
		}
		return &memFile{fs: m, name: name, dir: true}, nil
	}
	ino := m.live[name]
	switch {
	case ino == nil && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case ino == nil:
		if !m.dirs[filepath.Dir(name)] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		ino = &inode{}
		m.live[name] = ino
	case flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	}
	if flag&os.O_TRUNC != 0 {
		ino.data = nil
	}
	return &memFile{fs: m, name: name, ino: ino, writable: flag&(os.O_WRONLY|os.O_RDWR) != 0}, nil
}

func (m *memFS) Rename(oldpath, newpath string) error {
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := m.live[oldpath]
	if ino == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	delete(m.live, oldpath)
	m.live[newpath] = ino
	return nil
}

func (m *memFS) Remove(name string) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live[name] == nil {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.live, name)
	return nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[name] {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var es []fs.DirEntry
	for p, ino := range m.live {
		if filepath.Dir(p) == name {
			es = append(es, fs.FileInfoToDirEntry(memInfo{name: filepath.Base(p), size: int64(len(ino.data))}))
		}
	}
	for d := range m.dirs {
		if d != name && filepath.Dir(d) == name {
			es = append(es, fs.FileInfoToDirEntry(memInfo{name: filepath.Base(d), dir: true}))
		}
	}
	slices.SortFunc(es, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return es, nil
}

func (m *memFS) MkdirAll(path string, perm fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for p := filepath.Clean(path); !m.dirs[p]; p = filepath.Dir(p) {
		m.dirs[p] = true
	}
	return nil
}

// syncDirLocked makes the live entries of dir durable.
func (m *memFS) syncDirLocked(dir string) {
	for p := range m.durable {
		if filepath.Dir(p) == dir {
			delete(m.durable, p)
		}
	}
	for p, ino := range m.live {
		if filepath.Dir(p) == dir {
			m.durable[p] = ino
		}
	}
}

// crashMode says what a crash keeps of data written after the last Sync.
type crashMode int

const (
	crashDropUnsynced crashMode = iota // nothing
	crashKeepPrefix                    // a random prefix of it
	crashKeepDamaged                   // a random prefix with a random range zeroed
)

// crash returns the file system that a restart after a crash would see now.
func (m *memFS) crash(rng *rand.Rand, mode crashMode) *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemFS()
	for d := range m.dirs {
		c.dirs[d] = true
	}
	for p, ino := range m.durable {
		data := slices.Clone(ino.synced)
		if mode != crashDropUnsynced && len(ino.data) > len(ino.synced) && bytes.HasPrefix(ino.data, ino.synced) {
			tail := slices.Clone(ino.data[len(ino.synced):])
			tail = tail[:rng.IntN(len(tail)+1)]
			if mode == crashKeepDamaged && len(tail) > 0 {
				i := rng.IntN(len(tail))
				j := i + rng.IntN(len(tail)-i) + 1
				clear(tail[i:j])
			}
			data = append(data, tail...)
		}
		n := &inode{data: data, synced: slices.Clone(data)}
		c.live[p] = n
		c.durable[p] = n
	}
	return c
}

// file returns a copy of the live contents of a file, or nil.
func (m *memFS) file(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ino := m.live[filepath.Clean(name)]; ino != nil {
		return slices.Clone(ino.data)
	}
	return nil
}

// setFile replaces a file durably, creating it if needed.
func (m *memFS) setFile(name string, data []byte) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := &inode{data: slices.Clone(data), synced: slices.Clone(data)}
	m.live[name] = ino
	m.durable[name] = ino
}

type memFile struct {
	fs       *memFS
	name     string
	ino      *inode // nil for a directory
	dir      bool
	writable bool
	pos      int64
	closed   bool
}

func (f *memFile) check(op string, write bool) error {
	switch {
	case f.closed:
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	case f.dir && op != "sync":
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrInvalid}
	case write && !f.writable:
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrPermission}
	}
	return nil
}

func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("read", false); err != nil {
		return 0, err
	}
	if f.pos >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[f.pos:])
	f.pos += int64(n)
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("write", true); err != nil {
		return 0, err
	}
	if end := f.pos + int64(len(p)); end > int64(len(f.ino.data)) {
		f.ino.data = append(f.ino.data, make([]byte, end-int64(len(f.ino.data)))...)
	}
	copy(f.ino.data[f.pos:], p)
	f.pos += int64(len(p))
	return len(p), nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("sync", false); err != nil {
		return err
	}
	if f.dir {
		f.fs.syncDirLocked(f.name)
		return nil
	}
	f.ino.synced = slices.Clone(f.ino.data)
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("truncate", true); err != nil {
		return err
	}
	if size <= int64(len(f.ino.data)) {
		f.ino.data = f.ino.data[:size:size]
	} else {
		f.ino.data = append(f.ino.data, make([]byte, size-int64(len(f.ino.data)))...)
	}
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("stat", false); err != nil {
		return nil, err
	}
	return memInfo{name: filepath.Base(f.name), size: int64(len(f.ino.data))}, nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
