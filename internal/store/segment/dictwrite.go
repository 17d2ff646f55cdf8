package segment

import (
	"encoding/binary"
	"math/bits"
)

// Writing template dictionaries (dict.go).

// dictEncoder turns a block's flat templates (one after the other, each
// ending in tmEnd, as appendTemplateKeys writes them) into the dictionary
// form. Which strings become values is the writer's choice: here the
// content of every pair of quotes that is not empty and not followed by
// ':' (a JSON key stays in the skeleton).
type dictEncoder struct {
	skelIDs, valIDs map[string]uint32
	skels, vals     []byte   // the dictionaries, each entry ending in tmEnd
	skelEnds        []int32  // offset after each skeleton in skels
	skelSlots       []uint32 // the slots of each skeleton
	valEnds         []int32  // and value in vals
	evIDs           []uint32 // per event: its skeleton's index, then its values'
	skel            []byte   // the current event's skeleton
	vids            []uint32 // and its value indexes
	fold            folder
	// appendIndexes's
	slotBase []uint32
	local    map[uint64]uint32 // slot<<32 | value → index in the slot's table
	dense    []uint32          // slot*V + value → index in the slot's table + 1
	locals   []uint32          // beside evIDs: each value's index in its slot's table
	tabs     [][]uint32
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
	d.skelSlots = d.skelSlots[:0]
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
			d.skelSlots = append(d.skelSlots, uint32(len(d.vids)))
		}
		d.evIDs = append(d.evIDs, id)
		d.evIDs = append(d.evIDs, d.vids...)
	}
	nums = d.fold.fold(d, nums)
	dst = binary.AppendUvarint(dst, uint64(len(d.skelEnds)))
	dst = append(dst, d.skels...)
	dst = binary.AppendUvarint(dst, uint64(len(d.valEnds)))
	dst = append(dst, d.vals...)
	return d.appendIndexes(dst), nums
}

// appendIndexes appends the slot tables and the packed indexes of
// d.evIDs. Each slot (of each skeleton) has a table of the values used in
// it, in order of first use; an event's value in that slot is written as
// its index in the table, in as few bits as the table needs.
func (d *dictEncoder) appendIndexes(dst []byte) []byte {
	// slotBase[s] is the number of slots of the skeletons before s.
	d.slotBase = d.slotBase[:0]
	nslots := uint32(0)
	for _, n := range d.skelSlots {
		d.slotBase = append(d.slotBase, nslots)
		nslots += n
	}
	// The index of each value in its slot's table, found with a dense
	// table of slots × values (a map when that would be large), and kept
	// per event slot (d.locals, beside d.evIDs) for the packing.
	nv := uint32(len(d.valEnds))
	dense := uint64(nslots)*uint64(nv) <= 1<<20
	if dense {
		d.dense = grow(d.dense, int(nslots*nv))
		clear(d.dense)
	} else if d.local == nil {
		d.local = make(map[uint64]uint32)
	} else {
		clear(d.local)
	}
	d.tabs = grow(d.tabs, int(nslots))
	for i := range d.tabs {
		d.tabs[i] = d.tabs[i][:0]
	}
	ids := d.evIDs
	d.locals = grow(d.locals, len(ids))
	for q := 0; q < len(ids); {
		s := ids[q]
		q++
		k := d.slotBase[s]
		for j, v := range ids[q : q+int(d.skelSlots[s])] {
			var l uint32
			if dense {
				// dense holds the index + 1; 0 is absent.
				e := &d.dense[k*nv+v]
				if *e == 0 {
					d.tabs[k] = append(d.tabs[k], v)
					*e = uint32(len(d.tabs[k]))
				}
				l = *e - 1
			} else {
				key := uint64(k)<<32 | uint64(v)
				var ok bool
				if l, ok = d.local[key]; !ok {
					l = uint32(len(d.tabs[k]))
					d.local[key] = l
					d.tabs[k] = append(d.tabs[k], v)
				}
			}
			d.locals[q+j] = l
			k++
		}
		q += int(d.skelSlots[s])
	}
	for _, tab := range d.tabs {
		dst = binary.AppendUvarint(dst, uint64(len(tab)))
		for _, v := range tab {
			dst = binary.AppendUvarint(dst, uint64(v))
		}
	}
	var bw bitWriter
	bw.b = dst
	ws := uint(bits.Len(uint(len(d.skelEnds) - 1)))
	for q := 0; q < len(ids); {
		s := ids[q]
		q++
		bw.write(uint64(s), ws)
		k := d.slotBase[s]
		for _, l := range d.locals[q : q+int(d.skelSlots[s])] {
			bw.write(uint64(l), uint(bits.Len(uint(len(d.tabs[k])-1))))
			k++
		}
		q += int(d.skelSlots[s])
	}
	return bw.flush()
}

// bitWriter appends fields to b, least significant bit first.
type bitWriter struct {
	b    []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) write(v uint64, n uint) {
	if n == 0 {
		return
	}
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.b = append(w.b, byte(w.acc))
	}
	return w.b
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
