package segment

import (
	"sync"
	"unicode/utf8"
)

// Batches (Query.Batches). A reader that aggregates, and for which the
// place of an event among the others does not matter, can take the events
// of a block that lies wholly within its range at once, as columns,
// instead of one at a time with a message each: the timestamps and
// sequence numbers of the events, their message bytes in sum, and for
// each top-level JSON key it reads (Query.JSONFields) each event's value,
// read from the block's dictionaries and numbers without rendering any
// text. An event goes into the batch when its value of every key is
// absent, a string whose bytes a dictionary holds plain (no escape, no
// marker, valid UTF-8), or a non-negative integer written as a number
// marker, the event's timestamp or literal digits; its message then comes
// empty and the cursor passes it over. The other events of the block
// (JSON messages whose values take more than that) come one by one as
// before, projected or whole.

// A Batch is events of one block handed over together.
type Batch struct {
	TS    []int64  // per event, in the block's order
	Seq   []uint64 // per event
	Bytes int64    // the events' message bytes, as MessageSize would give them
	// Fields holds a Column per Query.JSONFields, in that order; none
	// without JSONFields.
	Fields []Column
	Strs   []string // the strings of ColString values
}

// Len returns the number of events in the batch.
func (b *Batch) Len() int { return len(b.TS) }

// Kinds of Column values.
const (
	ColAbsent uint8 = iota // the message has no such top-level key (or is not JSON)
	ColString              // Column.Strs[V]
	ColNumber              // the integer V
)

// A Column holds, for each event of a Batch, its value of one top-level
// JSON key.
type Column struct {
	Kind []uint8  // per event: ColAbsent, ColString or ColNumber
	V    []uint64 // per event: an index into Batch.Strs (ColString) or the number (ColNumber)
}

// Column value sources in a skeleton.
const (
	colAbsent   = iota // no member with the key
	colSlot            // a string that is one slot: "\x05"
	colNumber          // a number marker
	colTime            // the timestamp marker
	colConstNum        // literal digits
	colConstStr        // "" (strings that are not empty are slots)
)

// colSkel says whether the events of a skeleton may go into a batch, and
// where their values come from: colFields[first : first+len(fields)].
type colSkel struct {
	ok    bool
	first uint32
}

// colField is where a skeleton's events hold the value of a key: kind, the
// member (index among the skeleton's projected members) and, for
// constants, the number.
type colField struct {
	kind uint8
	m    uint32
	c    uint64
}

// batcher builds the Batch of one block (spread, with batch).
type batcher struct {
	skels  []colSkel
	fields []colField
	idx    []uint32 // the block's events in the batch: idx[:n] (no appends: no write barriers)
	n      int
	bat    *Batch
	strIdx []int32 // per dictionary value: its index in every Column's Strs, -1 not yet, -2 unusable
}

// plan plans the batching of the events of every skeleton of d; pj has
// planned the projection of its JSON skeletons onto fields.
func (bt *batcher) plan(d *tmplDict, pj *projector, skels []measureEntry, fields []string, n int) {
	bt.skels, bt.fields, bt.idx, bt.n = bt.skels[:0], bt.fields[:0], grow(bt.idx, n), 0
	bt.strIdx = bt.strIdx[:0]
	for range len(d.valOff) - 1 {
		bt.strIdx = append(bt.strIdx, -1)
	}
	for s, ps := range pj.skels {
		cs := colSkel{ok: !skels[s].json, first: uint32(len(bt.fields))}
		if ps.ok {
			cs.ok = true
			t := d.sec[d.skelOff[s]:d.skelOff[s+1]]
			for _, f := range fields {
				cf, ok := colOf(t, pj.members[ps.first:ps.first+ps.n], f)
				cs.ok = cs.ok && ok
				bt.fields = append(bt.fields, cf)
			}
		} else {
			for range fields {
				bt.fields = append(bt.fields, colField{kind: colAbsent})
			}
		}
		bt.skels = append(bt.skels, cs)
	}
	bt.bat = getBatch(len(fields), n)
}

// batchPool recycles Batches: a Cursor puts back the batch of a block it
// leaves (the batch is valid only until the next Next).
var batchPool = sync.Pool{New: func() any { return new(Batch) }}

// getBatch returns an empty Batch with nf columns of n events, all absent.
func getBatch(nf, n int) *Batch {
	b := batchPool.Get().(*Batch)
	b.TS, b.Seq, b.Bytes, b.Strs = b.TS[:0], b.Seq[:0], 0, b.Strs[:0]
	b.Fields = grow(b.Fields, nf)
	for k := range b.Fields {
		c := &b.Fields[k]
		c.Kind, c.V = growClear(c.Kind, n), growClear(c.V, n)
	}
	return b
}

// blockPool recycles the Blocks of batch reads (decodeJSONOnlyDict with
// batch): no cache or parking holds them, the events a cursor gives copy
// all but their messages (msgs, which stays), so the cursor puts its
// block back when it leaves it.
var blockPool = sync.Pool{New: func() any { return new(Block) }}

// getBlock returns a pooled Block of n events with sizes.
func getBlock(n int) *Block {
	b := blockPool.Get().(*Block)
	b.ts, b.ing, b.seq = grow(b.ts, n), grow(b.ing, n), grow(b.seq, n)
	b.offs, b.sizes = grow(b.offs, n+1), grow(b.sizes, n)
	b.offs[0] = 0
	b.msgs, b.sparse, b.skipped, b.batch, b.pooled = "", false, 0, nil, true
	return b
}

// putBlock recycles b, a Block of getBlock, and its batch.
func putBlock(b *Block) {
	if b.batch != nil {
		putBatch(b.batch)
	}
	b.msgs, b.batch = "", nil
	blockPool.Put(b)
}

// putBatch recycles b.
func putBatch(b *Batch) {
	clear(b.Strs) // the strings are the block's
	batchPool.Put(b)
}

// colOf returns where the events of skeleton t hold the value of key f,
// given its projected members; false when not in a way a batch can take.
// The first member with the key wins, as for the engine's reading.
func colOf(t []byte, members []projMember, f string) (colField, bool) {
	for j, m := range members {
		if string(t[m.a+1:m.key]) != f {
			continue
		}
		v := t[m.val:m.b]
		switch {
		case len(v) == 3 && v[0] == '"' && v[1] == tmSlot && v[2] == '"':
			return colField{kind: colSlot, m: uint32(j)}, true
		case len(v) == 2 && v[0] == '"' && v[1] == '"':
			return colField{kind: colConstStr}, true
		case len(v) == 1 && v[0] == tmNumber:
			return colField{kind: colNumber, m: uint32(j)}, true
		case len(v) == 1 && v[0] == tmTime:
			return colField{kind: colTime}, true
		}
		if c, ok := plainUint(v); ok {
			return colField{kind: colConstNum, c: c}, true
		}
		return colField{}, false
	}
	return colField{kind: colAbsent}, true
}

// plainUint parses v as JSON's way of writing a non-negative integer of
// at most 19 digits (no leading zero).
func plainUint(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > 19 || len(v) > 1 && v[0] == '0' {
		return 0, false
	}
	var u uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	return u, true
}

// str returns the index in Strs of dictionary value v, adding it; false
// when its bytes are not plain text.
func (bt *batcher) str(d *tmplDict, pj *projector, v uint32) (int32, bool) {
	if i := bt.strIdx[v]; i != -1 {
		return i, i >= 0
	}
	t := d.sec[d.valOff[v] : d.valOff[v+1]-1]
	if pj.val[v] != valPlain || !utf8.Valid(t) {
		bt.strIdx[v] = -2
		return 0, false
	}
	i := int32(len(bt.bat.Strs))
	bt.bat.Strs = append(bt.bat.Strs, string(t))
	bt.strIdx[v] = i
	return i, true
}

// add adds event ev of skeleton s, whose slots hold vids and whose
// members' numbers start at at[j].np in nums, and reports whether it did:
// not when a value is not one a batch takes.
func (bt *batcher) add(d *tmplDict, pj *projector, s, ev int, vids []uint32, at []projAt, nums []byte, ts int64) bool {
	cs := bt.skels[s]
	if !cs.ok {
		return false
	}
	fs := bt.fields[cs.first : cs.first+uint32(len(bt.bat.Fields))]
	ps := pj.skels[s]
	for _, f := range fs { // every value first: all or nothing
		if f.kind == colSlot {
			if _, ok := bt.str(d, pj, vids[pj.members[ps.first+f.m].slot]); !ok {
				return false
			}
		}
	}
	i := bt.n // the event's place in the batch
	for k, f := range fs {
		c := &bt.bat.Fields[k]
		kind, v := ColNumber, f.c
		switch f.kind {
		case colAbsent:
			kind, v = ColAbsent, 0
		case colSlot:
			i, _ := bt.str(d, pj, vids[pj.members[ps.first+f.m].slot])
			kind, v = ColString, uint64(i)
		case colConstStr:
			i, _ := bt.empty()
			kind, v = ColString, uint64(i)
		case colNumber:
			u, n := uvarint(nums, at[f.m].np)
			if n <= 0 {
				return false // the render reports it
			}
			v = u
		case colTime:
			v = uint64(ts)
		}
		c.Kind[i], c.V[i] = kind, v
	}
	bt.idx[i] = uint32(ev)
	bt.n++
	return true
}

// addAbsent adds event ev, whose message is not JSON: its values are
// absent, as getBatch left them.
func (bt *batcher) addAbsent(ev int) {
	bt.idx[bt.n] = uint32(ev)
	bt.n++
}

// empty returns the index in Strs of the empty string, adding it.
func (bt *batcher) empty() (int32, bool) {
	for i, s := range bt.bat.Strs {
		if s == "" {
			return int32(i), true
		}
	}
	bt.bat.Strs = append(bt.bat.Strs, "")
	return int32(len(bt.bat.Strs) - 1), true
}

// finish fills in the batch's timestamps, sequence numbers and bytes
// once b's sizes are known, and returns it (nil when empty).
func (bt *batcher) finish(b *Block) *Batch {
	bat := bt.bat
	if bt.n == 0 {
		putBatch(bat)
		return nil
	}
	n := bt.n
	bat.TS, bat.Seq = grow(bat.TS, n), grow(bat.Seq, n)
	for k := range bat.Fields {
		c := &bat.Fields[k]
		c.Kind, c.V = c.Kind[:n], c.V[:n]
	}
	for i, ev := range bt.idx[:n] {
		bat.TS[i], bat.Seq[i] = b.ts[ev], b.seq[ev]
		bat.Bytes += int64(b.sizes[ev])
	}
	return bat
}
