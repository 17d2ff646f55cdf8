package segment

import "bytes"

// Projecting JSON messages onto the top-level keys a reader wants
// (Query.JSONFields). A reader of top-level JSON members (the Logs
// Insights engine's JSON walk: query.Insights.JSONFields) finds the same
// fields in a message M and in its projection P: '{', the members of M
// whose key is wanted, in their order and byte for byte, separated by ',',
// then '}' — provided that M is an object whose members it tells apart
// without reading them: keys without escapes or markers, then ':', then a
// value that is a string (escapes allowed), a container with matching
// brackets (strings inside), or a scalar (bytes up to ',', '}', ']' or
// white space), and nothing but white space after the closing '}'.
//
// Whether that holds is decided once per skeleton and block, reading the
// skeleton as the text its messages render to: number, time and hex
// markers render to [0-9a-f], an escape marker to a byte 00..06, all
// plain content. A slot renders to its value, which must then lie inside a
// string; values holding a quote or a backslash (or empty ones) could end
// or extend that string, so an event that uses one is rendered whole
// instead.
//
// A projection is shorter than its message, whose size the reader still
// needs (Logs Insights' bytesScanned). decodeJSONOnlyDict measures each
// message from its dictionary entries, like a message left out; spread,
// for reads through a block wholly in their range, shares the block's
// bytes out evenly instead, which keeps sums over whole blocks exact and
// spares walking every number.

// projMember is a top-level member of a skeleton with a wanted key.
type projMember struct {
	a, b uint32 // its bytes in the skeleton, from the key's quote to the end of its value
	key  uint32 // the key's closing quote
	val  uint32 // the start of its value
	kind uint32 // number markers and slots of the skeleton before it
	nums uint32 // number markers of the skeleton before it
	slot uint32 // slots of the skeleton before it
	nsl  uint32 // slots in it
	// For spread: the numbers and hex bytes of the slots before it that
	// spread does not read, and the reads before it.
	cn, ch, rb uint32
	hex        uint32 // hex bytes of the skeleton before it
}

// projSkel is how a skeleton's messages are projected: members
// [first, first+n) of projector.members, or not at all (!ok).
type projSkel struct {
	ok       bool
	first, n uint32
	op       uint32 // projector.ops[op:] render the projection, up to projEnd
}

// projOp is a step of rendering a projection: the literal bytes
// projector.tmpl[a:b] (after which, when m > 0, member m-1's numbers,
// hex bytes and slots come next), a slot, a plain number, another marker
// (its template alone at projector.tmpl[a:], ending in tmEnd), or the end.
type projOp struct {
	kind uint8
	m    uint32
	a, b uint32
}

const (
	projEnd = iota
	projLit
	projSlot
	projNumber
	projMarker
)

// Values, for rendering.
const (
	valPlain   = iota // literal bytes only
	valMarkers        // with markers
	valBad            // may end or extend its string (empty, or holds a quote or a backslash)
)

// projAt is where a member's numbers and hex bytes start in an event:
// numbers consumed before it, and hex bytes of its values before it.
type projAt struct{ np, hx int }

// spreadSkel is how spread passes an event of a skeleton. It reads the
// values of some slots (pj.reads[r0:r1]): those of projected members, and
// those whose table's values differ in their numbers or hex bytes or
// include a valBad one. The others' values all hold nums numbers and hex
// hex bytes (in sum). A slot's index has a fixed width in a block, so
// an event's indexes after its skeleton's take bits bits.
type spreadSkel struct {
	bits, nums, hex uint32
	r0, r1          uint32
}

// spreadRead is a slot spread reads: at bit off of the event's slot
// indexes, slot k of the block, slot i of the skeleton.
type spreadRead struct{ off, k, i uint32 }

// projector holds a block's projection plans; it belongs to one decode.
type projector struct {
	skels   []projSkel
	members []projMember
	ops     []projOp
	tmpl    []byte
	val     []uint8      // per value: valPlain, valMarkers or valBad
	spreads []spreadSkel // per skeleton
	reads   []spreadRead
	cum     []projAt // per read, the numbers and hex bytes of the values read before it
	at      []projAt
	vids    []uint32
	out     []byte // spread's messages, copied out
}

// planSpread plans how spread passes the events of every skeleton of d
// (after plan).
func (pj *projector) planSpread(d *tmplDict) {
	ns := uint32(len(pj.skels))
	pj.spreads, pj.reads = pj.spreads[:0], pj.reads[:0]
	for s, ps := range pj.skels {
		members := pj.members[ps.first : ps.first+ps.n]
		sp := spreadSkel{r0: uint32(len(pj.reads))}
		mi := 0
		for i, k := uint32(0), d.slotOff[s]; ; i, k = i+1, k+1 {
			for ; mi < len(members) && members[mi].slot == i; mi++ {
				m := &members[mi]
				m.cn, m.ch, m.rb = sp.nums, sp.hex, uint32(len(pj.reads))-sp.r0
			}
			if k == d.slotOff[s+1] {
				break
			}
			tab := d.tab[d.tabOff[k]:d.tabOff[k+1]]
			nums, hex := d.nums[ns+tab[0]], d.hex[ns+tab[0]]
			read := false
			for _, v := range tab {
				read = read || d.nums[ns+v] != nums || d.hex[ns+v] != hex || (ps.ok && pj.val[v] == valBad)
			}
			for _, m := range members {
				read = read || (i >= m.slot && i < m.slot+m.nsl)
			}
			if read {
				pj.reads = append(pj.reads, spreadRead{off: sp.bits, k: k, i: i})
			} else {
				sp.nums, sp.hex = sp.nums+nums, sp.hex+hex
			}
			sp.bits += uint32(d.width[k])
		}
		sp.r1 = uint32(len(pj.reads))
		pj.spreads = append(pj.spreads, sp)
	}
}

// plan plans the projection of every JSON skeleton of d onto fields.
func (pj *projector) plan(d *tmplDict, skels []measureEntry, fields []string) {
	pj.skels, pj.members, pj.ops, pj.tmpl = pj.skels[:0], pj.members[:0], pj.ops[:0], pj.tmpl[:0]
	some := false
	for s := range skels {
		ps := projSkel{}
		if skels[s].json {
			ps = pj.skeleton(d.sec[d.skelOff[s]:d.skelOff[s+1]], fields)
			some = some || ps.ok
		}
		pj.skels = append(pj.skels, ps)
	}
	pj.val = pj.val[:0]
	if !some {
		return
	}
	for v := range len(d.valOff) - 1 {
		t := d.sec[d.valOff[v] : d.valOff[v+1]-1]
		// A marker's operand may be a quote or backslash: then the
		// event is only rendered whole, needlessly.
		c := uint8(valPlain)
		switch {
		case len(t) == 0 || bytes.IndexByte(t, '"') >= 0 || bytes.IndexByte(t, '\\') >= 0:
			c = valBad
		case literalEnd(t, 0) < len(t):
			c = valMarkers
		}
		pj.val = append(pj.val, c)
	}
}

// skeleton plans one skeleton t (ending in tmEnd).
func (pj *projector) skeleton(t []byte, fields []string) projSkel {
	first := len(pj.members)
	w := skelScan{t: t}
	if !pj.object(&w, fields) {
		pj.members = pj.members[:first]
		return projSkel{}
	}
	return projSkel{ok: true, first: uint32(first), n: uint32(len(pj.members) - first), op: pj.compile(t, pj.members[first:])}
}

// compile appends the steps that render the projection of skeleton t
// onto members, and returns the first.
func (pj *projector) compile(t []byte, members []projMember) uint32 {
	first := uint32(len(pj.ops))
	lit := uint32(len(pj.tmpl)) // literal bytes not yet in an op start there
	pj.tmpl = append(pj.tmpl, '{')
	for j, m := range members {
		if j > 0 {
			pj.tmpl = append(pj.tmpl, ',')
		}
		mt, started := t[m.a:m.b], false
		for p := 0; p < len(mt); {
			if q := min(literalEnd(mt, p), len(mt)); q > p {
				pj.tmpl = append(pj.tmpl, mt[p:q]...)
				p = q
				continue
			}
			if end := uint32(len(pj.tmpl)); end > lit || !started {
				op := projOp{kind: projLit, a: lit, b: end}
				if !started {
					op.m, started = uint32(j+1), true
				}
				pj.ops = append(pj.ops, op)
			}
			switch c := mt[p]; c {
			case tmSlot:
				pj.ops = append(pj.ops, projOp{kind: projSlot})
				p++
			case tmNumber:
				pj.ops = append(pj.ops, projOp{kind: projNumber})
				p++
			default:
				n := 1 // tmTime
				if c != tmTime {
					n = 2
				}
				pj.ops = append(pj.ops, projOp{kind: projMarker, a: uint32(len(pj.tmpl))})
				pj.tmpl = append(append(pj.tmpl, mt[p:p+n]...), tmEnd)
				p += n
			}
			lit = uint32(len(pj.tmpl))
		}
	}
	pj.tmpl = append(pj.tmpl, '}')
	pj.ops = append(pj.ops, projOp{kind: projLit, a: lit, b: uint32(len(pj.tmpl))}, projOp{kind: projEnd})
	return first
}

// object reads the whole skeleton as one object, noting its wanted
// members.
func (pj *projector) object(w *skelScan, fields []string) bool {
	w.space()
	if w.lit() != '{' {
		return false
	}
	w.p++
	w.space()
	if w.lit() == '}' {
		w.p++
	} else {
		for {
			w.space()
			if w.lit() != '"' {
				return false
			}
			start, kinds, slots, hex := w.p, w.kinds, w.slots, w.hex
			q := w.p + 1
			for w.t[q] > tmLastMarker && w.t[q] != '"' && w.t[q] != '\\' {
				q++
			}
			if w.t[q] != '"' {
				return false // a marker or an escape in the key
			}
			key := w.t[start+1 : q]
			w.p = q + 1
			w.space()
			if w.lit() != ':' {
				return false
			}
			w.p++
			w.space()
			val := w.p
			if !w.value() {
				return false
			}
			if wanted(key, fields) {
				pj.members = append(pj.members, projMember{a: uint32(start), b: uint32(w.p), key: uint32(q), val: uint32(val), kind: uint32(kinds), nums: uint32(kinds - slots), slot: uint32(slots), nsl: uint32(w.slots - slots), hex: uint32(hex)})
			}
			w.space()
			if c := w.lit(); c == ',' {
				w.p++
				continue
			} else if c != '}' {
				return false
			}
			w.p++
			break
		}
	}
	w.space()
	return w.t[w.p] == tmEnd
}

func wanted(key []byte, fields []string) bool {
	for _, f := range fields {
		if string(key) == f {
			return true
		}
	}
	return false
}

// skelScan reads a skeleton one unit at a time: a literal byte, or a
// marker with its operand (parse checked that every entry ends in tmEnd
// and that operands are there). It counts the number markers and slots
// (kinds, as measureEntry.measure lists them), the slots and the hex bytes
// it passes.
type skelScan struct {
	t                 []byte
	p                 int
	kinds, slots, hex int
}

// lit returns the literal byte at the position, or -1 at a marker.
func (w *skelScan) lit() int {
	if c := w.t[w.p]; c > tmLastMarker {
		return int(c)
	}
	return -1
}

// step moves past one unit; not at tmEnd.
func (w *skelScan) step() {
	switch w.t[w.p] {
	case tmNumber:
		w.kinds++
		w.p++
	case tmSlot:
		w.kinds++
		w.slots++
		w.p++
	case tmPadded:
		w.kinds++
		w.p += 2
	case tmHex:
		w.hex += int(w.t[w.p+1])
		w.p += 2
	case tmEscape:
		w.p += 2
	default: // a literal byte or tmTime
		w.p++
	}
}

func (w *skelScan) space() {
	for {
		switch w.lit() {
		case ' ', '\t', '\n', '\r':
			w.p++
		default:
			return
		}
	}
}

// value moves past the value at the position.
func (w *skelScan) value() bool {
	switch w.lit() {
	case '"':
		return w.str()
	case '{', '[':
		return w.container()
	}
	start := w.p
	for {
		switch w.t[w.p] {
		case tmEnd:
			return w.p > start
		case tmSlot:
			return false // a value outside a string
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return w.p > start
		}
		w.step()
	}
}

// str moves past the string that starts at the position; a slot inside is
// content.
func (w *skelScan) str() bool {
	w.p++
	for {
		switch w.t[w.p] {
		case tmEnd:
			return false
		case '"':
			w.p++
			return true
		case '\\':
			w.p++
			if w.t[w.p] == tmEnd {
				return false
			}
		}
		w.step() // the escaped unit, or any other
	}
}

// container moves past the object or array at the position, matching
// brackets of either kind as the reader's skip does.
func (w *skelScan) container() bool {
	depth := 0
	for {
		switch w.t[w.p] {
		case tmEnd, tmSlot:
			return false
		case '"':
			if !w.str() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				w.p++
				return true
			}
		}
		w.step()
	}
}

// render appends the projection of an event whose slots hold vids and
// whose hex bytes start at hex[hp]; at gives, per member, where its
// numbers start in nums and the hex bytes of the event's values before
// it. out must not grow past room.
func (pj *projector) render(d *tmplDict, out []byte, ps projSkel, vids []uint32, at []projAt, nums []byte, hex []byte, hp int, ts int64, room int) ([]byte, string) {
	var n, h int
	var k uint32
	var why string
	for _, o := range pj.ops[ps.op:] {
		switch o.kind {
		case projEnd:
			if len(out) > room {
				return nil, "messages longer than the header says"
			}
			return out, ""
		case projLit:
			out = append(out, pj.tmpl[o.a:o.b]...)
			if o.m > 0 {
				m := &pj.members[ps.first+o.m-1]
				n, h, k = at[o.m-1].np, hp+int(m.hex)+at[o.m-1].hx, m.slot
			}
		case projNumber:
			v, c := uvarint(nums, n)
			if c <= 0 {
				return nil, "bad number"
			}
			n += c
			out = appendDecimal(out, v)
		case projSlot:
			v := vids[k]
			k++
			if pj.val[v] == valPlain {
				out = append(out, d.sec[d.valOff[v]:d.valOff[v+1]-1]...)
			} else if out, _, why = appendUntil(out, d.sec, int(d.valOff[v]), nums, &n, hex, &h, ts, room); why != "" {
				return nil, why
			}
		case projMarker:
			if out, _, why = appendUntil(out, pj.tmpl, int(o.a), nums, &n, hex, &h, ts, room); why != "" {
				return nil, why
			}
		}
	}
	return nil, "projection without an end" // compile ends every projection
}

// spread decodes the events of a block for a projected read whose sizes
// may be spread (Query.JSONFields over a block that lies wholly within
// the read's range): JSON messages are projected or, where they cannot
// be, rendered whole and measured; the other events are passed over
// without being measured, and the block's remaining bytes are shared out
// evenly among them and the projected ones. Nothing is measured: an event
// costs its indexes, a count of its numbers' bytes and its projection.
//
// With bt, the events a batch takes go into it instead of being projected
// (batch.go), with the others left without messages.
func (pj *projector) spread(d *tmplDict, b *Block, skels []measureEntry, nums, hex []byte, limit int, bt *batcher) (string, string) {
	pj.planSpread(d)
	n := len(b.ts)
	ns := uint32(len(skels))
	out := pj.out[:0]
	total, shared := 0, 0 // bytes of the messages rendered whole; events sharing the rest
	np, hp := 0, 0
	pend := 0 // numbers after np of events passed over: skipped in one go when needed
	ok := true
	var pos uint
	// Scratch, in locals: stores into pj would each pay the garbage
	// collector's write barrier while it marks.
	vids, cum, at := pj.vids, pj.cum, pj.at
	for ev := range n {
		s, next, why := d.skeleton(pos)
		if why != "" {
			return "", why
		}
		pos0 := next
		pos = next
		ps := pj.skels[s]
		if skels[s].json && !ps.ok {
			if np, ok = skipVarints(nums, np, pend); !ok {
				return "", "bad number"
			}
			pend = 0
			if out, pos, total, why = renderJSON(d, b, ev, out, s, pos, nums, &np, hex, &hp, limit, total); why != "" {
				return "", why
			}
			continue
		}
		sp := &pj.spreads[s]
		vids, cum = grow(vids, int(d.slotOff[s+1]-d.slotOff[s])), cum[:0]
		vn, vh, bad := int(sp.nums), int(sp.hex), false // the numbers and hex bytes of its values
		rn, rh := 0, 0                                  // of the values read
		for _, r := range pj.reads[sp.r0:sp.r1] {
			x, _, ok := d.field(pos+uint(r.off), d.width[r.k])
			if !ok || x >= uint64(d.tabOff[r.k+1]-d.tabOff[r.k]) {
				return "", "bad value index"
			}
			v := d.tab[d.tabOff[r.k]+uint32(x)]
			vids[r.i] = v
			cum = append(cum, projAt{rn, rh})
			rn, rh = rn+int(d.nums[ns+v]), rh+int(d.hex[ns+v])
			bad = bad || (ps.ok && pj.val[v] == valBad)
		}
		cum = append(cum, projAt{rn, rh})
		vn, vh = vn+rn, vh+rh
		pos += uint(sp.bits)
		at = at[:0]
		for _, m := range pj.members[ps.first : ps.first+ps.n] {
			c := cum[m.rb]
			at = append(at, projAt{int(m.nums+m.cn) + c.np, int(m.ch) + c.hx})
		}
		if bad { // a value that may end its string: rendered whole
			if np, ok = skipVarints(nums, np, pend); !ok {
				return "", "bad number"
			}
			pend = 0
			if out, pos, total, why = renderJSON(d, b, ev, out, s, pos0, nums, &np, hex, &hp, limit, total); why != "" {
				return "", why
			}
			continue
		}
		if !ps.ok {
			pend += int(d.nums[s]) + vn
		} else {
			// at holds counts of the event's numbers before each member;
			// the projection needs their offsets.
			p, c := np, -pend
			for j := range at {
				if p, ok = skipVarints(nums, p, at[j].np-c); !ok {
					return "", "bad number"
				}
				c, at[j].np = at[j].np, p
			}
			np, pend = p, int(d.nums[s])+vn-c
		}
		if hx := int(d.hex[s]) + vh; hx <= len(hex)-hp {
			switch {
			case ps.ok && (bt == nil || !bt.add(d, pj, s, ev, vids, at, nums, b.ts[ev])):
				if out, why = pj.render(d, out, ps, vids, at, nums, hex, hp, b.ts[ev], len(out)+limit-total); why != "" {
					return "", why
				}
			case !ps.ok && bt != nil:
				bt.addAbsent(ev)
			}
			hp += hx
		} else {
			return "", "bad hex marker"
		}
		b.sizes[ev] = 0 // shared below
		shared++
		b.offs[ev+1] = uint32(len(out))
	}
	pj.vids, pj.cum, pj.at = vids, cum, at
	if np, ok = skipVarints(nums, np, pend); !ok || np != len(nums) || hp != len(hex) {
		return "", "unused number or hex bytes"
	}
	switch {
	case !d.endOK(pos):
		return "", "more template indexes than events"
	case limit-total < shared:
		return "", "message bytes differ from the header"
	}
	// Each gets an equal share, the first few one byte more.
	q, r := (limit-total)/max(shared, 1), (limit-total)%max(shared, 1)
	for ev, sz := range b.sizes {
		if sz == 0 {
			b.sizes[ev] = uint32(q)
			if r > 0 {
				b.sizes[ev]++
				r--
			}
		}
	}
	pj.out = out[:0]
	return string(out), ""
}
