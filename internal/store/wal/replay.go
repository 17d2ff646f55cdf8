package wal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ReplayStats describes what Replay read and repaired.
type ReplayStats struct {
	Records        int   // records passed to fn
	Bytes          int64 // their total payload size
	TornTails      int   // 0 or 1: the last file ended in an incomplete or damaged record and was truncated
	CorruptRecords int   // damaged records or file headers in older files; the rest of each such file was skipped
	SkippedBytes   int64 // bytes not replayed: torn tails and the skipped rest of corrupt files
	Files          int   // files read
}

// Replay calls fn for every intact record in the files that existed when the
// Log was opened, oldest first. It must be called at most once, before the
// first Append; TruncateBefore fails while it runs. rec is only valid during
// the call to fn, which must copy what it keeps. If fn returns an error,
// Replay stops and returns it wrapped.
//
// Damaged data is not an error (see docs/format/wal.md for the rules): in the
// last file that holds more than a header, the first incomplete or damaged
// record and everything after it is a torn tail, which is truncated away on disk so that the file ends
// cleanly. In an older file, reading stops at the first damaged record and
// goes on with the next file; the damaged file is left as it is. Both are
// counted in the returned stats and logged. Replay returns an error only if
// fn does or if the files cannot be read or repaired.
func (l *Log) Replay(fn func(rec []byte) error) (ReplayStats, error) {
	var st ReplayStats
	l.truncMu.Lock()
	l.mu.Lock()
	var err error
	switch {
	case l.closed:
		err = ErrClosed
	case l.replay != replayNotStarted:
		err = errors.New("wal replay: called twice")
	case l.appended:
		err = errors.New("wal replay: called after Append")
	}
	if err != nil {
		l.mu.Unlock()
		l.truncMu.Unlock()
		return st, err
	}
	l.replay = replayRunning
	var files []fileInfo
	for _, f := range l.sealed {
		if f.idx < l.openIdx {
			files = append(files, f)
		}
	}
	l.mu.Unlock()
	l.truncMu.Unlock()

	defer func() {
		l.mu.Lock()
		l.replay = replayDone
		l.mu.Unlock()
	}()

	// The torn tail can only be in the last file that holds more than a
	// header: a crash after Open created a new file but before Replay
	// repaired the previous one leaves header-only files after it.
	last := len(files) - 1
	for last > 0 && files[last].size <= fileHeaderSize {
		last--
	}
	for i, f := range files {
		if err := l.replayFile(f.idx, i == last, fn, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// replayFile replays the records of file idx into fn, repairing a torn tail
// if last is set.
func (l *Log) replayFile(idx uint64, last bool, fn func([]byte) error, st *ReplayStats) (err error) {
	name := fileName(idx)
	flag := os.O_RDONLY
	if last {
		flag = os.O_RDWR
	}
	f, err := l.fs.OpenFile(filepath.Join(l.dir, name), flag, 0)
	if err != nil {
		return fmt.Errorf("wal replay: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil && last {
			err = fmt.Errorf("wal replay: close %s: %w", name, cerr)
		}
	}()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("wal replay: stat %s: %w", name, err)
	}
	size := info.Size()
	st.Files++

	r := newReader(f, size)
	err = r.readHeader(idx)
	for err == nil {
		var rec []byte
		off := r.off
		if rec, err = r.next(); err != nil {
			break
		}
		if ferr := fn(rec); ferr != nil {
			return fmt.Errorf("wal replay %s at offset %d: %w", name, off, ferr)
		}
		st.Records++
		st.Bytes += int64(len(rec))
	}
	if err == io.EOF {
		return nil
	}
	var c *corruption
	if !errors.As(err, &c) {
		return fmt.Errorf("wal replay: read %s: %w", name, err)
	}
	skipped := size - c.off
	st.SkippedBytes += skipped

	if !last || c.off < fileHeaderSize {
		st.CorruptRecords++
		l.logger.Error("corrupt write-ahead log file: skipped the rest of it",
			"file", name, "offset", c.off, "reason", c.reason, "skipped_bytes", skipped)
		return nil
	}

	// A crash while a batch was being written can leave any mix of written
	// and unwritten pages after the last fsync, so nothing from the first
	// bad record on can be trusted. Cut it off so that the file ends cleanly
	// and stays clean when it is no longer the last one.
	st.TornTails++
	l.logger.Warn("truncated torn tail of write-ahead log",
		"file", name, "offset", c.off, "reason", c.reason, "truncated_bytes", skipped)
	if err := f.Truncate(c.off); err != nil {
		return fmt.Errorf("wal replay: truncate torn tail of %s at %d: %w", name, c.off, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("wal replay: sync %s after truncating its torn tail: %w", name, err)
	}
	l.mu.Lock()
	for i := range l.sealed {
		if l.sealed[i].idx == idx {
			l.sealed[i].size = c.off
		}
	}
	l.mu.Unlock()
	return nil
}
