package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Format version 2, specified in docs/format/segment.md. Change the two
// together. Readers also read version 1, whose blocks hold the templates
// flat instead of as dictionaries (dict.go).
const (
	formatVersion    = 2
	minFormatVersion = 1

	fileHeaderSize   = 16 // magic (4), version (1), reserved (3), group ID (8)
	blockHeaderSize  = 64
	trailerSize      = 44
	indexHeaderSize  = 8 // stream count (4), block count (4)
	streamEntrySize  = 48
	blockEntrySize   = 80
	maxBloomK        = 16
	sectionCount     = 4 // columns, templates, numbers, hex
	codecStored      = 0
	codecZstd        = 1
	maxMessageBytes  = 1 << 20 // the largest message Add accepts
	maxBlockMsgBytes = 8 << 20 // the most message bytes a reader accepts in a block
	maxBlockEvents   = 1 << 16 // the most events a writer puts in a block
)

var (
	fileMagic  = [4]byte{'L', 'P', 'S', 'G'}
	blockMagic = [4]byte{'L', 'P', 'B', 'K'}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// MaxMessageSize is the longest message, in bytes, that Writer.Add accepts.
const MaxMessageSize = maxMessageBytes

// CorruptionError reports bytes of a segment file that do not follow the
// format: a bad magic number or version, a checksum mismatch, a truncated
// file, or lengths and values that contradict each other. Offset is the byte
// offset in the file of the structure found damaged (the trailer, the index,
// a block or a bloom filter). The store quarantines such a file.
type CorruptionError struct {
	Path   string
	Offset int64
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("corrupt segment %s at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// ErrClosed is returned by cursors of a Reader that has been closed.
var ErrClosed = errors.New("segment reader closed")

// errOrder is wrapped by Writer.Add for events out of order.
var errOrder = errors.New("event out of (stream, timestamp, sequence) order")

// blockHeader is the fixed header before every block body; the same figures
// are in the block's index entry.
type blockHeader struct {
	stream           uint64
	minTS, maxTS     int64
	minSeq, maxSeq   uint64
	count            uint32
	msgBytes         uint32
	bodyLen, bodyCRC uint32
	// dict is not stored: the reader sets it for the blocks of a version 2
	// file, whose templates section is in the dictionary form.
	dict bool
}

func (h *blockHeader) append(b []byte) []byte {
	start := len(b)
	b = append(b, blockMagic[:]...)
	b = binary.LittleEndian.AppendUint64(b, h.stream)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.minTS))
	b = binary.LittleEndian.AppendUint64(b, uint64(h.maxTS))
	b = binary.LittleEndian.AppendUint64(b, h.minSeq)
	b = binary.LittleEndian.AppendUint64(b, h.maxSeq)
	b = binary.LittleEndian.AppendUint32(b, h.count)
	b = binary.LittleEndian.AppendUint32(b, h.msgBytes)
	b = binary.LittleEndian.AppendUint32(b, h.bodyLen)
	b = binary.LittleEndian.AppendUint32(b, h.bodyCRC)
	return binary.LittleEndian.AppendUint32(b, crc(b[start:]))
}

// parseBlockHeader decodes a block header, or says why it cannot.
func parseBlockHeader(b []byte) (blockHeader, string) {
	var h blockHeader
	if len(b) < blockHeaderSize {
		return h, "short block header"
	}
	if [4]byte(b[0:4]) != blockMagic {
		return h, "bad block magic"
	}
	if got, want := crc(b[:60]), binary.LittleEndian.Uint32(b[60:64]); got != want {
		return h, fmt.Sprintf("block header CRC mismatch: computed %#08x, stored %#08x", got, want)
	}
	h.stream = binary.LittleEndian.Uint64(b[4:])
	h.minTS = int64(binary.LittleEndian.Uint64(b[12:]))
	h.maxTS = int64(binary.LittleEndian.Uint64(b[20:]))
	h.minSeq = binary.LittleEndian.Uint64(b[28:])
	h.maxSeq = binary.LittleEndian.Uint64(b[36:])
	h.count = binary.LittleEndian.Uint32(b[44:])
	h.msgBytes = binary.LittleEndian.Uint32(b[48:])
	h.bodyLen = binary.LittleEndian.Uint32(b[52:])
	h.bodyCRC = binary.LittleEndian.Uint32(b[56:])
	return h, ""
}

// blockEntry is a block's entry in the footer index.
type blockEntry struct {
	offset   int64 // of the block header
	length   uint32
	bloomOff int64
	bloomLen uint32
	bloomCRC uint32
	blockHeader
}

func (e *blockEntry) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(e.offset))
	b = binary.LittleEndian.AppendUint32(b, e.length)
	b = binary.LittleEndian.AppendUint32(b, e.count)
	b = binary.LittleEndian.AppendUint64(b, e.stream)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.minTS))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.maxTS))
	b = binary.LittleEndian.AppendUint64(b, e.minSeq)
	b = binary.LittleEndian.AppendUint64(b, e.maxSeq)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.bloomOff))
	b = binary.LittleEndian.AppendUint32(b, e.bloomLen)
	b = binary.LittleEndian.AppendUint32(b, e.bloomCRC)
	b = binary.LittleEndian.AppendUint32(b, e.msgBytes)
	return binary.LittleEndian.AppendUint32(b, e.bodyCRC)
}

func parseBlockEntry(b []byte) blockEntry {
	var e blockEntry
	e.offset = int64(binary.LittleEndian.Uint64(b[0:]))
	e.length = binary.LittleEndian.Uint32(b[8:])
	e.count = binary.LittleEndian.Uint32(b[12:])
	e.stream = binary.LittleEndian.Uint64(b[16:])
	e.minTS = int64(binary.LittleEndian.Uint64(b[24:]))
	e.maxTS = int64(binary.LittleEndian.Uint64(b[32:]))
	e.minSeq = binary.LittleEndian.Uint64(b[40:])
	e.maxSeq = binary.LittleEndian.Uint64(b[48:])
	e.bloomOff = int64(binary.LittleEndian.Uint64(b[56:]))
	e.bloomLen = binary.LittleEndian.Uint32(b[64:])
	e.bloomCRC = binary.LittleEndian.Uint32(b[68:])
	e.msgBytes = binary.LittleEndian.Uint32(b[72:])
	e.bodyCRC = binary.LittleEndian.Uint32(b[76:])
	e.bodyLen = e.length - blockHeaderSize // checked by parseIndex
	return e
}

// StreamStats are the figures of one stream in one segment, from the index.
type StreamStats struct {
	Stream         uint64
	Events         int64
	MessageBytes   int64 // sum of the messages' lengths
	DiskBytes      int64 // the stream's blocks and bloom filters in the file
	Blocks         int
	FirstTimestamp int64
	LastTimestamp  int64
}

type streamEntry struct {
	StreamStats
	firstBlock int
}

func (s *streamEntry) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, s.Stream)
	b = binary.LittleEndian.AppendUint32(b, uint32(s.firstBlock))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Blocks))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Events))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.MessageBytes))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.FirstTimestamp))
	return binary.LittleEndian.AppendUint64(b, uint64(s.LastTimestamp))
}

func parseStreamEntry(b []byte) streamEntry {
	var s streamEntry
	s.Stream = binary.LittleEndian.Uint64(b[0:])
	s.firstBlock = int(binary.LittleEndian.Uint32(b[8:]))
	s.Blocks = int(binary.LittleEndian.Uint32(b[12:]))
	s.Events = int64(binary.LittleEndian.Uint64(b[16:]))
	s.MessageBytes = int64(binary.LittleEndian.Uint64(b[24:]))
	s.FirstTimestamp = int64(binary.LittleEndian.Uint64(b[32:]))
	s.LastTimestamp = int64(binary.LittleEndian.Uint64(b[40:]))
	return s
}

// trailer is the fixed-size end of the file.
type trailer struct {
	indexOff int64
	indexLen uint32
	indexCRC uint32
	groupID  uint64
	events   uint64
	version  byte
}

func (t *trailer) append(b []byte) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint64(b, uint64(t.indexOff))
	b = binary.LittleEndian.AppendUint32(b, t.indexLen)
	b = binary.LittleEndian.AppendUint32(b, t.indexCRC)
	b = binary.LittleEndian.AppendUint64(b, t.groupID)
	b = binary.LittleEndian.AppendUint64(b, t.events)
	b = append(b, t.version, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, crc(b[start:]))
	return append(b, fileMagic[:]...)
}

func parseTrailer(b []byte) (trailer, string) {
	var t trailer
	switch {
	case [4]byte(b[40:44]) != fileMagic:
		return t, "bad trailer magic"
	case crc(b[:36]) != binary.LittleEndian.Uint32(b[36:40]):
		return t, "trailer CRC mismatch"
	case b[32] < minFormatVersion || b[32] > formatVersion:
		return t, fmt.Sprintf("unknown format version %d", b[32])
	case b[33] != 0 || b[34] != 0 || b[35] != 0:
		return t, "reserved trailer bytes not zero"
	}
	t.indexOff = int64(binary.LittleEndian.Uint64(b[0:]))
	t.indexLen = binary.LittleEndian.Uint32(b[8:])
	t.indexCRC = binary.LittleEndian.Uint32(b[12:])
	t.groupID = binary.LittleEndian.Uint64(b[16:])
	t.events = binary.LittleEndian.Uint64(b[24:])
	t.version = b[32]
	return t, ""
}

func appendFileHeader(b []byte, version byte, groupID uint64) []byte {
	b = append(b, fileMagic[:]...)
	b = append(b, version, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(b, groupID)
}

func checkFileHeader(b []byte, version byte, groupID uint64) string {
	switch {
	case len(b) < fileHeaderSize:
		return "short file header"
	case [4]byte(b[0:4]) != fileMagic:
		return "bad file magic"
	case b[4] != version:
		return fmt.Sprintf("format version %d in file header, %d in trailer", b[4], version)
	case b[5] != 0 || b[6] != 0 || b[7] != 0:
		return "reserved header bytes not zero"
	case binary.LittleEndian.Uint64(b[8:16]) != groupID:
		return "file header and trailer name different groups"
	}
	return ""
}
