package agent

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/logpond/logpond/internal/ship"
)

// The spool keeps the batches of one stream on disk while the server is
// unreachable, in order; the format is in docs/agent.md. Its directory
// is STATE_DIR/spool/NAME with meta.json (the group and stream) and
// segment files NNNNNNNNNNNNNNNNNNNN.seg, each a sequence of records:
//
//	uint32 length of payload, little-endian
//	uint32 CRC-32C of payload
//	payload: uvarint event count, then per event varint timestamp,
//	         uvarint message length, message bytes
//
// Where the unsent records begin is kept in checkpoints.json, so that
// advancing it and advancing the sources' checkpoints are one write.
//
// A spool belongs to its pipeline's sender goroutine; it is not safe for
// concurrent use. Sizes are charged to a budget shared by every spool.

const (
	spoolSegmentBytes = 8 << 20
	spoolHeader       = 8
	spoolMaxRecord    = 64 << 20
)

var (
	errSpoolFull = errors.New("spool full")
	crcTable     = crc32.MakeTable(crc32.Castagnoli)
)

// spoolBudget bounds the bytes of every spool together.
type spoolBudget struct {
	max  int64
	used *atomic.Int64
}

func (b *spoolBudget) take(n int64) bool {
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

func (b *spoolBudget) give(n int64) { b.used.Add(-n) }

type spoolMeta struct {
	Group  string `json:"group"`
	Stream string `json:"stream"`
}

type spool struct {
	dir    string
	name   string // directory name, the key in checkpoints.json
	budget *spoolBudget

	segs []spoolSeg // oldest first; the last is written to
	head spoolPos   // the first unsent record
	w    *os.File   // the last segment, open for appending
}

type spoolSeg struct {
	n    uint64
	size int64
}

func segName(n uint64) string { return fmt.Sprintf("%020d.seg", n) }

// spoolName is the directory name of a stream's spool.
func spoolName(d destKey) string {
	h := crc32.Checksum([]byte(d.group+"\x00"+d.stream), crcTable)
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
				return r
			}
			return '_'
		}, s)
	}
	n := clean(d.group) + "~" + clean(d.stream)
	if len(n) > 80 {
		n = n[:80]
	}
	return fmt.Sprintf("%s~%08x", n, h)
}

// openSpool opens (or prepares, without creating anything yet) the spool
// of d in root, starting at head. A torn record at the end of the last
// segment, left by a crash while it was written, is cut off.
func openSpool(root string, d destKey, head spoolPos, budget *spoolBudget) (*spool, error) {
	name := spoolName(d)
	s := &spool{dir: filepath.Join(root, name), name: name, budget: budget, head: head}
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(base, 10, 64)
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("open spool: %w", err)
		}
		s.segs = append(s.segs, spoolSeg{n: n, size: fi.Size()})
	}
	slices.SortFunc(s.segs, func(a, b spoolSeg) int { return cmpUint(a.n, b.n) })
	// Segments before the head were sent; a crash may have left them.
	for len(s.segs) > 0 && s.segs[0].n < head.Seg {
		os.Remove(filepath.Join(s.dir, segName(s.segs[0].n)))
		s.segs = s.segs[1:]
	}
	if len(s.segs) == 0 {
		return s, nil
	}
	if s.segs[0].n > head.Seg {
		s.head = spoolPos{Seg: s.segs[0].n}
	}
	last := &s.segs[len(s.segs)-1]
	good, err := validRecords(filepath.Join(s.dir, segName(last.n)))
	if err != nil {
		return nil, err
	}
	if good < last.size {
		if err := os.Truncate(filepath.Join(s.dir, segName(last.n)), good); err != nil {
			return nil, fmt.Errorf("spool: cut torn record: %w", err)
		}
		last.size = good
	}
	for _, sg := range s.segs {
		budget.used.Add(sg.size)
	}
	if s.head.Seg == last.n && s.head.Off > last.size {
		s.head.Off = last.size
	}
	return s, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// validRecords returns the length of the run of whole, intact records at
// the start of a segment.
func validRecords(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	defer f.Close()
	var off int64
	var hdr [spoolHeader]byte
	for {
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return off, nil
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		if n == 0 || n > spoolMaxRecord {
			return off, nil
		}
		p := make([]byte, n)
		if _, err := f.ReadAt(p, off+spoolHeader); err != nil {
			return off, nil
		}
		if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return off, nil
		}
		off += spoolHeader + int64(n)
	}
}

// empty reports whether every record has been sent.
func (s *spool) empty() bool {
	if len(s.segs) == 0 {
		return true
	}
	last := s.segs[len(s.segs)-1]
	return s.head.Seg == last.n && s.head.Off >= last.size
}

// bytes is the spool's size on disk.
func (s *spool) bytes() int64 {
	var n int64
	for _, sg := range s.segs {
		n += sg.size
	}
	return n
}

// append writes a batch as one record and fsyncs it. It returns
// errSpoolFull, writing nothing, if the budget has no room.
func (s *spool) append(evs []ship.Event, d destKey) error {
	p := encodeBatch(evs)
	rec := make([]byte, spoolHeader, spoolHeader+len(p))
	binary.LittleEndian.PutUint32(rec[:4], uint32(len(p)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(p, crcTable))
	rec = append(rec, p...)
	if len(p) > spoolMaxRecord {
		return fmt.Errorf("spool: batch of %d bytes is too large", len(p))
	}
	if !s.budget.take(int64(len(rec))) {
		return errSpoolFull
	}
	if err := s.write(rec, d); err != nil {
		s.budget.give(int64(len(rec)))
		return err
	}
	return nil
}

func (s *spool) write(rec []byte, d destKey) error {
	if len(s.segs) == 0 || s.segs[len(s.segs)-1].size >= spoolSegmentBytes {
		if err := s.roll(d); err != nil {
			return err
		}
	}
	if s.w == nil {
		last := s.segs[len(s.segs)-1]
		f, err := os.OpenFile(filepath.Join(s.dir, segName(last.n)), os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.w = f
	}
	last := &s.segs[len(s.segs)-1]
	if _, err := s.w.WriteAt(rec, last.size); err != nil {
		return fmt.Errorf("spool write: %w", err)
	}
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("spool fsync: %w", err)
	}
	last.size += int64(len(rec))
	return nil
}

// roll starts a new segment, creating the directory on first use.
func (s *spool) roll(d destKey) error {
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
	n := s.head.Seg + 1
	if len(s.segs) > 0 {
		n = max(n, s.segs[len(s.segs)-1].n+1)
	}
	if len(s.segs) == 0 {
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		b, _ := json.Marshal(spoolMeta{Group: d.group, Stream: d.stream})
		if err := writeFileAtomic(filepath.Join(s.dir, "meta.json"), b); err != nil {
			return err
		}
		s.head = spoolPos{Seg: n}
	}
	f, err := os.OpenFile(filepath.Join(s.dir, segName(n)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	s.w = f
	s.segs = append(s.segs, spoolSeg{n: n})
	return nil
}

// peek reads the first unsent record and returns its events and the
// position after it.
func (s *spool) peek() ([]ship.Event, spoolPos, error) {
	for i, sg := range s.segs {
		if sg.n < s.head.Seg {
			continue
		}
		off := int64(0)
		if sg.n == s.head.Seg {
			off = s.head.Off
		}
		if off >= sg.size {
			if i == len(s.segs)-1 {
				return nil, s.head, io.EOF
			}
			continue
		}
		f, err := os.Open(filepath.Join(s.dir, segName(sg.n)))
		if err != nil {
			return nil, s.head, fmt.Errorf("spool: %w", err)
		}
		defer f.Close()
		var hdr [spoolHeader]byte
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return nil, spoolPos{Seg: sg.n, Off: sg.size}, fmt.Errorf("spool read: %w", err)
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		if n > spoolMaxRecord || off+spoolHeader+int64(n) > sg.size {
			// The rest of the segment cannot be framed: skip it.
			return nil, spoolPos{Seg: sg.n, Off: sg.size}, fmt.Errorf("spool %s: bad record length %d at %d", segName(sg.n), n, off)
		}
		p := make([]byte, n)
		if _, err := f.ReadAt(p, off+spoolHeader); err != nil {
			return nil, s.head, fmt.Errorf("spool read: %w", err)
		}
		next := spoolPos{Seg: sg.n, Off: off + spoolHeader + int64(n)}
		if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return nil, next, fmt.Errorf("spool %s: checksum mismatch at %d", segName(sg.n), off)
		}
		evs, err := decodeBatch(p)
		if err != nil {
			return nil, next, fmt.Errorf("spool %s at %d: %w", segName(sg.n), off, err)
		}
		return evs, next, nil
	}
	return nil, s.head, io.EOF
}

// advance moves the head to next (already durable in checkpoints.json)
// and removes segments that are wholly sent.
func (s *spool) advance(next spoolPos) {
	s.head = next
	for len(s.segs) > 1 && s.segs[0].n < next.Seg {
		s.drop(0)
	}
	if s.empty() && len(s.segs) == 1 && s.segs[0].size >= spoolSegmentBytes {
		s.drop(0)
	}
}

func (s *spool) drop(i int) {
	sg := s.segs[i]
	if i == len(s.segs)-1 && s.w != nil {
		s.w.Close()
		s.w = nil
	}
	os.Remove(filepath.Join(s.dir, segName(sg.n)))
	s.budget.give(sg.size)
	s.segs = slices.Delete(s.segs, i, i+1)
}

// reset removes every segment of an empty spool, so that it takes no room.
func (s *spool) reset() {
	for len(s.segs) > 0 {
		s.drop(0)
	}
}

func (s *spool) close() {
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
}

func encodeBatch(evs []ship.Event) []byte {
	n := binary.MaxVarintLen64
	for i := range evs {
		n += 2*binary.MaxVarintLen64 + len(evs[i].Message)
	}
	p := make([]byte, 0, n)
	p = binary.AppendUvarint(p, uint64(len(evs)))
	for i := range evs {
		p = binary.AppendVarint(p, evs[i].Timestamp)
		p = binary.AppendUvarint(p, uint64(len(evs[i].Message)))
		p = append(p, evs[i].Message...)
	}
	return p
}

func decodeBatch(p []byte) ([]ship.Event, error) {
	bad := errors.New("malformed batch")
	count, k := binary.Uvarint(p)
	if k <= 0 || count > uint64(len(p)) {
		return nil, bad
	}
	p = p[k:]
	evs := make([]ship.Event, 0, count)
	for range count {
		ts, k := binary.Varint(p)
		if k <= 0 {
			return nil, bad
		}
		p = p[k:]
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return nil, bad
		}
		p = p[k:]
		evs = append(evs, ship.Event{Timestamp: ts, Message: string(p[:n])})
		p = p[n:]
	}
	if len(p) != 0 {
		return nil, bad
	}
	return evs, nil
}

// listSpools returns the streams that have a spool directory in root.
func listSpools(root string) ([]destKey, error) {
	ents, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list spools: %w", err)
	}
	var out []destKey
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "meta.json"))
		if err != nil {
			continue // never written to: nothing in it
		}
		var m spoolMeta
		if err := json.Unmarshal(b, &m); err != nil || m.Group == "" || m.Stream == "" {
			return nil, fmt.Errorf("spool %s: bad meta.json", e.Name())
		}
		out = append(out, destKey{group: m.Group, stream: m.Stream})
	}
	return out, nil
}
