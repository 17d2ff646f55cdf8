package wal

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by every method but Stats called after Close.
var ErrClosed = errors.New("wal: log closed")

// ErrRecordTooLarge is returned (wrapped) by Append for a record longer than
// MaxRecordSize. Nothing is written and the Log stays usable.
var ErrRecordTooLarge = errors.New("wal: record too large")

// DefaultSegmentSize is the SegmentSize used when Options leaves it zero.
const DefaultSegmentSize = 64 << 20

// Options configures a Log. The zero value is valid.
type Options struct {
	// SegmentSize is the size in bytes after which the flusher starts a new
	// file: once a batch leaves the active file at SegmentSize bytes or
	// more, the next batch goes to a new file. A batch is never split, so a
	// file may grow past SegmentSize by up to one batch. Zero means
	// DefaultSegmentSize; negative is an error.
	SegmentSize int64
	// FS is the file system holding the log; nil means the operating
	// system's. Tests use it to inject failures.
	FS FS
	// Logger receives repairs, corruption reports and the failure that
	// poisoned the log; nil discards them.
	Logger *slog.Logger
	// OnSync, if set, is called by the flusher goroutine after every
	// successful fsync with its duration and the records and bytes it made
	// durable. It must be quick and must not call the Log.
	OnSync func(d time.Duration, records int, bytes int64)
}

// Log is a write-ahead log in one directory. Only one Log may use a
// directory at a time; Open does not lock it.
//
// Append, Rotate, TruncateBefore and Stats are safe for concurrent use.
// Replay must be called at most once, before the first Append. Close may be
// called once; every method but Stats called after it returns ErrClosed.
type Log struct {
	dir         string
	fs          FS
	segmentSize int64
	logger      *slog.Logger
	onSync      func(time.Duration, int, int64)
	openIdx     uint64 // files before this index existed at Open: Replay reads them

	wake chan struct{}  // capacity 1; a token tells the flusher to look for work
	wg   sync.WaitGroup // the flusher goroutine

	truncMu sync.Mutex // serialises TruncateBefore, and Replay's snapshot of files

	mu       sync.Mutex // guards the fields down to the next blank line
	space    sync.Cond  // on mu; broadcast when pending is taken, the log fails or closes
	pending  []byte     // framed records of the next batch
	batch    *batch     // the appenders waiting for pending; nil while pending is empty
	rotates  []chan rotateResult
	closed   bool
	err      error // first write, sync or rotation failure: the log is poisoned
	appended bool  // Append has been called
	replay   replayState
	sealed   []fileInfo // files before the active one, ascending by index
	active   fileInfo   // the file batches are written to
	appends  uint64
	appendB  int64
	fsyncs   uint64
	lastSync time.Duration

	// Owned by the flusher goroutine once Open has started it; Close reads
	// closeErr after the flusher has exited.
	f        File
	fIdx     uint64
	fSize    int64
	spare    []byte
	closeErr error
}

type fileInfo struct {
	idx  uint64
	size int64
}

type replayState int

const (
	replayNotStarted replayState = iota
	replayRunning
	replayDone
)

// Open opens the log in dir, creating the directory if needed, and starts a
// new file for appends after any files already there; their records are
// read by Replay. It removes temporary files left by a crash while a file
// was being created and ignores files whose names are not WAL file names.
// The returned Log owns a flusher goroutine until Close.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentSize < 0 {
		return nil, fmt.Errorf("wal open %s: negative segment size %d", dir, opts.SegmentSize)
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.FS == nil {
		opts.FS = osFS{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{
		dir:         dir,
		fs:          opts.FS,
		segmentSize: opts.SegmentSize,
		logger:      opts.Logger.With("wal", dir),
		onSync:      opts.OnSync,
		wake:        make(chan struct{}, 1),
	}
	l.space.L = &l.mu

	if err := l.fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal open: %w", err)
	}
	files, err := l.scanDir()
	if err != nil {
		return nil, fmt.Errorf("wal open %s: %w", dir, err)
	}
	next := uint64(1)
	if len(files) > 0 {
		last := files[len(files)-1].idx
		if last == math.MaxUint64 {
			return nil, fmt.Errorf("wal open %s: file index space exhausted", dir)
		}
		next = last + 1
	}
	f, err := l.createFile(next)
	if err != nil {
		return nil, fmt.Errorf("wal open %s: create %s: %w", dir, fileName(next), err)
	}
	l.openIdx = next
	l.sealed = files
	l.active = fileInfo{idx: next, size: fileHeaderSize}
	l.f, l.fIdx, l.fSize = f, next, fileHeaderSize

	l.wg.Add(1)
	go l.run()
	return l, nil
}

// scanDir lists the WAL files in the directory, ascending by index, and
// removes leftover temporary files.
func (l *Log) scanDir() ([]fileInfo, error) {
	entries, err := l.fs.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var files []fileInfo
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if digits, ok := strings.CutSuffix(name, tmpSuffix); ok {
			if _, ok := parseFileName(digits + fileSuffix); ok {
				// A crash interrupted the creation of this file before
				// it was renamed into place: it holds no records.
				if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil {
					return nil, fmt.Errorf("remove leftover %s: %w", name, err)
				}
				l.logger.Info("removed leftover temporary file", "file", name)
			}
			continue
		}
		idx, ok := parseFileName(name)
		if !ok {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", name, err)
		}
		files = append(files, fileInfo{idx: idx, size: info.Size()})
	}
	slices.SortFunc(files, func(a, b fileInfo) int { return cmp.Compare(a.idx, b.idx) })
	return files, nil
}

// createFile creates file idx so that it survives a crash: it writes the
// header to a temporary file, syncs it, renames it into place and syncs the
// directory. It returns the file open for writing, positioned after the
// header.
func (l *Log) createFile(idx uint64) (File, error) {
	final := filepath.Join(l.dir, fileName(idx))
	tmp := final + ".tmp"
	f, err := l.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	err = func() error {
		if _, err := f.Write(appendFileHeader(nil, idx)); err != nil {
			return fmt.Errorf("write header: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		if err := l.fs.Rename(tmp, final); err != nil {
			return err
		}
		if err := syncDir(l.fs, l.dir); err != nil {
			return fmt.Errorf("sync directory: %w", err)
		}
		return nil
	}()
	if err != nil {
		// Best effort: a leftover temporary file is removed by the next
		// Open, and a renamed file holding only a header replays as empty.
		f.Close()
		l.fs.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// Rotate makes the flusher write and sync everything queued, close the
// active file and start a new one. It returns an index such that every
// record whose Append returned before Rotate was called lives in a file
// with a smaller index, and every record whose Append is called after Rotate
// returns lives in a file with this index or a larger one. Records appended
// concurrently with Rotate may land on either side.
//
// If the active file holds no records, Rotate returns its index without
// starting a new file. A failure to create the new file poisons the Log.
func (l *Log) Rotate() (uint64, error) {
	c := make(chan rotateResult, 1)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	if l.err != nil {
		err := l.err
		l.mu.Unlock()
		return 0, fmt.Errorf("wal rotate: %w", err)
	}
	l.rotates = append(l.rotates, c)
	l.mu.Unlock()
	l.signal()
	r := <-c
	return r.idx, r.err
}

type rotateResult struct {
	idx uint64
	err error
}

// TruncateBefore deletes the files with an index smaller than idx, oldest
// first, and syncs the directory. Call it only after the records in those
// files are durable elsewhere; idx is normally a value returned by Rotate and
// may not exceed the active file's index. It works on a poisoned Log too, so
// that a checkpoint taken before the failure can still be completed.
// TruncateBefore may not be called while Replay runs.
func (l *Log) TruncateBefore(idx uint64) error {
	l.truncMu.Lock()
	defer l.truncMu.Unlock()

	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return ErrClosed
	case l.replay == replayRunning:
		l.mu.Unlock()
		return fmt.Errorf("wal truncate before %d: called during Replay", idx)
	case idx > l.active.idx:
		active := l.active.idx
		l.mu.Unlock()
		return fmt.Errorf("wal truncate before %d: beyond the active file %d", idx, active)
	}
	n, _ := slices.BinarySearchFunc(l.sealed, idx, func(f fileInfo, idx uint64) int { return cmp.Compare(f.idx, idx) })
	victims := slices.Clone(l.sealed[:n])
	l.mu.Unlock()

	for _, v := range victims {
		name := fileName(v.idx)
		if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("wal truncate before %d: remove %s: %w", idx, name, err)
		}
		// Only TruncateBefore shrinks sealed, and it holds truncMu; the
		// flusher only appends to it. So v is still the first entry.
		l.mu.Lock()
		l.sealed = slices.Delete(l.sealed, 0, 1)
		l.mu.Unlock()
	}
	if len(victims) > 0 {
		if err := syncDir(l.fs, l.dir); err != nil {
			return fmt.Errorf("wal truncate before %d: sync directory: %w", idx, err)
		}
	}
	return nil
}

// Stats describes a Log at one moment.
type Stats struct {
	Files         int           // WAL files in the directory, the active one included
	Bytes         int64         // their total size in bytes, headers included
	ActiveFile    uint64        // index of the file new records go to
	Appends       uint64        // records made durable since Open
	AppendedBytes int64         // their total payload size in bytes
	Fsyncs        uint64        // batch fsyncs since Open (one per group commit)
	LastFsync     time.Duration // duration of the latest batch fsync
}

// Stats returns the current counters. It is cheap and safe to call at any
// time, also after Close.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Stats{
		Files:         len(l.sealed) + 1,
		Bytes:         l.active.size,
		ActiveFile:    l.active.idx,
		Appends:       l.appends,
		AppendedBytes: l.appendB,
		Fsyncs:        l.fsyncs,
		LastFsync:     l.lastSync,
	}
	for _, f := range l.sealed {
		s.Bytes += f.size
	}
	return s
}

// Close writes and syncs everything queued, releases those appenders, stops
// the flusher goroutine and waits for it, and closes the active file.
// Appends blocked waiting for buffer space return ErrClosed. Close returns
// the failure that poisoned the Log, if any, and errors from closing the
// file; a second Close returns ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	l.space.Broadcast()
	l.mu.Unlock()
	l.signal()
	l.wg.Wait()

	l.mu.Lock()
	poison := l.err
	l.mu.Unlock()
	if poison != nil {
		poison = fmt.Errorf("wal close: log had failed: %w", poison)
	}
	return errors.Join(poison, l.closeErr)
}
