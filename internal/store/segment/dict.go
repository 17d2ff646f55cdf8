package segment

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"sync"
)

// Template dictionaries (format version 2; docs/format/segment.md,
// "Templates"). A block's templates repeat: a JSON log line differs from
// the next in its numbers, hex IDs (already out of the template) and a few
// quoted strings (level, service, message...). Version 2 stores each
// distinct "skeleton" (a template with its quoted strings replaced by slot
// markers) and each distinct quoted string ("value") once per block; per
// event, the skeleton's index and, per slot, the index of its value in
// that slot's table, each in as few bits as the choices need. On the
// loadgen corpus that is under 2 bytes of indexes instead of ~170 bytes of
// template per event before compression: far less to decompress, and a
// search for a term looks at the few dictionary entries instead of every
// event's text (decodeCandidatesDict).

// tmplDict is a parsed templates section of version 2. Offsets index sec.
type tmplDict struct {
	sec     []byte
	skelOff []uint32 // S+1: skeleton s is sec[skelOff[s]:skelOff[s+1]], with its end marker
	slotOff []uint32 // S+1: the slots of skeleton s are slotPos[slotOff[s]:slotOff[s+1]]
	slotPos []uint32 // offsets of slot markers
	valOff  []uint32 // V+1: value v is sec[valOff[v]:valOff[v+1]-1]
	// The indexes: the slot tables one after the other (tab), where the
	// table of slot k (the slots of all skeletons in order) starts
	// (tabOff, one more), the bits of an index into it (width), the bits
	// of a skeleton index (wskel), and the packed indexes (bits, nbits
	// bits long, followed by zero bytes for word loads).
	tab    []uint32
	tabOff []uint32
	width  []uint8
	wskel  uint8
	bits   []byte
	nbits  uint
	// nums and hex count the number markers and hex bytes of each
	// skeleton, then of each value (S+V entries).
	nums, hex []uint32
	// decodeCandidatesDict's: per entry, per skeleton, slots it reads.
	ents  []needEntry
	plans []skelPlan
	reads []slotRead
}

// parse parses sec and checks every dictionary entry; it returns a reason
// for "corrupt".
func (d *tmplDict) parse(sec []byte) string {
	d.sec = sec
	d.skelOff, d.slotOff, d.slotPos, d.valOff = d.skelOff[:0], d.slotOff[:0], d.slotPos[:0], d.valOff[:0]
	d.nums, d.hex = d.nums[:0], d.hex[:0]
	ns, p := uvarint(sec, 0)
	if p <= 0 || ns == 0 || ns > uint64(len(sec)) {
		return "bad skeleton count"
	}
	for range ns {
		d.skelOff = append(d.skelOff, uint32(p))
		d.slotOff = append(d.slotOff, uint32(len(d.slotPos)))
		var why string
		if p, why = d.entry(p, true); why != "" {
			return why
		}
	}
	d.skelOff = append(d.skelOff, uint32(p))
	d.slotOff = append(d.slotOff, uint32(len(d.slotPos)))
	nv, k := uvarint(sec, p)
	if k <= 0 || nv > uint64(len(sec)) {
		return "bad value count"
	}
	p += k
	for range nv {
		d.valOff = append(d.valOff, uint32(p))
		var why string
		if p, why = d.entry(p, false); why != "" {
			return why
		}
	}
	d.valOff = append(d.valOff, uint32(p))
	d.tab, d.tabOff, d.width = d.tab[:0], d.tabOff[:0], d.width[:0]
	for range len(d.slotPos) {
		d.tabOff = append(d.tabOff, uint32(len(d.tab)))
		c, k := uvarint(sec, p)
		if k <= 0 || c == 0 || c > nv {
			return "bad slot table"
		}
		p += k
		d.width = append(d.width, uint8(bits.Len64(c-1)))
		for range c {
			v, k := uvarint(sec, p)
			if k <= 0 || v >= nv {
				return "bad slot table"
			}
			p += k
			d.tab = append(d.tab, uint32(v))
		}
	}
	d.tabOff = append(d.tabOff, uint32(len(d.tab)))
	d.wskel = uint8(bits.Len64(ns - 1))
	d.bits = append(append(d.bits[:0], sec[p:]...), make([]byte, 8)...)
	d.nbits = uint(len(sec)-p) * 8
	return ""
}

// field returns the n-bit field (n ≤ 32) at bit pos of the indexes and the
// position after it, or false past their end.
func (d *tmplDict) field(pos uint, n uint8) (uint64, uint, bool) {
	end := pos + uint(n)
	if end > d.nbits {
		return 0, pos, false
	}
	x := binary.LittleEndian.Uint64(d.bits[pos>>3:])
	return x >> (pos & 7) & (1<<n - 1), end, true
}

// endOK reports whether the indexes end at bit pos: in its last byte.
func (d *tmplDict) endOK(pos uint) bool { return (pos+7)/8*8 == d.nbits }

// entry checks the dictionary entry at sec[p:], counting its number markers
// and hex bytes and, in a skeleton, noting its slots; it returns the
// offset after its end marker.
func (d *tmplDict) entry(p int, skel bool) (int, string) {
	t := d.sec
	var nums, hex uint32
	for {
		p = literalEnd(t, p)
		if p >= len(t) {
			return p, "template dictionary entry without an end marker"
		}
		switch t[p] {
		case tmEnd:
			d.nums, d.hex = append(d.nums, nums), append(d.hex, hex)
			return p + 1, ""
		case tmNumber:
			nums++
			p++
		case tmTime:
			p++
		case tmPadded:
			if p+1 >= len(t) || int(t[p+1])-padBase < 2 || int(t[p+1])-padBase > maxDigits {
				return p, "bad padded number"
			}
			nums++
			p += 2
		case tmHex:
			if p+1 >= len(t) || t[p+1] < minHexBytes {
				return p, "bad hex marker"
			}
			hex += uint32(t[p+1])
			p += 2
		case tmEscape:
			if p+1 >= len(t) || t[p+1] > tmLastMarker {
				return p, "bad escape"
			}
			p += 2
		case tmSlot:
			if !skel {
				return p, "slot marker in a value"
			}
			if p == 0 || t[p-1] != '"' || p+1 >= len(t) || t[p+1] != '"' {
				return p, "slot marker not between quotes"
			}
			d.slotPos = append(d.slotPos, uint32(p))
			p++
		}
	}
}

// expand appends the flat templates of n events to dst (version 1's
// templates section), failing when they would pass limit bytes.
func (d *tmplDict) expand(dst []byte, n, limit int) ([]byte, string) {
	var pos uint
	for range n {
		var why string
		if dst, pos, why = d.appendEvent(dst, pos, limit); why != "" {
			return nil, why
		}
	}
	if !d.endOK(pos) {
		return nil, "more template indexes than events"
	}
	return dst, ""
}

// skeleton reads the skeleton index at bit pos and returns it and the
// position after it.
func (d *tmplDict) skeleton(pos uint) (int, uint, string) {
	s, pos, ok := d.field(pos, d.wskel)
	if !ok || s >= uint64(len(d.skelOff)-1) {
		return 0, pos, "bad skeleton index"
	}
	return int(s), pos, ""
}

// value reads the index at bit pos of a value in slot k and returns the
// value and the position after it.
func (d *tmplDict) value(pos uint, k uint32) (uint32, uint, string) {
	i, pos, ok := d.field(pos, d.width[k])
	if !ok || i >= uint64(d.tabOff[k+1]-d.tabOff[k]) {
		return 0, pos, "bad value index"
	}
	return d.tab[d.tabOff[k]+uint32(i)], pos, ""
}

// render appends the message of an event of skeleton s whose value indexes
// start at bit pos, as appendMessage does from its flat template, and
// returns the position after its indexes.
func (d *tmplDict) render(out []byte, s int, pos uint, nums []byte, np *int, hex []byte, hp *int, ts int64, room int) ([]byte, uint, string) {
	t := d.sec
	p := int(d.skelOff[s])
	for k := d.slotOff[s]; ; k++ {
		var why string
		if out, p, why = appendUntil(out, t, p, nums, np, hex, hp, ts, room); why != "" {
			return nil, pos, why
		}
		if t[p] == tmEnd {
			return out, pos, ""
		}
		var v uint32
		if v, pos, why = d.value(pos, k); why != "" {
			return nil, pos, why
		}
		if out, _, why = appendUntil(out, t, int(d.valOff[v]), nums, np, hex, hp, ts, room); why != "" {
			return nil, pos, why
		}
		p++
	}
}

// appendEvent appends the flat template of the event whose indexes start
// at bit pos and returns the position after them.
func (d *tmplDict) appendEvent(dst []byte, pos uint, limit int) ([]byte, uint, string) {
	s, pos, why := d.skeleton(pos)
	if why != "" {
		return nil, pos, why
	}
	prev := d.skelOff[s]
	for k := d.slotOff[s]; k < d.slotOff[s+1]; k++ {
		var v uint32
		if v, pos, why = d.value(pos, k); why != "" {
			return nil, pos, why
		}
		sp := d.slotPos[k]
		dst = append(dst, d.sec[prev:sp]...)
		dst = append(dst, d.sec[d.valOff[v]:d.valOff[v+1]-1]...)
		prev = sp + 1
		if len(dst) > limit {
			return nil, pos, "templates longer than the header allows"
		}
	}
	dst = append(dst, d.sec[prev:d.skelOff[s+1]]...)
	if len(dst) > limit {
		return nil, pos, "templates longer than the header allows"
	}
	return dst, pos, ""
}

// flatLimit is the most bytes the flat templates of a block may take:
// escapes at most double a message, plus the end markers.
func flatLimit(h *blockHeader) int { return 2*int(h.msgBytes) + int(h.count) }

// v1Rewrite reports whether the version-1 templates t hold bytes 05 or 06:
// literal bytes there, which flatTemplates escapes.
func v1Rewrite(t []byte) bool {
	return bytes.IndexByte(t, tmSlot) >= 0 || bytes.IndexByte(t, tmPadded) >= 0
}

// dictPool holds parsed dictionaries for reuse.
var dictPool = sync.Pool{New: func() any { return new(tmplDict) }}

// flatTemplates returns the version-1 templates of a block whose templates
// section is sec: sec itself in a version-1 block, else expanded into a
// buffer from sectionPool left in *buf.
func flatTemplates(h *blockHeader, sec []byte, buf **[]byte) ([]byte, string) {
	if !h.dict {
		if !v1Rewrite(sec) {
			return sec, ""
		}
		bp := sectionPool.Get().(*[]byte)
		*buf = bp
		out := (*bp)[:0]
		for _, c := range sec {
			if c == tmSlot || c == tmPadded {
				out = append(out, tmEscape)
			}
			out = append(out, c)
		}
		*bp = out[:0]
		return out, ""
	}
	d := dictPool.Get().(*tmplDict)
	defer dictPool.Put(d)
	if why := d.parse(sec); why != "" {
		return nil, why
	}
	bp := sectionPool.Get().(*[]byte)
	*buf = bp
	out, why := d.expand((*bp)[:0], int(h.count), flatLimit(h))
	if why != "" {
		return nil, why
	}
	*bp = out[:0]
	return out, ""
}
