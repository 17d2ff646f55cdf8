//go:build !windows

package agent

import (
	"fmt"
	"os"
	"syscall"
)

// fileKey returns the device and inode of a file.
func fileKey(fi os.FileInfo) (dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}

// statFile returns the FileInfo of path, with its device and inode.
func statFile(path string) (os.FileInfo, uint64, uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, 0, err
	}
	dev, ino, _ := fileKey(fi)
	return fi, dev, ino, nil
}

// openShared opens a log file for reading without getting in the way of
// its rotation.
func openShared(path string) (*os.File, error) { return os.Open(path) }

// statOpen returns the FileInfo of an open file, with its device and inode.
func statOpen(f *os.File) (os.FileInfo, uint64, uint64, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	dev, ino, _ := fileKey(fi)
	return fi, dev, ino, nil
}

// syncDir fsyncs a directory, making renames and creations in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
