//go:build windows

package agent

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// statFile returns the FileInfo of path, with its volume serial number and
// file index as device and inode.
func statFile(path string) (os.FileInfo, uint64, uint64, error) {
	f, err := openShared(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	return statOpen(f)
}

// openShared opens a log file for reading with FILE_SHARE_DELETE, so that
// holding it open does not stop the writer from renaming or deleting it.
func openShared(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// statOpen returns the FileInfo of an open file, with its volume serial
// number and file index.
func statOpen(f *os.File) (os.FileInfo, uint64, uint64, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &d); err != nil {
		return nil, 0, 0, fmt.Errorf("file information %s: %w", f.Name(), err)
	}
	return fi, uint64(d.VolumeSerialNumber), uint64(d.FileIndexHigh)<<32 | uint64(d.FileIndexLow), nil
}

// syncDir does nothing: Windows cannot fsync a directory, and NTFS
// journals renames.
func syncDir(string) error { return nil }
