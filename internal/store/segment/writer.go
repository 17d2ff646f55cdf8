package segment

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
)

// Event is one log event as a segment stores it. Segments keep a stream's
// events sorted by (Timestamp, Seq); Seq is unique store-wide.
type Event struct {
	Stream    uint64
	Timestamp int64 // milliseconds since the epoch
	Ingestion int64 // milliseconds since the epoch
	Seq       uint64
	Message   string // 1 to MaxMessageSize bytes
}

// Options configure a Writer. The zero value is valid.
type Options struct {
	// GroupID is stored in the file's header and trailer and returned by
	// Reader.GroupID; the store puts the log group's ID there so that a
	// file in the wrong place is noticed.
	GroupID uint64
	// BlockSize is the number of message bytes after which a block is
	// closed. Default 256 KiB; 4 KiB to 4 MiB. A block also ends at a change
	// of stream and at 65,536 events.
	BlockSize int
	// Level is the zstd level. Default zstd.SpeedBetterCompression, which
	// on the loadgen corpus writes files about 6% smaller than
	// zstd.SpeedDefault at about the same speed.
	Level zstd.EncoderLevel
	// TemplateLevel is the zstd level of the templates section (see
	// docs/format/segment.md, "Block body"); default Level. The templates
	// are most of the raw bytes but compress to a fraction of the numbers:
	// a higher level there costs little and makes blocks both smaller and
	// faster to decompress (the store's seals use fastest for the rest and
	// better here).
	TemplateLevel zstd.EncoderLevel
	// FS is where Create writes; nil means the operating system's.
	FS FS
}

const defaultBlockSize = 256 << 10

func (o *Options) validate() error {
	if o.BlockSize == 0 {
		o.BlockSize = defaultBlockSize
	}
	if o.BlockSize < 4<<10 || o.BlockSize > 4<<20 {
		return fmt.Errorf("segment block size %d out of range [4 KiB, 4 MiB]", o.BlockSize)
	}
	if o.Level == 0 {
		o.Level = zstd.SpeedBetterCompression
	}
	if o.TemplateLevel == 0 {
		o.TemplateLevel = o.Level
	}
	for _, l := range []zstd.EncoderLevel{o.Level, o.TemplateLevel} {
		if l < zstd.SpeedFastest || l > zstd.SpeedBestCompression {
			return fmt.Errorf("segment zstd level %d out of range", l)
		}
	}
	if o.FS == nil {
		o.FS = osFS{}
	}
	return nil
}

// FS is the file-system seam of Create and SyncDir; tests wrap it to inject
// failures. Implementations must be safe for concurrent use.
type FS interface {
	// OpenFile opens a file like os.OpenFile. Opening a directory with
	// os.O_RDONLY must return a File whose Sync makes the directory's
	// entries durable.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Rename renames a file like os.Rename, replacing newpath.
	Rename(oldpath, newpath string) error
	// Remove removes a file like os.Remove.
	Remove(name string) error
}

// File is a file opened by an FS. Write returns a non-nil error when it
// writes fewer than len(p) bytes.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // a nil interface, not a nil *os.File in one
	}
	return f, nil
}
func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error             { return os.Remove(name) }

// SyncDir makes the entries of dir (creations, renames, removals) durable.
// The store calls it after removing segment files.
func SyncDir(dir string) error { return syncDir(osFS{}, dir) }

func syncDir(fsys FS, dir string) error {
	d, err := fsys.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return d.Close()
}

// TempSuffix is appended to the final name of a segment being written by
// Create. A file with this suffix is never complete; the store deletes such
// files at start-up.
const TempSuffix = ".tmp"

// Writer writes one segment. Events must come in strictly increasing
// (Stream, Timestamp, Seq) order. A Writer is not safe for concurrent use.
// After any error the Writer is unusable; for a Writer made by Create, call
// Abort to remove the temporary file.
//
// Memory: one block's buffers (about BlockSize plus its keys) and the bloom
// filters of every block until Close, about 3-4 bytes per event of the
// loadgen corpus.
type Writer struct {
	opts Options
	bw   *bufio.Writer
	off  int64
	enc  *zstd.Encoder
	tenc *zstd.Encoder // of the templates section; may be enc
	blk  blockEncoder
	buf  []byte

	blooms  []byte
	entries []blockEntry

	copyBuf, bloomBuf []byte // CopyBlock's reads
	lastCopy          struct {
		r *Reader
		i int
	} // the block CopyBlock wrote last, if nothing was added since
	streams []streamEntry
	events  uint64
	last    Event // key of the last event added
	err     error
	done    bool

	// Set by Create.
	file      File
	path, tmp string
}

// NewWriter returns a Writer that writes a segment to w. Close writes the
// rest of the segment; it does not close or sync w.
func NewWriter(w io.Writer, opts Options) (*Writer, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	enc, err := newEncoder(opts.Level)
	if err != nil {
		return nil, err
	}
	tenc := enc
	if opts.TemplateLevel != opts.Level {
		if tenc, err = newEncoder(opts.TemplateLevel); err != nil {
			enc.Close()
			return nil, err
		}
	}
	sw := &Writer{opts: opts, bw: bufio.NewWriterSize(w, 256<<10), enc: enc, tenc: tenc}
	sw.buf = appendFileHeader(sw.buf[:0], formatVersion, opts.GroupID)
	sw.write(sw.buf)
	return sw, sw.err
}

func newEncoder(level zstd.EncoderLevel) (*zstd.Encoder, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(level),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false),
		zstd.WithWindowSize(1<<20))
	if err != nil {
		return nil, fmt.Errorf("segment zstd encoder: %w", err)
	}
	return enc, nil
}

func (w *Writer) closeEncoders() {
	w.enc.Close()
	if w.tenc != w.enc {
		w.tenc.Close()
	}
}

// Create returns a Writer for a segment file at path. The bytes go to
// path+TempSuffix; Close makes the file durable under its final name (write,
// fsync, rename, fsync of the directory), so path either does not exist or
// holds a complete segment.
func Create(path string, opts Options) (*Writer, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	tmp := path + TempSuffix
	f, err := opts.FS.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	w, err := NewWriter(f, opts)
	if err != nil {
		f.Close()
		opts.FS.Remove(tmp)
		return nil, err
	}
	w.file, w.path, w.tmp = f, path, tmp
	return w, nil
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.bw.Write(b)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("write segment: %w", err)
	}
}

// Add appends an event. The message is copied (encoded) before Add returns.
// Events must be in strictly increasing (Stream, Timestamp, Seq) order, and
// messages must be 1 to MaxMessageSize bytes; Add returns an error
// otherwise, which also makes the Writer unusable.
func (w *Writer) Add(e Event) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("segment writer closed")
	}
	if len(e.Message) == 0 || len(e.Message) > MaxMessageSize {
		w.err = fmt.Errorf("segment event seq %d: message of %d bytes, want 1 to %d", e.Seq, len(e.Message), MaxMessageSize)
		return w.err
	}
	if w.events > 0 {
		l := &w.last
		if e.Stream < l.Stream || e.Stream == l.Stream &&
			(e.Timestamp < l.Timestamp || e.Timestamp == l.Timestamp && e.Seq <= l.Seq) {
			w.err = fmt.Errorf("segment event (stream %d, time %d, seq %d) after (%d, %d, %d): %w",
				e.Stream, e.Timestamp, e.Seq, l.Stream, l.Timestamp, l.Seq, errOrder)
			return w.err
		}
	}
	if w.events == 0 || e.Stream != w.last.Stream {
		w.startStream(e.Stream, e.Timestamp)
	}
	w.blk.add(&e)
	w.lastCopy.r = nil
	w.events++
	w.last = Event{Stream: e.Stream, Timestamp: e.Timestamp, Seq: e.Seq}
	if w.blk.msgBytes >= w.opts.BlockSize || w.blk.count() >= maxBlockEvents {
		w.flush()
	}
	return w.err
}

// startStream flushes the pending block and begins the entry of a new
// stream whose first event has timestamp ts.
func (w *Writer) startStream(stream uint64, ts int64) {
	if w.blk.count() > 0 {
		w.flush()
	}
	w.streams = append(w.streams, streamEntry{
		StreamStats: StreamStats{Stream: stream, FirstTimestamp: ts},
		firstBlock:  len(w.entries),
	})
	w.blk.reset(stream)
}

// flush writes the pending block and keeps its bloom filter for Close.
func (w *Writer) flush() {
	h, body := w.blk.encode(w.enc, w.tenc)
	w.buf = h.append(w.buf[:0])
	w.addBlock(h, w.buf, body, func(dst []byte) []byte { return appendBloom(dst, &w.blk.keys) })
	w.blk.reset(w.blk.stream)
}

// addBlock writes a block (header bytes hb, body) and keeps the bloom
// filter that bloom appends for Close.
func (w *Writer) addBlock(h blockHeader, hb, body []byte, bloom func([]byte) []byte) {
	e := blockEntry{offset: w.off, length: uint32(len(hb) + len(body)), blockHeader: h}
	w.write(hb)
	w.write(body)
	start := len(w.blooms)
	w.blooms = bloom(w.blooms)
	e.bloomOff = int64(start) // relative until Close
	e.bloomLen = uint32(len(w.blooms) - start)
	e.bloomCRC = crc(w.blooms[start:])
	w.entries = append(w.entries, e)
	s := &w.streams[len(w.streams)-1]
	s.Events += int64(h.count)
	s.MessageBytes += int64(h.msgBytes)
	s.DiskBytes += int64(e.length) + int64(e.bloomLen)
	s.Blocks++
	s.LastTimestamp = h.maxTS
}

// CopyBlock appends block i of r as it is, with its bloom filter, after
// checking its checksums (a damaged block gives r's *CorruptionError).
// The pending block of Add is written first. The block must come after
// every event added: a later stream, or the same stream with its first
// timestamp after the last one (equal timestamps could not be ordered by
// sequence without decoding), or the block of r right after the one copied
// last when nothing was added since. Merge uses it for blocks no other source
// overlaps.
func (w *Writer) CopyBlock(r *Reader, i int) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("segment writer closed")
	}
	if r.version != formatVersion {
		return fmt.Errorf("segment block of format version %d copied into version %d", r.version, formatVersion)
	}
	e := &r.blocks[i]
	next := w.lastCopy.r == r && w.lastCopy.i+1 == i
	if w.events > 0 && (e.stream < w.last.Stream || e.stream == w.last.Stream &&
		(e.minTS < w.last.Timestamp || e.minTS == w.last.Timestamp && !next)) {
		w.err = fmt.Errorf("segment block (stream %d, time %d) after (%d, %d): %w",
			e.stream, e.minTS, w.last.Stream, w.last.Timestamp, errOrder)
		return w.err
	}
	raw, err := r.readBlock(i, &w.copyBuf)
	if err != nil {
		return err // not sticky: nothing was written
	}
	if cap(w.bloomBuf) < int(e.bloomLen) {
		w.bloomBuf = make([]byte, e.bloomLen)
	}
	bloom := w.bloomBuf[:e.bloomLen]
	if err := r.readAt(bloom, e.bloomOff); err != nil {
		return err
	}
	if err := r.checkBloom(i, bloom); err != nil {
		return err
	}
	if w.events == 0 || e.stream != w.last.Stream {
		w.startStream(e.stream, e.minTS)
	} else if w.blk.count() > 0 {
		w.flush()
	}
	w.addBlock(e.blockHeader, raw[:blockHeaderSize], raw[blockHeaderSize:], func(dst []byte) []byte { return append(dst, bloom...) })
	w.events += uint64(e.count)
	w.last = Event{Stream: e.stream, Timestamp: e.maxTS, Seq: e.maxSeq}
	w.lastCopy.r, w.lastCopy.i = r, i
	return w.err
}

// Size returns the number of bytes written so far (before Close, without
// the bloom filters and the index).
func (w *Writer) Size() int64 { return w.off }

// Close writes the pending block, the bloom filters, the index and the
// trailer. For a Writer made by Create it then syncs and closes the file,
// renames it to its final name and syncs the directory; if any step fails,
// the temporary file is removed and the final name is left alone.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	w.done = true
	defer w.closeEncoders()
	if w.err == nil && w.blk.count() > 0 {
		w.flush()
	}
	bloomStart := w.off
	w.write(w.blooms)
	indexOff := w.off
	idx := make([]byte, 0, indexHeaderSize+streamEntrySize*len(w.streams)+blockEntrySize*len(w.entries))
	idx = appendUint32(idx, uint32(len(w.streams)))
	idx = appendUint32(idx, uint32(len(w.entries)))
	for i := range w.streams {
		idx = w.streams[i].append(idx)
	}
	for i := range w.entries {
		w.entries[i].bloomOff += bloomStart
		idx = w.entries[i].append(idx)
	}
	w.write(idx)
	t := trailer{indexOff: indexOff, indexLen: uint32(len(idx)), indexCRC: crc(idx), groupID: w.opts.GroupID, events: w.events, version: formatVersion}
	w.buf = t.append(w.buf[:0])
	w.write(w.buf)
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("write segment: %w", err)
		}
	}
	w.blooms = nil
	if w.file == nil {
		return w.err
	}
	if w.err == nil {
		if err := w.file.Sync(); err != nil {
			w.err = fmt.Errorf("sync segment: %w", err)
		}
	}
	if err := w.file.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("close segment: %w", err)
	}
	w.file = nil
	if w.err == nil {
		if err := w.opts.FS.Rename(w.tmp, w.path); err != nil {
			w.err = fmt.Errorf("rename segment: %w", err)
		}
	}
	if w.err != nil {
		w.opts.FS.Remove(w.tmp)
		return w.err
	}
	if err := syncDir(w.opts.FS, filepath.Dir(w.path)); err != nil {
		// The file has its final name and complete contents, but its
		// name may not survive a crash: report it; the caller must not
		// delete the inputs of a merge.
		w.err = err
	}
	return w.err
}

// Abort abandons the segment: for a Writer made by Create it closes and
// removes the temporary file. Abort after a successful Close does nothing.
func (w *Writer) Abort() error {
	if w.done && w.file == nil {
		return nil
	}
	w.done = true
	if w.err == nil {
		w.err = errors.New("segment writer aborted")
	}
	w.closeEncoders()
	if w.file == nil {
		return nil
	}
	w.file.Close()
	w.file = nil
	if err := w.opts.FS.Remove(w.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove segment temp file: %w", err)
	}
	return nil
}

func appendUint32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
