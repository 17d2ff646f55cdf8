package segment

import (
	"bytes"
	"encoding/binary"
	"sync"
)

// Template dictionaries (format version 2; docs/format/segment.md,
// "Templates"). A block's templates repeat: a JSON log line differs from
// the next in its numbers, hex IDs (already out of the template) and a few
// quoted strings (level, service, message...). Version 2 stores each
// distinct "skeleton" (a template with its quoted strings replaced by slot
// markers) and each distinct quoted string ("value") once per block, and
// per event only the skeleton's index and one value index per slot. On
// the loadgen corpus that is about 7 bytes of indexes instead of ~170 bytes
// of template per event before compression: far less to decompress, and a
// search for a term looks at the few dictionary entries instead of every
// event's text (decodeCandidatesDict).

// dictEncoder turns a block's flat templates (one after the other, each
// ending in tmEnd, as appendTemplateKeys writes them) into the dictionary
// form. Which strings become values is the writer's choice: here the
// content of every pair of quotes that is not empty and not followed by
// ':' (a JSON key stays in the skeleton).
type dictEncoder struct {
	skelIDs, valIDs map[string]uint32
	skels, vals     []byte   // the dictionaries, each entry ending in tmEnd
	skelEnds        []int32  // offset after each skeleton in skels
	valEnds         []int32  // and value in vals
	evIDs           []uint32 // per event: its skeleton's index, then its values'
	skel            []byte   // the current event's skeleton
	vids            []uint32 // and its value indexes
	fold            folder
}

// appendDict appends the dictionary form of flat to dst; ends holds the
// offset after each event's template and quotes the offsets of flat's
// literal '"' bytes (both increasing). nums are the block's numbers; it
// returns them without those it folded into the dictionaries (folder).
func (d *dictEncoder) appendDict(dst, flat []byte, ends, quotes []int32, nums []byte) ([]byte, []byte) {
	if d.skelIDs == nil {
		d.skelIDs, d.valIDs = make(map[string]uint32), make(map[string]uint32)
	} else {
		clear(d.skelIDs)
		clear(d.valIDs)
	}
	d.skels, d.vals, d.skelEnds, d.valEnds, d.evIDs = d.skels[:0], d.vals[:0], d.skelEnds[:0], d.valEnds[:0], d.evIDs[:0]
	p := 0
	for _, end := range ends {
		quotes = d.split(flat, p, int(end), quotes)
		p = int(end)
		id, ok := d.skelIDs[string(d.skel)]
		if !ok {
			id = uint32(len(d.skelIDs))
			d.skelIDs[string(d.skel)] = id
			d.skels = append(d.skels, d.skel...)
			d.skelEnds = append(d.skelEnds, int32(len(d.skels)))
		}
		d.evIDs = append(d.evIDs, id)
		d.evIDs = append(d.evIDs, d.vids...)
	}
	nums = d.fold.fold(d, nums)
	dst = binary.AppendUvarint(dst, uint64(len(d.skelEnds)))
	dst = append(dst, d.skels...)
	dst = binary.AppendUvarint(dst, uint64(len(d.valEnds)))
	dst = append(dst, d.vals...)
	for _, id := range d.evIDs {
		dst = binary.AppendUvarint(dst, uint64(id))
	}
	return dst, nums
}

// split sets d.skel and d.vids to the skeleton and values of the template
// flat[p:end], whose quotes are the first of quotes, and returns the rest
// of quotes. Quotes pair up in order; the text between a pair becomes a
// value unless it is empty or followed by ':' (a JSON key).
func (d *dictEncoder) split(flat []byte, p, end int, quotes []int32) []int32 {
	skel := d.skel[:0]
	d.vids = d.vids[:0]
	for len(quotes) >= 2 && int(quotes[1]) < end {
		a, b := int(quotes[0]), int(quotes[1])
		quotes = quotes[2:]
		if b > a+1 && flat[b+1] != ':' {
			skel = append(skel, flat[p:a+1]...)
			skel = append(skel, tmSlot)
			d.vids = append(d.vids, d.value(flat[a+1:b]))
			p = b
		}
	}
	if len(quotes) > 0 && int(quotes[0]) < end {
		quotes = quotes[1:] // unpaired
	}
	d.skel = append(skel, flat[p:end]...)
	return quotes
}

// value returns the index of v in the value dictionary, adding it.
func (d *dictEncoder) value(v []byte) uint32 {
	id, ok := d.valIDs[string(v)]
	if !ok {
		id = uint32(len(d.valIDs))
		d.valIDs[string(v)] = id
		d.vals = append(append(d.vals, v...), tmEnd)
		d.valEnds = append(d.valEnds, int32(len(d.vals)))
	}
	return id
}

// tmplDict is a parsed templates section of version 2. Offsets index sec.
type tmplDict struct {
	sec     []byte
	skelOff []uint32 // S+1: skeleton s is sec[skelOff[s]:skelOff[s+1]], with its end marker
	slotOff []uint32 // S+1: the slots of skeleton s are slotPos[slotOff[s]:slotOff[s+1]]
	slotPos []uint32 // offsets of slot markers
	valOff  []uint32 // V+1: value v is sec[valOff[v]:valOff[v+1]-1]
	ids     []byte
	// nums and hex count the number markers and hex bytes of each
	// skeleton, then of each value (S+V entries).
	nums, hex []uint32
	ents      []needEntry // decodeCandidatesDict's, per entry
}

// needEntry is what decodeCandidatesDict needs of a dictionary entry: the
// mask of the pieces it holds, its number markers and hex bytes, and, for
// a skeleton, its slots.
type needEntry struct {
	mask           uint64
	nums, hex, nsl uint32
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
	d.ids = sec[p:]
	return ""
}

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
	p := 0
	for range n {
		var why string
		if dst, p, why = d.appendEvent(dst, p, limit); why != "" {
			return nil, why
		}
	}
	if p != len(d.ids) {
		return nil, "more template indexes than events"
	}
	return dst, ""
}

// appendEvent appends the flat template of the event whose indexes start
// at ids[p] and returns the offset after them.
func (d *tmplDict) appendEvent(dst []byte, p, limit int) ([]byte, int, string) {
	ns, nv := uint64(len(d.skelOff)-1), uint64(len(d.valOff)-1)
	s, k := uvarint(d.ids, p)
	if k <= 0 || s >= ns {
		return nil, p, "bad skeleton index"
	}
	p += k
	prev := d.skelOff[s]
	for _, sp := range d.slotPos[d.slotOff[s]:d.slotOff[s+1]] {
		v, k := uvarint(d.ids, p)
		if k <= 0 || v >= nv {
			return nil, p, "bad value index"
		}
		p += k
		dst = append(dst, d.sec[prev:sp]...)
		dst = append(dst, d.sec[d.valOff[v]:d.valOff[v+1]-1]...)
		prev = sp + 1
		if len(dst) > limit {
			return nil, p, "templates longer than the header allows"
		}
	}
	dst = append(dst, d.sec[prev:d.skelOff[s+1]]...)
	if len(dst) > limit {
		return nil, p, "templates longer than the header allows"
	}
	return dst, p, ""
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
