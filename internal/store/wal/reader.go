package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// corruption says why the bytes of a file from off to its end cannot be read
// as records. Replay decides from the file's position whether that is a torn
// tail or corruption; it is never returned to callers.
type corruption struct {
	off    int64
	reason string
}

func (c *corruption) Error() string {
	return fmt.Sprintf("offset %d: %s", c.off, c.reason)
}

// reader reads the records of one file of known size, checking every frame.
type reader struct {
	r    *bufio.Reader
	size int64 // size of the file when it was opened
	off  int64 // offset of the next record header
	hdr  [recordHeaderSize]byte
	buf  []byte // payload of the last record
}

func newReader(r io.Reader, size int64) *reader {
	return &reader{r: bufio.NewReaderSize(r, 256<<10), size: size}
}

// readHeader reads and checks the header of file idx. It returns a
// *corruption if the header is invalid and other errors if reading failed.
func (r *reader) readHeader(idx uint64) error {
	if r.size < fileHeaderSize {
		return &corruption{0, fmt.Sprintf("file of %d bytes is shorter than its header", r.size)}
	}
	var h [fileHeaderSize]byte
	if err := r.readFull(h[:]); err != nil {
		return err
	}
	if reason := checkFileHeader(h[:], idx); reason != "" {
		return &corruption{0, reason}
	}
	r.off = fileHeaderSize
	return nil
}

// next returns the next record, io.EOF at the clean end of the file, a
// *corruption if the bytes at the current offset are not a valid record, or
// another error if reading failed. The record is valid until the next call.
// After an error, next must not be called again.
func (r *reader) next() ([]byte, error) {
	remain := r.size - r.off
	if remain == 0 {
		return nil, io.EOF
	}
	if remain < recordHeaderSize {
		return nil, &corruption{r.off, fmt.Sprintf("partial record header of %d bytes", remain)}
	}
	h := r.hdr[:]
	if err := r.readFull(h); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[0:4])
	if n > MaxRecordSize {
		return nil, &corruption{r.off, fmt.Sprintf("record length %d exceeds the maximum %d", n, MaxRecordSize)}
	}
	if int64(n) > remain-recordHeaderSize {
		return nil, &corruption{r.off, fmt.Sprintf("record of %d bytes runs %d bytes past the end of the file",
			n, int64(n)-(remain-recordHeaderSize))}
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	rec := r.buf[:n]
	if err := r.readFull(rec); err != nil {
		return nil, err
	}
	crc := recordCRC(n, rec)
	if want := binary.LittleEndian.Uint32(h[4:8]); crc != want {
		return nil, &corruption{r.off, fmt.Sprintf("checksum mismatch: computed %#08x, header has %#08x", crc, want)}
	}
	r.off += recordHeaderSize + int64(n)
	return rec, nil
}

// readFull fills p. A file that ends before the size it had when opened is
// reported as corruption at the current offset.
func (r *reader) readFull(p []byte) error {
	if _, err := io.ReadFull(r.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &corruption{r.off, "file ends before its size"}
		}
		return err
	}
	return nil
}
