package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
)

// ReaderOptions configure a Reader. The zero value is valid.
type ReaderOptions struct {
	// Cache, if not nil, holds decompressed blocks; it may be shared by
	// every Reader of a store.
	Cache Cache
}

// Reader reads one segment. Its methods are safe for concurrent use; each
// Cursor is used by one goroutine at a time. Open reads only the trailer and
// the index; blocks and bloom filters are read when a Cursor needs them.
type Reader struct {
	name    string
	ra      io.ReaderAt
	closer  io.Closer
	size    int64
	id      uint64 // names the Reader's blocks in the Cache
	cache   Cache
	groupID uint64
	version byte // the file's format version
	events  int64
	streams []streamEntry // by stream ID
	blocks  []blockEntry  // in file order: by stream, then time
	closed  atomic.Bool
}

var readerIDs atomic.Uint64

// tailRead is the size of Open's first read: the trailer and, for segments
// of up to about 600 blocks, the whole index.
const tailRead = 64 << 10

// Open opens the segment file at path. Damaged or foreign files give a
// *CorruptionError.
func Open(path string, opts ReaderOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open segment: %w", err)
	}
	r, err := NewReader(path, f, fi.Size(), opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads the segment of the given size from ra; name appears in
// errors. Close does not close ra.
func NewReader(name string, ra io.ReaderAt, size int64, opts ReaderOptions) (*Reader, error) {
	r := &Reader{name: name, ra: ra, size: size, id: readerIDs.Add(1), cache: opts.Cache}
	if err := r.readIndex(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reader) corrupt(off int64, format string, args ...any) error {
	return &CorruptionError{Path: r.name, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// readAt reads exactly len(b) bytes at off; a short file is corruption.
func (r *Reader) readAt(b []byte, off int64) error {
	if r.closed.Load() {
		return ErrClosed
	}
	if off < 0 || off > r.size-int64(len(b)) {
		return r.corrupt(off, "read of %d bytes past the end of the file (%d bytes)", len(b), r.size)
	}
	n, err := r.ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return r.corrupt(off+int64(n), "file truncated")
	}
	if r.closed.Load() {
		return ErrClosed
	}
	return fmt.Errorf("read segment %s: %w", r.name, err)
}

func (r *Reader) readIndex() error {
	if r.size < fileHeaderSize+indexHeaderSize+trailerSize {
		return r.corrupt(0, "file of %d bytes is too short", r.size)
	}
	n := min(r.size, tailRead)
	tail := make([]byte, n)
	if err := r.readAt(tail, r.size-n); err != nil {
		return err
	}
	tOff := r.size - trailerSize
	t, why := parseTrailer(tail[n-trailerSize:])
	if why != "" {
		return r.corrupt(tOff, "%s", why)
	}
	if t.indexOff < fileHeaderSize || t.indexOff+int64(t.indexLen) != tOff {
		return r.corrupt(tOff, "index at %d+%d does not end at the trailer", t.indexOff, t.indexLen)
	}
	var idx []byte
	if t.indexOff >= r.size-n {
		idx = tail[t.indexOff-(r.size-n) : n-trailerSize]
	} else {
		idx = make([]byte, t.indexLen)
		if err := r.readAt(idx, t.indexOff); err != nil {
			return err
		}
	}
	if n == r.size {
		if why := checkFileHeader(tail, t.version, t.groupID); why != "" {
			return r.corrupt(0, "%s", why)
		}
	}
	if crc(idx) != t.indexCRC {
		return r.corrupt(t.indexOff, "index CRC mismatch")
	}
	r.groupID, r.version = t.groupID, t.version
	if why := r.parseIndex(idx, t); why != "" {
		return r.corrupt(t.indexOff, "%s", why)
	}
	return nil
}

// parseIndex decodes and cross-checks the index, so that later reads can
// trust its offsets and lengths to lie inside the file.
func (r *Reader) parseIndex(idx []byte, t trailer) string {
	if len(idx) < indexHeaderSize {
		return "short index"
	}
	ns := uint64(binary.LittleEndian.Uint32(idx[0:]))
	nb := uint64(binary.LittleEndian.Uint32(idx[4:]))
	if uint64(len(idx)) != indexHeaderSize+ns*streamEntrySize+nb*blockEntrySize {
		return fmt.Sprintf("index of %d bytes cannot hold %d streams and %d blocks", len(idx), ns, nb)
	}
	r.streams = make([]streamEntry, ns)
	r.blocks = make([]blockEntry, nb)
	p := indexHeaderSize
	for i := range r.streams {
		r.streams[i] = parseStreamEntry(idx[p:])
		p += streamEntrySize
	}
	for i := range r.blocks {
		r.blocks[i] = parseBlockEntry(idx[p:])
		p += blockEntrySize
	}
	// Blocks lie back to back after the file header, then their bloom
	// filters back to back, then the index.
	off := int64(fileHeaderSize)
	for i := range r.blocks {
		b := &r.blocks[i]
		if b.offset != off {
			return fmt.Sprintf("block %d at offset %d, want %d", i, b.offset, off)
		}
		if b.length < blockHeaderSize || int64(b.length) > t.indexOff-off {
			return fmt.Sprintf("block %d: bad length %d", i, b.length)
		}
		off += int64(b.length)
		switch {
		case b.count == 0 || b.count > b.msgBytes || b.msgBytes > maxBlockMsgBytes:
			return fmt.Sprintf("block %d: %d events, %d message bytes", i, b.count, b.msgBytes)
		case b.minTS > b.maxTS || b.minSeq > b.maxSeq:
			return fmt.Sprintf("block %d: bad ranges", i)
		}
	}
	for i := range r.blocks {
		b := &r.blocks[i]
		if b.bloomOff != off || b.bloomLen == 0 || b.bloomLen > maxBloomBytes || int64(b.bloomLen) > t.indexOff-off {
			return fmt.Sprintf("block %d: bloom filter at %d+%d", i, b.bloomOff, b.bloomLen)
		}
		off += int64(b.bloomLen)
	}
	if off != t.indexOff {
		return fmt.Sprintf("bloom filters end at %d, index starts at %d", off, t.indexOff)
	}
	next := 0
	var events int64
	for i := range r.streams {
		s := &r.streams[i]
		if i > 0 && s.Stream <= r.streams[i-1].Stream {
			return "streams out of order"
		}
		if s.firstBlock != next || s.Blocks == 0 || s.Blocks > len(r.blocks)-next {
			return fmt.Sprintf("stream %d: bad block range", s.Stream)
		}
		next += s.Blocks
		var ev, mb, disk int64
		for j := s.firstBlock; j < next; j++ {
			b := &r.blocks[j]
			if b.stream != s.Stream {
				return fmt.Sprintf("block %d belongs to stream %d, not %d", j, b.stream, s.Stream)
			}
			if j > s.firstBlock && b.minTS < r.blocks[j-1].maxTS {
				return fmt.Sprintf("block %d overlaps the one before", j)
			}
			ev += int64(b.count)
			mb += int64(b.msgBytes)
			disk += int64(b.length) + int64(b.bloomLen)
		}
		if ev != s.Events || mb != s.MessageBytes ||
			s.FirstTimestamp != r.blocks[s.firstBlock].minTS || s.LastTimestamp != r.blocks[next-1].maxTS {
			return fmt.Sprintf("stream %d: figures differ from its blocks", s.Stream)
		}
		s.DiskBytes = disk
		events += ev
	}
	if next != len(r.blocks) {
		return "blocks without a stream"
	}
	if uint64(events) != t.events {
		return fmt.Sprintf("trailer counts %d events, index %d", t.events, events)
	}
	r.events = events
	return ""
}

// Close closes the file opened by Open. Cursors return ErrClosed after it.
func (r *Reader) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Name returns the path or name the Reader was opened with.
func (r *Reader) Name() string { return r.name }

// GroupID returns the group ID the segment was written with.
func (r *Reader) GroupID() uint64 { return r.groupID }

// Events returns the number of events in the segment.
func (r *Reader) Events() int64 { return r.events }

// Size returns the file's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// Streams returns the figures of every stream in the segment, by stream ID.
// The caller owns the slice.
func (r *Reader) Streams() []StreamStats {
	out := make([]StreamStats, len(r.streams))
	for i := range r.streams {
		out[i] = r.streams[i].StreamStats
	}
	return out
}

// Stream returns the figures of one stream, and false if the segment has no
// events of it.
func (r *Reader) Stream(id uint64) (StreamStats, bool) {
	if s := r.stream(id); s != nil {
		return s.StreamStats, true
	}
	return StreamStats{}, false
}

func (r *Reader) stream(id uint64) *streamEntry {
	i := sort.Search(len(r.streams), func(i int) bool { return r.streams[i].Stream >= id })
	if i < len(r.streams) && r.streams[i].Stream == id {
		return &r.streams[i]
	}
	return nil
}

var blockBufPool = sync.Pool{New: func() any { return new([]byte) }}

// block returns block i, decoded, from the cache or the file.
func (r *Reader) block(i int) (*Block, error) {
	key := CacheKey{Segment: r.id, Block: i}
	if r.cache != nil {
		if b, ok := r.cache.Get(key); ok {
			return b, nil
		}
	}
	b, err := r.loadBlock(i)
	if err == nil && r.cache != nil {
		r.cache.Add(key, b)
	}
	return b, err
}

// loadBlock reads, checks and decodes block i.
func (r *Reader) loadBlock(i int) (*Block, error) { return r.decodeBlock(i, decodeBody) }

// loadColumns reads and checks block i like loadBlock but decodes only its
// timestamps, ingestion times and sequence numbers: the Block has no
// messages. Such blocks stay out of the cache.
// The Block reuses the memory of reuse (a Block that loadColumns returned
// and that is no longer used) when not nil.
func (r *Reader) loadColumns(i int, reuse *Block) (*Block, error) {
	return r.decodeBlock(i, func(h *blockHeader, body []byte) (*Block, string) {
		return decodeColumnsOnly(h, body, reuse)
	})
}

// blockJSONOnly returns block i from the cache when it is there, else
// read and decoded with only the messages that may be JSON objects
// (decodeJSONOnly), projected onto fields when not nil, with the sizes of
// projected messages spread evenly when spread. Such blocks stay out of
// the cache.
func (r *Reader) blockJSONOnly(i int, fields []string, spread, batch bool) (*Block, error) {
	if r.cache != nil {
		if b, ok := r.cache.Get(CacheKey{Segment: r.id, Block: i}); ok {
			return b, nil
		}
	}
	return r.decodeBlock(i, func(h *blockHeader, body []byte) (*Block, string) {
		return decodeJSONOnly(h, body, fields, spread, batch)
	})
}

// blockNeed returns block i from the cache when it is there, else read
// and decoded with only the messages that may hold every literal of need
// (decodeCandidates). Such blocks stay out of the cache.
func (r *Reader) blockNeed(i int, need *needSet) (*Block, error) {
	if r.cache != nil {
		if b, ok := r.cache.Get(CacheKey{Segment: r.id, Block: i}); ok {
			return b, nil
		}
	}
	return r.decodeBlock(i, func(h *blockHeader, body []byte) (*Block, string) {
		return decodeCandidates(h, body, need)
	})
}

// decodeBlock reads block i, checks its header and body checksum, and
// decodes the body with decode.
func (r *Reader) decodeBlock(i int, decode func(*blockHeader, []byte) (*Block, string)) (*Block, error) {
	e := &r.blocks[i]
	bp := blockBufPool.Get().(*[]byte)
	defer blockBufPool.Put(bp)
	buf, err := r.readBlock(i, bp)
	if err != nil {
		return nil, err
	}
	h := e.blockHeader
	h.dict = r.version >= 2
	b, why := decode(&h, buf[blockHeaderSize:])
	if why != "" {
		return nil, r.corrupt(e.offset, "%s", why)
	}
	return b, nil
}

// readBlock reads block i (header and body) into *bp, grown as needed, and
// checks its header against the index and its checksums.
func (r *Reader) readBlock(i int, bp *[]byte) ([]byte, error) {
	e := &r.blocks[i]
	if cap(*bp) < int(e.length) {
		*bp = make([]byte, e.length)
	}
	buf := (*bp)[:e.length]
	if err := r.readAt(buf, e.offset); err != nil {
		return nil, err
	}
	h, why := parseBlockHeader(buf)
	if why != "" {
		return nil, r.corrupt(e.offset, "%s", why)
	}
	if h != e.blockHeader {
		return nil, r.corrupt(e.offset, "block header differs from its index entry")
	}
	if crc(buf[blockHeaderSize:]) != h.bodyCRC {
		return nil, r.corrupt(e.offset, "block body CRC mismatch")
	}
	return buf, nil
}

// checkBloom validates the bloom filter of block i held in f.
func (r *Reader) checkBloom(i int, f []byte) error {
	e := &r.blocks[i]
	if crc(f) != e.bloomCRC {
		return r.corrupt(e.bloomOff, "bloom filter CRC mismatch")
	}
	if f[0] == 0 || f[0] > maxBloomK {
		return r.corrupt(e.bloomOff, "bloom filter with %d probes", f[0])
	}
	return nil
}

// Verify reads the whole file and checks every checksum and every block,
// returning the first *CorruptionError (or I/O error) found. The store runs
// it before trusting a segment it did not just write.
func (r *Reader) Verify() error {
	h := make([]byte, fileHeaderSize)
	if err := r.readAt(h, 0); err != nil {
		return err
	}
	if why := checkFileHeader(h, r.version, r.groupID); why != "" {
		return r.corrupt(0, "%s", why)
	}
	for i := range r.blocks {
		e := &r.blocks[i]
		f := make([]byte, e.bloomLen)
		if err := r.readAt(f, e.bloomOff); err != nil {
			return err
		}
		if err := r.checkBloom(i, f); err != nil {
			return err
		}
		if _, err := r.loadBlock(i); err != nil {
			return err
		}
	}
	return nil
}
