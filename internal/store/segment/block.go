package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/zstd"
)

// Block bodies (docs/format/segment.md, "Block body"). A body holds four
// sections, each stored or zstd-compressed on its own:
//
//   - columns: timestamp deltas, ingestion-time deltas and sequence deltas,
//     one column after the other;
//   - templates: each message with its numbers, long hex strings and
//     timestamp replaced by markers, terminated by 0x00; in version 2 as
//     dictionaries of skeletons and values with indexes (dict.go), which
//     readers expand back into version 1's flat templates (flatTemplates)
//     for the decoders below;
//   - numbers: the values of the number markers, as uvarints;
//   - hex: the bytes of the hex markers.
//
// Splitting the variable parts out of the text lets zstd find the long
// repeats of the templates and code the numbers and hex bytes on their own;
// on the loadgen corpus this takes about a fifth off plain zstd.

// Template markers. Every other byte of a template is a literal byte of the
// message.
const (
	tmEnd    = 0x00 // end of the message
	tmNumber = 0x01 // the next value of the numbers section, in decimal
	tmHex    = 0x02 // followed by a byte n (8..255): the next n bytes of the hex section, as 2n lower-case hex digits
	tmTime   = 0x03 // the event's timestamp, in decimal
	tmEscape = 0x04 // followed by one literal byte (for message bytes 0x00..tmLastMarker)
	tmSlot   = 0x05 // version 2, in a skeleton only: the event's next value (dict.go)
	tmPadded = 0x06 // version 2: followed by padBase+w: the next value of the numbers section, in decimal, zero-padded to w digits
	// tmLastMarker is the largest marker byte: in version 2 (and in the
	// flat templates readers make of version 1 ones, flatTemplates) a
	// message byte up to it is written escaped.
	tmLastMarker = tmPadded
	// padBase+w is the byte after tmPadded, for widths 2..maxDigits: a
	// letter, so that no marker byte follows a marker.
	padBase = 0x40
)

const (
	minHexBytes = 8   // a hex marker stands for 16..510 hex digits
	maxHexBytes = 255 //
	maxDigits   = 19  // longer digit runs stay literal (10^19 < 2^64)
)

var isLowerHex = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	return t
}()

// blockEncoder accumulates the events of one block.
type blockEncoder struct {
	stream   uint64
	ts, ing  []int64
	seq      []uint64
	msgBytes int
	tmpl     []byte
	nums     []byte
	hex      []byte
	keys     keySet
	keyBuf   []uint64
	cols     []byte
	body     []byte
	dict     dictEncoder
	dictSec  []byte
	quotes   []int32 // offsets of the '"' bytes in tmpl
	ends     []int32 // offset after each template in tmpl
}

func (b *blockEncoder) count() int { return len(b.ts) }

func (b *blockEncoder) reset(stream uint64) {
	b.stream = stream
	b.ts, b.ing, b.seq = b.ts[:0], b.ing[:0], b.seq[:0]
	b.msgBytes = 0
	b.tmpl, b.nums, b.hex, b.quotes, b.ends = b.tmpl[:0], b.nums[:0], b.hex[:0], b.quotes[:0], b.ends[:0]
	b.keys.reset()
}

func (b *blockEncoder) add(e *Event) {
	b.ts = append(b.ts, e.Timestamp)
	b.ing = append(b.ing, e.Ingestion)
	b.seq = append(b.seq, e.Seq)
	b.msgBytes += len(e.Message)
	b.tmpl, b.nums, b.hex, b.keyBuf = appendTemplateKeys(b.tmpl, b.nums, b.hex, b.keyBuf[:0], &b.quotes, e.Message, e.Timestamp)
	b.ends = append(b.ends, int32(len(b.tmpl)))
	for _, k := range b.keyBuf {
		b.keys.add(k)
	}
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

// encode returns the header and body of the block, compressing the
// templates (in the dictionary form, dict.go) with tenc and the other
// sections with enc; the body aliases b's buffers until the next reset.
func (b *blockEncoder) encode(enc, tenc *zstd.Encoder) (blockHeader, []byte) {
	n := len(b.ts)
	h := blockHeader{
		stream:   b.stream,
		minTS:    b.ts[0],
		maxTS:    b.ts[n-1],
		minSeq:   b.seq[0],
		maxSeq:   b.seq[0],
		count:    uint32(n),
		msgBytes: uint32(b.msgBytes),
	}
	for _, s := range b.seq {
		h.minSeq = min(h.minSeq, s)
		h.maxSeq = max(h.maxSeq, s)
	}
	cols := b.cols[:0]
	for i := 1; i < n; i++ {
		cols = binary.AppendUvarint(cols, uint64(b.ts[i]-b.ts[i-1]))
	}
	prev := b.ts[0]
	for _, v := range b.ing {
		cols = binary.AppendVarint(cols, v-prev)
		prev = v
	}
	prevSeq := h.minSeq
	for _, v := range b.seq {
		cols = binary.AppendVarint(cols, int64(v-prevSeq))
		prevSeq = v
	}
	b.cols = cols
	body := b.body[:0]
	body = appendSection(body, enc, cols)
	var nums []byte
	b.dictSec, nums = b.dict.appendDict(b.dictSec[:0], b.tmpl, b.ends, b.quotes, b.nums)
	body = appendSection(body, tenc, b.dictSec)
	body = appendSection(body, enc, nums)
	body = appendSection(body, enc, b.hex)
	b.body = body
	h.bodyLen = uint32(len(body))
	h.bodyCRC = crc(body)
	return h, body
}

// appendSection appends codec, raw length, stored length and the stored
// bytes of one section: zstd-compressed unless that is not smaller.
func appendSection(dst []byte, enc *zstd.Encoder, raw []byte) []byte {
	var hdr [1 + 2*binary.MaxVarintLen64]byte
	start := len(dst)
	dst = append(dst, hdr[:]...) // room for the section header
	if len(raw) > 0 {
		dst = enc.EncodeAll(raw, dst)
	}
	stored := dst[start+len(hdr):]
	codec := byte(codecZstd)
	if len(raw) == 0 || len(stored) >= len(raw) {
		codec = codecStored
		dst = append(dst[:start+len(hdr)], raw...)
		stored = dst[start+len(hdr):]
	}
	h := append(hdr[:0], codec)
	h = binary.AppendUvarint(h, uint64(len(raw)))
	h = binary.AppendUvarint(h, uint64(len(stored)))
	// Move the stored bytes down to follow the actual header length.
	n := copy(dst[start:], h)
	copy(dst[start+n:], stored)
	return dst[:start+n+len(stored)]
}

// Block is one decompressed, decoded block, immutable once built; the Cache
// holds Blocks. Its messages share one allocation.
type Block struct {
	ts   []int64
	ing  []int64
	seq  []uint64
	offs []uint32 // message i is msgs[offs[i]:offs[i+1]]
	msgs string
	// sizes, set only in a block decoded with JSON messages only
	// (decodeJSONOnly), holds the length of every message, also of those
	// left out (empty in msgs).
	sizes []uint32
	// sparse is set in a block decoded with Query.Need
	// (decodeCandidates): the events whose messages are empty were left
	// out, and the Cursor skips them.
	sparse bool
	// skipped, in a sparse block of version 2, counts the events left
	// out altogether (the Block holds only the candidates).
	skipped int
	// batch, in a block decoded for Query.Batches, holds the events whose
	// messages were left empty for it (batch.go).
	batch *Batch
	// pooled: the block comes from blockPool (getBlock), and goes back
	// when the cursor that decoded it leaves it.
	pooled bool
}

// Len returns the number of events in the block.
func (b *Block) Len() int { return len(b.ts) }

// Size returns the approximate memory the block holds, in bytes, for cache
// accounting.
func (b *Block) Size() int {
	n := len(b.msgs) + 28*len(b.ts) + 4 + 128
	if b.batch != nil {
		n += (16 + 9*len(b.batch.Fields)) * b.batch.Len()
	}
	return n
}

// event returns event i; its Message is empty in a block decoded without
// messages (decodeColumnsOnly).
func (b *Block) event(stream uint64, i int) Event {
	e := Event{Stream: stream, Timestamp: b.ts[i], Ingestion: b.ing[i], Seq: b.seq[i]}
	if b.offs != nil {
		e.Message = b.msgs[b.offs[i]:b.offs[i+1]]
	}
	return e
}

var (
	decoderOnce sync.Once
	decoder     *zstd.Decoder
)

// zstdDecoder returns the package's decoder: DecodeAll is safe for
// concurrent use and, with the cap limit, never grows its output past the
// capacity given.
func zstdDecoder() *zstd.Decoder {
	decoderOnce.Do(func() {
		var err error
		decoder, err = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecodeAllCapLimit(true),
			zstd.WithDecoderMaxMemory(4*maxBlockMsgBytes))
		if err != nil {
			panic(err) // only bad options can fail
		}
	})
	return decoder
}

var sectionPool = sync.Pool{New: func() any { return new([]byte) }}

// decodeBody decodes a block body whose header h has been checked against
// the index. It returns a reason for "corrupt" instead of an error.
func decodeBody(h *blockHeader, body []byte) (*Block, string) {
	return decodeBodyMode(h, body, false)
}

func decodeBodyMode(h *blockHeader, body []byte, jsonOnly bool) (*Block, string) {
	n := int(h.count)
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.all(); why != "" {
		return nil, why
	}
	secs := &ss.sec
	b := newBlock(n)
	if jsonOnly {
		b.sizes = make([]uint32, n)
	}
	if why := decodeColumns(h, secs[0], b); why != "" {
		return nil, why
	}
	var flatBuf *[]byte
	tmpl, why := flatTemplates(h, secs[1], &flatBuf)
	if flatBuf != nil {
		defer sectionPool.Put(flatBuf)
	}
	if why != "" {
		return nil, why
	}
	msgs, why := decodeMessages(h, tmpl, secs[2], secs[3], b)
	if why != "" {
		return nil, why
	}
	if len(msgs) > 0 {
		// msgs is never written again: the string may share it.
		b.msgs = unsafe.String(&msgs[0], len(msgs))
	}
	return b, ""
}

// decodeJSONOnly is decodeBody that rebuilds only the messages that may be
// JSON objects: those whose first byte that is not JSON white space (space,
// tab, newline, carriage return) is '{'. The others are left empty; the
// Block's sizes hold every message's length. Template bytes before the
// first marker are the message's own bytes, so the test on the template is
// exact.
func decodeJSONOnly(h *blockHeader, body []byte, fields []string, spread, batch bool) (*Block, string) {
	if h.dict {
		return decodeJSONOnlyDict(h, body, fields, spread, batch)
	}
	return decodeBodyMode(h, body, true)
}

// decodeColumnsOnly is decodeBody for the first section only: a Block
// without messages (offs nil), for reads that need only the columns. The
// other sections are not decompressed (the body checksum covers them).
// The Block reuses the memory of reuse, a Block without messages that is
// no longer used, when not nil.
func decodeColumnsOnly(h *blockHeader, body []byte, reuse *Block) (*Block, string) {
	n := int(h.count)
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.upTo(1); why != "" {
		return nil, why
	}
	col := ss.sec[0]
	b := reuse
	if b == nil || b.offs != nil || cap(b.ts) < n || cap(b.ing) < n || cap(b.seq) < n {
		b = &Block{ts: make([]int64, n), ing: make([]int64, n), seq: make([]uint64, n)}
	}
	b.ts, b.ing, b.seq = b.ts[:n], b.ing[:n], b.seq[:n]
	if why := decodeColumns(h, col, b); why != "" {
		return nil, why
	}
	return b, ""
}

func putSectionBufs(bufs *[sectionCount]*[]byte) {
	for _, p := range bufs {
		if p != nil {
			sectionPool.Put(p)
		}
	}
}

// sections reads the sections of a block body in order, keeping their
// decompression buffers until put.
type sections struct {
	h    *blockHeader
	body []byte
	p    int // offset of the next section
	n    int // sections read
	sec  [sectionCount][]byte
	bufs [sectionCount]*[]byte
}

// upTo reads the sections before section to, or returns a reason for
// "corrupt".
func (s *sections) upTo(to int) string {
	for ; s.n < to; s.n++ {
		var why string
		if s.sec[s.n], s.p, why = readSection(s.h, s.body, s.p, s.n, &s.bufs[s.n]); why != "" {
			return why
		}
	}
	return ""
}

// all reads every section and checks that nothing follows them.
func (s *sections) all() string {
	if why := s.upTo(sectionCount); why != "" {
		return why
	}
	if s.p != len(s.body) {
		return "trailing bytes after the sections"
	}
	return ""
}

func (s *sections) put() { putSectionBufs(&s.bufs) }

// newBlock returns a Block with the columns and message offsets of n
// events.
func newBlock(n int) *Block {
	return &Block{ts: make([]int64, n), ing: make([]int64, n), seq: make([]uint64, n), offs: make([]uint32, n+1)}
}

// readSection decodes section s of a body with header h, which starts at
// body[p]: it returns the section's raw bytes and the offset after it, or a
// reason for "corrupt". A decompressed section lives in a buffer from
// sectionPool, left in *buf for the caller to put back.
func readSection(h *blockHeader, body []byte, p, s int, buf **[]byte) ([]byte, int, string) {
	n := int(h.count)
	limits := [sectionCount]int{
		3 * binary.MaxVarintLen64 * n, // columns
		flatLimit(h),                  // templates: escapes at most double
		int(h.msgBytes),               // numbers: a varint is no longer than its digits
		int(h.msgBytes) / 2,           // hex: two digits a byte
	}
	if h.dict {
		// Dictionaries no longer than the flat templates, and three-byte
		// indexes: one skeleton per event and one value per two quotes.
		limits[1] = flatLimit(h) + 3*n + 3*int(h.msgBytes)/2
	}
	if p >= len(body) {
		return nil, p, "block body ends before its sections"
	}
	codec := body[p]
	p++
	raw, k := binary.Uvarint(body[p:])
	if k <= 0 {
		return nil, p, "bad section length"
	}
	p += k
	stored, k := binary.Uvarint(body[p:])
	if k <= 0 {
		return nil, p, "bad section length"
	}
	p += k
	if raw > uint64(limits[s]) || stored > uint64(len(body)-p) {
		return nil, p, fmt.Sprintf("section %d lengths %d/%d out of range", s, raw, stored)
	}
	src := body[p : p+int(stored)]
	p += int(stored)
	switch codec {
	case codecStored:
		if stored != raw {
			return nil, p, "stored section length mismatch"
		}
		return src, p, ""
	case codecZstd:
		bp := sectionPool.Get().(*[]byte)
		*buf = bp
		if cap(*bp) < int(raw) {
			*bp = make([]byte, 0, raw)
		}
		out, err := zstdDecoder().DecodeAll(src, (*bp)[:0:raw])
		if err != nil {
			return nil, p, "zstd: " + err.Error()
		}
		if len(out) != int(raw) {
			return nil, p, "decompressed section length mismatch"
		}
		return out, p, ""
	}
	return nil, p, fmt.Sprintf("unknown section codec %d", codec)
}

func decodeColumns(h *blockHeader, col []byte, b *Block) string {
	n := len(b.ts)
	p := 0
	ts := b.ts[:n]
	ts[0] = h.minTS
	room := uint64(h.maxTS) - uint64(h.minTS) // what the deltas may add up to
	// The one-byte varints (nearly every delta) are read inline in each
	// loop: a helper does not fit the compiler's inlining budget, and
	// the call cost this function over half its time.
	for i := 1; i < n; i++ {
		var d uint64
		if p < len(col) && col[p] < 0x80 {
			d = uint64(col[p])
			p++
		} else {
			var k int
			if d, k = uvarint(col, p); k <= 0 {
				return "bad timestamp column"
			}
			p += k
		}
		if d > room {
			return "timestamp out of the block's range"
		}
		room -= d
		ts[i] = ts[i-1] + int64(d)
	}
	if ts[n-1] != h.maxTS {
		return "last timestamp differs from the header"
	}
	prev := h.minTS
	ing := b.ing[:n]
	for i := range ing {
		var ux uint64
		if p < len(col) && col[p] < 0x80 {
			ux = uint64(col[p])
			p++
		} else {
			var k int
			if ux, k = uvarint(col, p); k <= 0 {
				return "bad ingestion-time column"
			}
			p += k
		}
		prev += unzigzag(ux)
		ing[i] = prev
	}
	prevSeq := h.minSeq
	seenMin, seenMax := false, false
	seq := b.seq[:n]
	for i := range seq {
		var ux uint64
		if p < len(col) && col[p] < 0x80 {
			ux = uint64(col[p])
			p++
		} else {
			var k int
			if ux, k = uvarint(col, p); k <= 0 {
				return "bad sequence column"
			}
			p += k
		}
		prevSeq += uint64(unzigzag(ux))
		s := prevSeq
		if s < h.minSeq || s > h.maxSeq {
			return "sequence number out of the block's range"
		}
		if i > 0 && ts[i] == ts[i-1] && s <= seq[i-1] {
			return "events out of (timestamp, sequence) order"
		}
		seenMin = seenMin || s == h.minSeq
		seenMax = seenMax || s == h.maxSeq
		seq[i] = s
	}
	if !seenMin || !seenMax {
		return "sequence range differs from the header"
	}
	if p != len(col) {
		return "trailing bytes in the column section"
	}
	return ""
}

// uvarint is binary.Uvarint(b[p:]) with fast paths for the one- and
// two-byte values that most deltas and numbers are.
func uvarint(b []byte, p int) (uint64, int) {
	if p < len(b) && b[p] < 0x80 {
		return uint64(b[p]), 1
	}
	if p+1 < len(b) && b[p+1] < 0x80 {
		return uint64(b[p]&0x7f) | uint64(b[p+1])<<7, 2
	}
	return binary.Uvarint(b[p:])
}

// varint is binary.Varint(b[p:]) with the same fast path.
func varint(b []byte, p int) (int64, int) {
	ux, k := uvarint(b, p)
	return unzigzag(ux), k
}

// unzigzag decodes a zigzag-encoded varint value.
func unzigzag(ux uint64) int64 { return int64(ux>>1) ^ -int64(ux&1) }

const hexDigits = "0123456789abcdef"

// decodeMessages rebuilds the messages from the templates. In a block with
// sizes (decodeJSONOnly), messages that cannot be JSON objects are only
// measured, not rebuilt.
func decodeMessages(h *blockHeader, tmpl, nums, hex []byte, b *Block) ([]byte, string) {
	n := len(b.ts)
	limit := int(h.msgBytes)
	out := make([]byte, 0, limit)
	ev, np, hp := 0, 0, 0
	skipped := 0 // bytes of the messages left out
	p := 0
	noEscapes := b.sizes != nil && bytes.IndexByte(tmpl, tmEscape) < 0
	for ; p < len(tmpl) && ev < n; ev++ {
		if b.sizes != nil && !jsonTemplate(tmpl[p:]) {
			var q, sz int
			var why string
			if noEscapes {
				q, sz, why = measureNoEscapes(tmpl, p, nums, &np, len(hex), &hp, b.ts[ev])
			} else {
				q, sz, why = measureMessage(tmpl, p, nums, &np, hex, &hp, b.ts[ev], limit-len(out)-skipped)
			}
			if why == "" && sz > limit-len(out)-skipped {
				why = "messages longer than the header says"
			}
			if why != "" {
				return nil, why
			}
			if p = q; p == len(tmpl) {
				return nil, "fewer messages than events" // no end marker
			}
			if sz == 0 {
				return nil, "empty message"
			}
			skipped += sz
			b.sizes[ev] = uint32(sz)
			b.offs[ev+1] = uint32(len(out))
			p++
			continue
		}
		start := len(out)
		var why string
		if out, p, why = appendMessage(out, tmpl, p, nums, &np, hex, &hp, b.ts[ev], limit-skipped); why != "" {
			return nil, why
		}
		if len(out) == start {
			return nil, "empty message"
		}
		if b.sizes != nil {
			b.sizes[ev] = uint32(len(out) - start)
		}
		b.offs[ev+1] = uint32(len(out))
	}
	switch {
	case p < len(tmpl):
		return nil, "more messages than events"
	case ev != n:
		return nil, "fewer messages than events"
	case len(out)+skipped != limit:
		return nil, "message bytes differ from the header"
	case np != len(nums) || hp != len(hex):
		return nil, "unused number or hex bytes"
	}
	return out, ""
}

// appendMessage rebuilds the message whose template starts at tmpl[p],
// consuming its numbers and hex bytes (advancing *np and *hp), appends it to
// out and returns out and the position after the end marker, or a reason
// for "corrupt". ts is the event's timestamp; out must not grow past room.
func appendMessage(out, tmpl []byte, p int, nums []byte, np *int, hex []byte, hp *int, ts int64, room int) ([]byte, int, string) {
	out, p, why := appendUntil(out, tmpl, p, nums, np, hex, hp, ts, room)
	if why == "" && tmpl[p] == tmSlot {
		return nil, p, "slot marker outside a skeleton"
	}
	return out, p + 1, why
}

// appendUntil is appendMessage that stops at the end marker or at a slot
// marker, and returns its position.
func appendUntil(out, tmpl []byte, p int, nums []byte, np *int, hex []byte, hp *int, ts int64, room int) ([]byte, int, string) {
	for {
		if p >= len(tmpl) {
			return nil, p, "fewer messages than events" // no end marker
		}
		c := tmpl[p]
		if c > tmLastMarker {
			q := literalEnd(tmpl, p+1)
			out = append(out, tmpl[p:q]...)
			p = q
			continue
		}
		if len(out) > room {
			return nil, p, "messages longer than the header says"
		}
		switch c {
		case tmEnd, tmSlot:
			return out, p, ""
		case tmNumber:
			v, k := uvarint(nums, *np)
			if k <= 0 {
				return nil, p, "bad number"
			}
			*np += k
			out = appendDecimal(out, v)
			p++
		case tmHex:
			if p+1 >= len(tmpl) {
				return nil, p, "truncated hex marker"
			}
			k := int(tmpl[p+1])
			if k < minHexBytes || k > len(hex)-*hp {
				return nil, p, "bad hex marker"
			}
			out = appendHex(out, hex[*hp:*hp+k])
			*hp += k
			p += 2
		case tmTime:
			if ts < 0 {
				return nil, p, "timestamp marker for a negative timestamp"
			}
			out = appendDecimal(out, uint64(ts))
			p++
		case tmPadded:
			v, w, k := padded(tmpl, p, nums, *np)
			if k <= 0 {
				return nil, p, "bad padded number"
			}
			*np += k
			for range w - decimalLen(v) {
				out = append(out, '0')
			}
			out = appendDecimal(out, v)
			p += 2
		case tmEscape:
			if p+1 >= len(tmpl) || tmpl[p+1] > tmLastMarker {
				return nil, p, "bad escape"
			}
			out = append(out, tmpl[p+1])
			p += 2
		}
	}
}

// appendHex appends the bytes of x as lower-case hex digits.
func appendHex(out, x []byte) []byte {
	l := len(out)
	out = append(out, make([]byte, 2*len(x))...)
	d := out[l:]
	for i, c := range x {
		d[2*i], d[2*i+1] = hexDigits[c>>4], hexDigits[c&15]
	}
	return out
}

// jsonTemplate reports whether the message whose template starts t may be
// a JSON object: its first byte that is not JSON white space is '{'.
func jsonTemplate(t []byte) bool {
	i := 0
	for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
		i++
	}
	return i < len(t) && t[i] == '{'
}

// measureMessage walks the template of one message from t[p] to its end
// marker (or the end of t) without rebuilding it: it consumes its numbers
// and hex bytes (advancing *np and *hp) and returns where it stopped and
// the message's length, or a reason for "corrupt" when the length passes
// room or a marker is bad.
func measureMessage(t []byte, p int, nums []byte, np *int, hex []byte, hp *int, ts int64, room int) (int, int, string) {
	sz := 0
	for p < len(t) && t[p] != tmEnd {
		if sz > room {
			return p, sz, "messages longer than the header says"
		}
		switch t[p] {
		case tmNumber:
			v, k := uvarint(nums, *np)
			if k <= 0 {
				return p, sz, "bad number"
			}
			*np += k
			sz += decimalLen(v)
			p++
		case tmHex:
			if p+1 >= len(t) {
				return p, sz, "truncated hex marker"
			}
			k := int(t[p+1])
			if k < minHexBytes || k > len(hex)-*hp {
				return p, sz, "bad hex marker"
			}
			*hp += k
			sz += 2 * k
			p += 2
		case tmTime:
			if ts < 0 {
				return p, sz, "timestamp marker for a negative timestamp"
			}
			sz += decimalLen(uint64(ts))
			p++
		case tmPadded:
			_, w, k := padded(t, p, nums, *np)
			if k <= 0 {
				return p, sz, "bad padded number"
			}
			*np += k
			sz += w
			p += 2
		case tmEscape:
			if p+1 >= len(t) || t[p+1] > tmLastMarker {
				return p, sz, "bad escape"
			}
			sz++
			p += 2
		case tmSlot:
			return p, sz, "slot marker outside a skeleton"
		default:
			q := literalEnd(t, p+1)
			sz += q - p
			p = q
		}
	}
	if sz > room {
		return p, sz, "messages longer than the header says"
	}
	return p, sz, ""
}

// measureNoEscapes is measureMessage for templates without escapes: it
// finds the end marker and counts the other markers with vectorised
// searches, and reads only the numbers (for their decimal lengths).
func measureNoEscapes(t []byte, p int, nums []byte, np *int, hexLen int, hp *int, ts int64) (int, int, string) {
	end := bytes.IndexByte(t[p:], tmEnd)
	if end < 0 {
		return len(t), 0, "fewer messages than events" // no end marker
	}
	span := t[p : p+end]
	sz := len(span)
	for i := bytes.IndexByte(span, tmHex); i >= 0; {
		if i+1 >= len(span) {
			return p, sz, "truncated hex marker"
		}
		k := int(span[i+1])
		if k < minHexBytes || k > hexLen-*hp {
			return p, sz, "bad hex marker"
		}
		*hp += k
		sz += 2*k - 2
		j := bytes.IndexByte(span[i+2:], tmHex)
		if j < 0 {
			break
		}
		i += 2 + j
	}
	if c := bytes.Count(span, []byte{tmTime}); c > 0 {
		if ts < 0 {
			return p, sz, "timestamp marker for a negative timestamp"
		}
		sz += c * (decimalLen(uint64(ts)) - 1)
	}
	if bytes.IndexByte(span, tmPadded) < 0 {
		for c := bytes.Count(span, []byte{tmNumber}); c > 0; c-- {
			v, k := uvarint(nums, *np)
			if k <= 0 {
				return p, sz, "bad number"
			}
			*np += k
			sz += decimalLen(v) - 1
		}
		return p + end, sz, ""
	}
	// Numbers in template order: plain and padded ones share the section.
	for i := 0; ; i++ {
		j := bytes.IndexAny(span[i:], "\x01\x06")
		if j < 0 {
			break
		}
		i += j
		if span[i] == tmNumber {
			v, k := uvarint(nums, *np)
			if k <= 0 {
				return p, sz, "bad number"
			}
			*np += k
			sz += decimalLen(v) - 1
			continue
		}
		_, w, k := padded(span, i, nums, *np)
		if k <= 0 {
			return p, sz, "bad padded number"
		}
		*np += k
		sz += w - 2
		i++
	}
	return p + end, sz, ""
}

// padded decodes the padded number whose marker is t[p] and whose value
// starts at nums[np]: its value, width and varint length (≤ 0 when bad:
// a missing or bad width, a bad varint, or a value without a leading zero
// at that width).
func padded(t []byte, p int, nums []byte, np int) (uint64, int, int) {
	if p+1 >= len(t) {
		return 0, 0, 0
	}
	w := int(t[p+1]) - padBase
	if w < 2 || w > maxDigits {
		return 0, 0, 0
	}
	v, k := uvarint(nums, np)
	if k <= 0 || decimalLen(v) >= w {
		return 0, 0, 0
	}
	return v, w, k
}

// pow10 holds 10^0 … 10^19.
var pow10 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// decimalLen returns the number of decimal digits of v.
func decimalLen(v uint64) int {
	d := bits.Len64(v) * 1233 >> 12 // ⌊log10(2^len)⌋: d or d+1 digits
	if v >= pow10[d] {
		d++
	}
	return max(d, 1)
}

// digitPairs holds "00" … "99".
var digitPairs = func() (t [200]byte) {
	for i := 0; i < 100; i++ {
		t[2*i], t[2*i+1] = byte('0'+i/10), byte('0'+i%10)
	}
	return t
}()

// appendDecimal appends v in decimal (strconv.AppendUint(out, v, 10),
// writing the digits in place two at a time).
func appendDecimal(out []byte, v uint64) []byte {
	if v < 10 {
		return append(out, byte('0'+v))
	}
	n := decimalLen(v)
	l := len(out)
	if cap(out)-l < n {
		out = append(out, make([]byte, n)...)
	}
	out = out[:l+n]
	i := l + n
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		out[i], out[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		v = q
	}
	if v >= 10 {
		out[i-2], out[i-1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		out[i-1] = byte('0' + v)
	}
	return out
}

// literalEnd returns the index of the first marker byte (≤ tmLastMarker)
// in t at or after i, or len(t). It tests eight bytes at a time: for a word
// x, (x - 0x07…07) & ^x & 0x80…80 is non-zero exactly when some byte of x
// is below 7 (exactly: the lowest such byte is flagged, and no flag comes
// before it).
func literalEnd(t []byte, i int) int {
	const lo, hi = 0x0707070707070707, 0x8080808080808080
	for ; i+8 <= len(t); i += 8 {
		x := binary.LittleEndian.Uint64(t[i:])
		if m := (x - lo) & ^x & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(t) && t[i] > tmLastMarker {
		i++
	}
	return i
}
