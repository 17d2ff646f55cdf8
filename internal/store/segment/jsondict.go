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
	proj  projector
	bat   batcher
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

// decodeJSONOnlyDict is decodeJSONOnly for a block of version 2. With
// fields, JSON messages are projected onto them where they can be
// (project.go), and with spread too the sizes of the messages not
// rendered whole are the rest of the block's bytes shared out evenly
// (projector.spread).
func decodeJSONOnlyDict(h *blockHeader, body []byte, fields []string, spread, batch bool) (*Block, string) {
	n := int(h.count)
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.all(); why != "" {
		return nil, why
	}
	secs := &ss.sec
	var b *Block
	if spread && batch && fields != nil {
		b = getBlock(n) // the cursor's own: back to the pool when it leaves it
	} else {
		b = newBlock(n)
		b.sizes = make([]uint32, n)
	}
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
	pj := &sc.proj
	if fields != nil {
		pj.plan(d, skels, fields)
		if spread {
			var bt *batcher
			if batch {
				bt = &sc.bat
				bt.plan(d, pj, skels, fields, n)
			}
			msgs, why := pj.spread(d, b, skels, secs[2], secs[3], int(h.msgBytes), bt)
			if why != "" {
				return nil, why
			}
			b.msgs = msgs
			if bt != nil {
				b.batch, bt.bat = bt.finish(b), nil
			}
			return b, ""
		}
	}

	nums, hex := secs[2], secs[3]
	limit := int(h.msgBytes)
	out := make([]byte, 0, limit/outShare(fields))
	total := 0 // the sizes of the messages so far
	np, hp := 0, 0
	var pos uint // in the packed indexes
	for ev := range n {
		s, next, why := d.skeleton(pos)
		if why != "" {
			return nil, why
		}
		pos = next
		ts := b.ts[ev]
		e := &skels[s]
		proj := e.json && fields != nil && pj.skels[s].ok
		if e.json && !proj {
			if out, pos, total, why = renderJSON(d, b, ev, out, s, pos, nums, &np, hex, &hp, limit, total); why != "" {
				return nil, why
			}
			continue
		}
		// Measured: the fixed bytes of its entries, the timestamps, and
		// the decimal lengths of its plain numbers, in template order. A
		// projected message notes where its members' numbers start, and
		// its values.
		pos0, np0 := pos, np
		var members []projMember
		if proj {
			ps := pj.skels[s]
			members = pj.members[ps.first : ps.first+ps.n]
		}
		m := eventSize{pos: pos, np: np}
		if why = m.walk(d, e, d.slotOff[s], vals, kinds, nums, members, pj); why != "" {
			return nil, why
		}
		pos, np = m.pos, m.np
		sz, times, hx, bad := m.sz, m.times, m.hx, m.bad
		if bad { // a value that may end its string: rendered whole
			np = np0
			if out, pos, total, why = renderJSON(d, b, ev, out, s, pos0, nums, &np, hex, &hp, limit, total); why != "" {
				return nil, why
			}
			continue
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
		case sz > limit-total:
			return nil, "messages longer than the header says"
		}
		if proj {
			if out, why = pj.render(d, out, pj.skels[s], pj.vids, pj.at, nums, hex, hp, ts, len(out)+sz); why != "" {
				return nil, why
			}
		}
		hp += hx
		total += sz
		b.sizes[ev] = uint32(sz)
		b.offs[ev+1] = uint32(len(out))
	}
	switch {
	case !d.endOK(pos):
		return nil, "more template indexes than events"
	case total != limit:
		return nil, "message bytes differ from the header"
	case np != len(nums) || hp != len(hex):
		return nil, "unused number or hex bytes"
	}
	if len(out) > 0 {
		b.msgs = unsafe.String(&out[0], len(out))
	}
	return b, ""
}

// outShare is the share of a block's message bytes its messages are
// expected to take: all of it, or a quarter when they are projected
// (more only costs a copy).
func outShare(fields []string) int {
	if fields != nil {
		return 4
	}
	return 1
}

// renderJSON renders event ev, of skeleton s, whole, and returns the
// position after its indexes and the sizes of the messages so far.
func renderJSON(d *tmplDict, b *Block, ev int, out []byte, s int, pos uint, nums []byte, np *int, hex []byte, hp *int, limit, total int) ([]byte, uint, int, string) {
	start := len(out)
	out, pos, why := d.render(out, s, pos, nums, np, hex, hp, b.ts[ev], start+limit-total)
	switch {
	case why != "":
		return nil, pos, total, why
	case len(out) == start:
		return nil, pos, total, "empty message"
	}
	b.sizes[ev] = uint32(len(out) - start)
	b.offs[ev+1] = uint32(len(out))
	return out, pos, total + len(out) - start, ""
}

// eventSize measures one event (decodeJSONOnlyDict).
type eventSize struct {
	pos           uint // in the packed indexes
	np            int  // in the numbers
	sz, times, hx int  // size so far, timestamp markers, hex bytes of its values
	bad           bool // a projected event has a value that may end its string
}

// walk measures an event of skeleton entry e, whose first slot is k (not
// the skeleton's fixed bytes, timestamps and hex bytes, added by the
// caller). For a projected event (members not empty) it notes in pj.at,
// at each member, the numbers consumed and the hex bytes of values
// passed, and in pj.vids its values.
func (m *eventSize) walk(d *tmplDict, e *measureEntry, k uint32, vals []measureEntry, kinds, nums []byte, members []projMember, pj *projector) string {
	pos, np, sz, times, hx := m.pos, m.np, 0, 0, 0
	at, vids, bad := pj.at[:0], pj.vids[:0], false
	next, mi := ^uint32(0), 0 // the kind index of members[mi]
	if len(members) > 0 {
		next = members[0].kind
	}
	for i := uint32(0); i < e.nkinds; i++ {
		for i == next {
			at = append(at, projAt{np, hx})
			if mi++; mi < len(members) {
				next = members[mi].kind
			} else {
				next = ^uint32(0)
			}
		}
		c := kinds[e.kinds+i]
		if c != tmSlot {
			if c == tmNumber && np < len(nums) && nums[np] < 0x80 {
				sz += int(smallLen[nums[np]])
				np++
				continue
			}
			var why string
			if sz, np, why = measureNumber(c, nums, np, sz); why != "" {
				return why
			}
			continue
		}
		w := d.width[k]
		x, end, ok := d.field(pos, w)
		if !ok || x >= uint64(d.tabOff[k+1]-d.tabOff[k]) {
			return "bad value index"
		}
		pos = end
		v := d.tab[d.tabOff[k]+uint32(x)]
		k++
		if members != nil {
			vids = append(vids, v)
			bad = bad || pj.val[v] == valBad
		}
		ve := &vals[v]
		sz, times, hx = sz+ve.fixed, times+ve.times, hx+ve.hex
		for _, c := range kinds[ve.kinds : ve.kinds+ve.nkinds] {
			if c == tmNumber && np < len(nums) && nums[np] < 0x80 {
				sz += int(smallLen[nums[np]])
				np++
				continue
			}
			var why string
			if sz, np, why = measureNumber(c, nums, np, sz); why != "" {
				return why
			}
		}
	}
	for ; mi < len(members); mi++ {
		at = append(at, projAt{np, hx})
	}
	pj.at, pj.vids = at, vids
	m.pos, m.np, m.sz, m.times, m.hx, m.bad = pos, np, sz, times, hx, bad
	return ""
}

// smallLen is decimalLen of 0..127 (one-byte varints).
var smallLen = func() (t [128]uint8) {
	for i := range t {
		t[i] = uint8(decimalLen(uint64(i)))
	}
	return t
}()

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
