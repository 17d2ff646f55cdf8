package wal

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file-system seam of the log. The log only ever calls it with
// paths inside the directory given to Open (and that directory itself).
// Implementations must be safe for concurrent use; the log never uses one
// File from two goroutines at once. Tests wrap it to inject failures.
type FS interface {
	// OpenFile opens a file like os.OpenFile. Opening the directory itself
	// with os.O_RDONLY must return a File whose Sync makes the directory's
	// entries (creations, renames, removals) durable.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Rename renames a file like os.Rename, replacing newpath if it exists.
	Rename(oldpath, newpath string) error
	// Remove removes a file like os.Remove.
	Remove(name string) error
	// ReadDir lists a directory like os.ReadDir, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// MkdirAll creates a directory and its parents like os.MkdirAll.
	MkdirAll(path string, perm fs.FileMode) error
}

// File is an open file of an FS. Write must return a non-nil error when it
// writes fewer than len(p) bytes.
type File interface {
	io.ReadWriteCloser
	// Sync flushes the file's data and metadata to stable storage.
	Sync() error
	// Truncate changes the size of the file.
	Truncate(size int64) error
	// Stat returns the file's FileInfo; the log only uses Size.
	Stat() (fs.FileInfo, error)
}

// osFS is the FS of the operating system.
type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		// Return a nil interface, not a nil *os.File inside one.
		return nil, err
	}
	return f, nil
}

func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// syncDir makes the entries of dir durable.
func syncDir(fsys FS, dir string) error {
	d, err := fsys.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
