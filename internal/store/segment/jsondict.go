package segment

import (
	"sync"
	"unsafe"
)

// Reading only the JSON messages of a version-2 block (Query.JSONOnly).
// Whether a message may be a JSON object is a property of its skeleton
// (the message starts like its skeleton, and a skeleton cannot start with
// a slot); the other messages are measured, not rebuilt, from what each
// dictionary entry contributes: its fixed bytes once per block, and per
// event only the decimal lengths of its plain numbers. JSON messages are
// rendered straight from the entries, without expanding the templates.

// measureEntry is what a dictionary entry adds to the length of a message.
type measureEntry struct {
	fixed  int    // literal and escaped bytes, hex digits, padded widths
	times  int    // timestamp markers
	hex    int    // hex bytes used
	kinds  uint32 // offset in jsonScratch.kinds of its number markers (tmNumber, or padBase+width for a padded one; tmSlot between skeleton parts)
	nkinds uint32
	json   bool // a skeleton whose messages may be JSON objects
}

type jsonScratch struct {
	ents  []measureEntry
	kinds []byte
}

var jsonScratchPool = sync.Pool{New: func() any { return new(jsonScratch) }}

// measure returns what the dictionary entry t adds, appending its number
// markers (and slots) to kinds.
func (e *measureEntry) measure(t []byte, kinds []byte) []byte {
	start := len(kinds)
	p := 0
	for {
		q := literalEnd(t, p)
		e.fixed += q - p
		p = q
		switch t[p] { // parse checked the entry: it ends with tmEnd
		case tmEnd:
			e.nkinds = uint32(len(kinds) - start)
			return kinds
		case tmNumber, tmSlot:
			kinds = append(kinds, t[p])
			p++
		case tmPadded:
			kinds = append(kinds, t[p+1]) // padBase + width
			e.fixed += int(t[p+1]) - padBase
			p += 2
		case tmTime:
			e.times++
			p++
		case tmHex:
			e.hex += int(t[p+1])
			e.fixed += 2 * int(t[p+1])
			p += 2
		case tmEscape:
			e.fixed++
			p += 2
		}
	}
}

// decodeJSONOnlyDict is decodeJSONOnly for a block of version 2.
func decodeJSONOnlyDict(h *blockHeader, body []byte) (*Block, string) {
	n := int(h.count)
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.all(); why != "" {
		return nil, why
	}
	secs := &ss.sec
	b := newBlock(n)
	b.sizes = make([]uint32, n)
	if why := decodeColumns(h, secs[0], b); why != "" {
		return nil, why
	}
	d := dictPool.Get().(*tmplDict)
	defer dictPool.Put(d)
	if why := d.parse(secs[1]); why != "" {
		return nil, why
	}
	sc := jsonScratchPool.Get().(*jsonScratch)
	defer jsonScratchPool.Put(sc)
	ns, nv := len(d.skelOff)-1, len(d.valOff)-1
	ents, kinds := sc.ents[:0], sc.kinds[:0]
	for s := range ns {
		t := d.sec[d.skelOff[s]:d.skelOff[s+1]]
		e := measureEntry{kinds: uint32(len(kinds)), json: jsonTemplate(t)}
		kinds = e.measure(t, kinds)
		ents = append(ents, e)
	}
	for v := range nv {
		t := d.sec[d.valOff[v]:d.valOff[v+1]]
		e := measureEntry{kinds: uint32(len(kinds))}
		kinds = e.measure(t, kinds)
		ents = append(ents, e)
	}
	sc.ents, sc.kinds = ents, kinds
	skels, vals := ents[:ns], ents[ns:]

	nums, hex := secs[2], secs[3]
	limit := int(h.msgBytes)
	out := make([]byte, 0, limit)
	skipped := 0 // bytes of the messages left out
	np, hp := 0, 0
	var pos uint // in the packed indexes
	for ev := range n {
		s, next, why := d.skeleton(pos)
		if why != "" {
			return nil, why
		}
		pos = next
		k := d.slotOff[s] // the next slot
		ts := b.ts[ev]
		if skels[s].json {
			start := len(out)
			if out, pos, why = d.render(out, s, pos, nums, &np, hex, &hp, ts, limit-skipped); why != "" {
				return nil, why
			}
			if len(out) == start {
				return nil, "empty message"
			}
			b.sizes[ev] = uint32(len(out) - start)
			b.offs[ev+1] = uint32(len(out))
			continue
		}
		// Measured: the fixed bytes of its entries, the timestamps, and
		// the decimal lengths of its plain numbers, in template order.
		sz, times, hx := 0, 0, 0
		e := &skels[s]
		for _, c := range kinds[e.kinds : e.kinds+e.nkinds] {
			if c != tmSlot {
				if sz, np, why = measureNumber(c, nums, np, sz); why != "" {
					return nil, why
				}
				continue
			}
			var v uint32
			if v, pos, why = d.value(pos, k); why != "" {
				return nil, why
			}
			k++
			ve := &vals[v]
			sz, times, hx = sz+ve.fixed, times+ve.times, hx+ve.hex
			for _, c := range kinds[ve.kinds : ve.kinds+ve.nkinds] {
				if sz, np, why = measureNumber(c, nums, np, sz); why != "" {
					return nil, why
				}
			}
		}
		sz, times, hx = sz+e.fixed, times+e.times, hx+e.hex
		if times > 0 {
			if ts < 0 {
				return nil, "timestamp marker for a negative timestamp"
			}
			sz += times * decimalLen(uint64(ts))
		}
		switch {
		case hx > len(hex)-hp:
			return nil, "bad hex marker"
		case sz == 0:
			return nil, "empty message"
		case sz > limit-len(out)-skipped:
			return nil, "messages longer than the header says"
		}
		hp += hx
		skipped += sz
		b.sizes[ev] = uint32(sz)
		b.offs[ev+1] = uint32(len(out))
	}
	switch {
	case !d.endOK(pos):
		return nil, "more template indexes than events"
	case len(out)+skipped != limit:
		return nil, "message bytes differ from the header"
	case np != len(nums) || hp != len(hex):
		return nil, "unused number or hex bytes"
	}
	if len(out) > 0 {
		b.msgs = unsafe.String(&out[0], len(out))
	}
	return b, ""
}

// measureNumber consumes the value of a number marker of the given kind
// and adds its decimal length to sz: nothing for a padded number (its
// width is fixed), whose value must be shorter than the width.
func measureNumber(kind byte, nums []byte, np, sz int) (int, int, string) {
	v, k := uvarint(nums, np)
	if k <= 0 {
		return sz, np, "bad number"
	}
	if kind == tmNumber {
		sz += decimalLen(v)
	} else if decimalLen(v) >= int(kind)-padBase {
		return sz, np, "bad padded number"
	}
	return sz, np + k, ""
}
