package agent

import (
	"bytes"
	"hash/fnv"
	"io"
	"os"
)

// fpSpec says which bytes of a file identify it: its first bytes, or a
// range of its first lines (awslogs.conf's file_fingerprint_lines).
type fpSpec struct {
	bytes               int
	firstLine, lastLine int // 1-based, inclusive; used when bytes is 0
}

// fpMaxHead bounds what is read of a file to find its fingerprint.
const fpMaxHead = 64 << 10

// fingerprint is the FNV-1a 64 hash of the n bytes at off. A file whose
// bytes there hash the same is taken to hold the same content. n is 0
// while the file has nothing to fingerprint (an empty file); such a
// fingerprint matches nothing. While the region is shorter than the spec
// asks (the file is still small), it grows with the file.
type fingerprint struct {
	off, n int64
	sum    uint64
	full   bool // the region is as long as the spec asks
}

func (sp fpSpec) headSize() int {
	if sp.bytes > 0 {
		return sp.bytes
	}
	return fpMaxHead
}

// compute returns the fingerprint of a file that begins with head (head
// is all of the file if shorter than headSize).
func (sp fpSpec) compute(head []byte) fingerprint {
	var off, end int
	full := false
	if sp.bytes > 0 {
		end = min(len(head), sp.bytes)
		full = end == sp.bytes
	} else {
		line, i := 1, 0
		for line < sp.firstLine {
			j := bytes.IndexByte(head[i:], '\n')
			if j < 0 {
				return fingerprint{} // the first fingerprint line has not begun
			}
			i += j + 1
			line++
		}
		off, end = i, i
		for line <= sp.lastLine {
			j := bytes.IndexByte(head[end:], '\n')
			if j < 0 {
				end = len(head)
				break
			}
			end += j + 1
			line++
		}
		full = line > sp.lastLine
	}
	if end == off {
		return fingerprint{}
	}
	return fingerprint{off: int64(off), n: int64(end - off), sum: fpHash(head[off:end]), full: full}
}

func fpHash(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// readHead reads up to n bytes from the start of f.
func readHead(f *os.File, n int) ([]byte, error) {
	b := make([]byte, n)
	k, err := f.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	return b[:k], err
}

// matches reports whether f holds fp's bytes.
func (fp fingerprint) matches(f *os.File) (bool, error) {
	if fp.n == 0 {
		return false, nil
	}
	b := make([]byte, fp.n)
	k, err := f.ReadAt(b, fp.off)
	if err == io.EOF && int64(k) < fp.n {
		return false, nil
	}
	if err != nil && err != io.EOF {
		return false, err
	}
	return fpHash(b) == fp.sum, nil
}

// matchesHead reports whether a file beginning with head holds fp's bytes.
func (fp fingerprint) matchesHead(head []byte) bool {
	if fp.n == 0 || fp.off+fp.n > int64(len(head)) {
		return false
	}
	return fpHash(head[fp.off:fp.off+fp.n]) == fp.sum
}
