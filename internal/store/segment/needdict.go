package segment

import (
	"bytes"
	"sync"
	"unsafe"
)

// Searching template dictionaries (format version 2). In an event's flat
// template, the bytes just before and after the text of a value are the
// '"' of its skeleton. So a run of bytes without '"' lies wholly inside
// the skeleton's text or wholly inside one value: every '"'-free piece of
// a literal that an event's template holds is in its skeleton or in one of
// its values. decodeCandidatesDict tests each piece once per dictionary
// entry, then each event with a few mask ORs over its indexes, and
// rebuilds only the events whose entries hold every piece between them (or
// a backslash, with Query.NeedOrBackslash). As with decodeCandidates, this
// keeps every match and the caller still matches the candidates.

// mask returns the bits of the pieces that t holds, and bit 63 when
// orBackslash and t holds a backslash.
func (n *needSet) mask(t []byte) uint64 {
	var m uint64
	for i, p := range n.pieces {
		if bytes.Contains(t, p) {
			m |= 1 << i
		}
	}
	if n.orBackslash && bytes.IndexByte(t, '\\') >= 0 {
		m |= 1 << 63
	}
	return m
}

// candidate is an event that decodeCandidatesDict rebuilds.
type candidate struct {
	ev     int32 // its index in the block
	ids    int32 // the offset of its indexes
	pn, ph int32 // the number markers and hex bytes of the events left out before it
}

// needScratch is decodeCandidatesDict's reusable memory.
type needScratch struct {
	cands []candidate
	cols  Block // all the block's columns
	et    []byte
}

var needScratchPool = sync.Pool{New: func() any { return new(needScratch) }}

// decodeCandidatesDict is decodeCandidates for a block of version 2. Its
// Block holds the candidates only (skipped counts the others); it decodes
// the columns and the numbers only when there are candidates.
func decodeCandidatesDict(h *blockHeader, body []byte, need *needSet) (*Block, string) {
	if len(need.pieces) == 0 {
		return decodeBody(h, body)
	}
	n := int(h.count)
	var secs [sectionCount][]byte
	var bufs [sectionCount]*[]byte
	defer putSectionBufs(&bufs)
	p := 0
	for s := 0; s < 2; s++ {
		var why string
		if secs[s], p, why = readSection(h, body, p, s, &bufs[s]); why != "" {
			return nil, why
		}
	}
	d := dictPool.Get().(*tmplDict)
	defer dictPool.Put(d)
	if why := d.parse(secs[1]); why != "" {
		return nil, why
	}
	ns, nv := len(d.skelOff)-1, len(d.valOff)-1
	ents := d.ents[:0]
	for s := range ns {
		ents = append(ents, needEntry{need.mask(d.sec[d.skelOff[s]:d.skelOff[s+1]]), d.nums[s], d.hex[s], d.slotOff[s+1] - d.slotOff[s]})
	}
	for v := range nv {
		ents = append(ents, needEntry{need.mask(d.sec[d.valOff[v]:d.valOff[v+1]]), d.nums[ns+v], d.hex[ns+v], 0})
	}
	d.ents = ents
	skels, vals := ents[:ns], ents[ns:]
	want := uint64(1)<<len(need.pieces) - 1
	const backslash = 1 << 63

	sc := needScratchPool.Get().(*needScratch)
	defer needScratchPool.Put(sc)
	cands := sc.cands[:0]
	pn, ph := 0, 0 // number markers and hex bytes of the events left out since the last candidate
	q := 0         // in d.ids
	ids := d.ids
	for ev := range n {
		start := q
		// The indexes: one-byte varints inline (nearly all of them).
		var s uint64
		if q < len(ids) && ids[q] < 0x80 {
			s = uint64(ids[q])
			q++
		} else {
			var k int
			if s, k = uvarint(ids, q); k <= 0 {
				return nil, "bad skeleton index"
			}
			q += k
		}
		if s >= uint64(len(skels)) {
			return nil, "bad skeleton index"
		}
		e := &skels[s]
		m, cn, ch := e.mask, int(e.nums), int(e.hex)
		for range e.nsl {
			var v uint64
			if q < len(ids) && ids[q] < 0x80 {
				v = uint64(ids[q])
				q++
			} else {
				var k int
				if v, k = uvarint(ids, q); k <= 0 {
					return nil, "bad value index"
				}
				q += k
			}
			if v >= uint64(len(vals)) {
				return nil, "bad value index"
			}
			ve := &vals[v]
			m |= ve.mask
			cn += int(ve.nums)
			ch += int(ve.hex)
		}
		if m&want == want || m&backslash != 0 {
			cands = append(cands, candidate{int32(ev), int32(start), int32(pn), int32(ph)})
			pn, ph = 0, 0
		} else {
			pn += cn
			ph += ch
		}
	}
	sc.cands = cands
	if q != len(d.ids) {
		return nil, "more template indexes than events"
	}
	b := &Block{sparse: true, skipped: n - len(cands)}
	if len(cands) == 0 {
		return b, ""
	}

	// The candidates' columns.
	all := &sc.cols
	all.ts, all.ing, all.seq = grow(all.ts, n), grow(all.ing, n), grow(all.seq, n)
	if why := decodeColumns(h, secs[0], all); why != "" {
		return nil, why
	}
	k := len(cands)
	b.ts, b.ing, b.seq, b.offs = make([]int64, k), make([]int64, k), make([]uint64, k), make([]uint32, k+1)
	for i, c := range cands {
		b.ts[i], b.ing[i], b.seq[i] = all.ts[c.ev], all.ing[c.ev], all.seq[c.ev]
	}

	// Their messages.
	for s := 2; s < sectionCount; s++ {
		var why string
		if secs[s], p, why = readSection(h, body, p, s, &bufs[s]); why != "" {
			return nil, why
		}
	}
	nums, hex := secs[2], secs[3]
	out := make([]byte, 0, min(int(h.msgBytes), int(int64(h.msgBytes)*int64(k)/int64(n))*9/8+256))
	et := sc.et
	np, hp := 0, 0
	for i, c := range cands {
		var ok bool
		if np, ok = skipVarints(nums, np, int(c.pn)); !ok || int(c.ph) > len(hex)-hp {
			return nil, "bad number or hex bytes"
		}
		hp += int(c.ph)
		var why string
		if et, _, why = d.appendEvent(et[:0], int(c.ids), flatLimit(h)); why != "" {
			return nil, why
		}
		if out, _, why = appendMessage(out, et, 0, nums, &np, hex, &hp, b.ts[i], int(h.msgBytes)); why != "" {
			return nil, why
		}
		b.offs[i+1] = uint32(len(out))
	}
	sc.et = et
	if np, ok := skipVarints(nums, np, pn); !ok || np != len(nums) || hp+ph != len(hex) {
		return nil, "unused number or hex bytes"
	}
	if len(out) > 0 {
		b.msgs = unsafe.String(&out[0], len(out))
	}
	return b, ""
}

// grow returns s with length n, reusing its memory when it can.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
