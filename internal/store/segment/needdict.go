package segment

import (
	"bytes"
	"encoding/binary"
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

// needEntry is what decodeCandidatesDict needs of a dictionary entry: the
// mask of the pieces it holds, and its number markers plus its hex bytes
// << 32 (one add counts both).
type needEntry struct {
	mask, cnt uint64
}

// skelPlan is what decodeCandidatesDict reads of an event of a skeleton:
// the mask and counts of the skeleton and of its slots whose choices all
// agree, the bits of its slot indexes, and its other slots (reads[lo:hi]).
type skelPlan struct {
	mask, cnt uint64
	bits      uint
	lo, hi    uint32
}

// slotRead is a slot decodeCandidatesDict reads: its index's bit offset
// from the event's first slot index, where its table starts in the
// entries, its size and the bits of an index into it.
type slotRead struct {
	off        uint
	base, size uint32
	width      uint8
}

// candidate is an event that decodeCandidatesDict rebuilds.
type candidate struct {
	ev     int32  // its index in the block
	ids    uint32 // the bit position of its indexes
	pn, ph int32  // the number markers and hex bytes of the events left out before it
}

// needScratch is decodeCandidatesDict's reusable memory.
type needScratch struct {
	cands []candidate
	cols  Block // all the block's columns
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
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.upTo(2); why != "" {
		return nil, why
	}
	secs := &ss.sec
	d := dictPool.Get().(*tmplDict)
	defer dictPool.Put(d)
	if why := d.parse(secs[1]); why != "" {
		return nil, why
	}
	ns, nv := len(d.skelOff)-1, len(d.valOff)-1
	// The entries of the skeletons, then of the values, then of the slot
	// tables' values.
	ents := d.ents[:0]
	for s := range ns {
		ents = append(ents, needEntry{need.mask(d.sec[d.skelOff[s]:d.skelOff[s+1]]), uint64(d.nums[s]) | uint64(d.hex[s])<<32})
	}
	for v := range nv {
		ents = append(ents, needEntry{need.mask(d.sec[d.valOff[v]:d.valOff[v+1]]), uint64(d.nums[ns+v]) | uint64(d.hex[ns+v])<<32})
	}
	for _, v := range d.tab {
		ents = append(ents, ents[ns+int(v)])
	}
	d.ents = ents
	skels, tab := ents[:ns], ents[ns+nv:]
	// Per skeleton, the slots worth reading: those whose choices differ
	// in mask or counts. The others add the same whatever the index (JSON
	// keys such as "host" or "trace_id" whose values hold only numbers and
	// hex, a user agent whose numbers were folded), so they are skipped.
	plans, reads := d.plans[:0], d.reads[:0]
	for s := range ns {
		p := skelPlan{mask: skels[s].mask, cnt: skels[s].cnt, lo: uint32(len(reads))}
		for k := d.slotOff[s]; k < d.slotOff[s+1]; k++ {
			t := tab[d.tabOff[k]:d.tabOff[k+1]]
			same := true
			for _, e := range t[1:] {
				if e != t[0] {
					same = false
					break
				}
			}
			if same {
				p.mask |= t[0].mask
				p.cnt += t[0].cnt
			} else {
				reads = append(reads, slotRead{p.bits, d.tabOff[k], uint32(len(t)), d.width[k]})
			}
			p.bits += uint(d.width[k])
		}
		p.hi = uint32(len(reads))
		plans = append(plans, p)
	}
	d.plans, d.reads = plans, reads
	want := uint64(1)<<len(need.pieces) - 1
	const backslash = 1 << 63

	sc := needScratchPool.Get().(*needScratch)
	defer needScratchPool.Put(sc)
	cands := sc.cands[:0]
	var pos uint // in the packed indexes
	bits, nbits, wskel := d.bits, d.nbits, uint(d.wskel)
	var pending uint64 // number markers + hex bytes<<32 of the events left out since the last candidate
	for ev := range n {
		// The fields of d.field, inline.
		start := pos
		if pos+wskel > nbits {
			return nil, "bad skeleton index"
		}
		s := binary.LittleEndian.Uint64(bits[pos>>3:]) >> (pos & 7) & (1<<wskel - 1)
		pos += wskel
		if s >= uint64(len(plans)) {
			return nil, "bad skeleton index"
		}
		p := &plans[s]
		if pos+p.bits > nbits {
			return nil, "bad value index"
		}
		m, c := p.mask, p.cnt
		for _, r := range reads[p.lo:p.hi] {
			q := pos + r.off
			i := uint32(binary.LittleEndian.Uint64(bits[q>>3:]) >> (q & 7) & (1<<r.width - 1))
			if i >= r.size {
				return nil, "bad value index"
			}
			ve := &tab[r.base+i]
			m |= ve.mask
			c += ve.cnt
		}
		pos += p.bits
		if m&want == want || m&backslash != 0 {
			cands = append(cands, candidate{int32(ev), uint32(start), int32(uint32(pending)), int32(pending >> 32)})
			pending = 0
		} else {
			pending += c
		}
	}
	pn, ph := int(uint32(pending)), int(pending>>32)
	sc.cands = cands
	if !d.endOK(pos) {
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
	if why := ss.upTo(sectionCount); why != "" {
		return nil, why
	}
	nums, hex := secs[2], secs[3]
	out := make([]byte, 0, min(int(h.msgBytes), int(int64(h.msgBytes)*int64(k)/int64(n))*9/8+256))
	np, hp := 0, 0
	for i, c := range cands {
		var ok bool
		if np, ok = skipVarints(nums, np, int(c.pn)); !ok || int(c.ph) > len(hex)-hp {
			return nil, "bad number or hex bytes"
		}
		hp += int(c.ph)
		s, pos, why := d.skeleton(uint(c.ids))
		if why == "" {
			out, _, why = d.render(out, s, pos, nums, &np, hex, &hp, b.ts[i], int(h.msgBytes))
		}
		if why != "" {
			return nil, why
		}
		b.offs[i+1] = uint32(len(out))
	}
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
