package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"
)

// Searching templates. A query term that every wanted message contains
// (Query.Need) can rule events out before their messages are rebuilt: a
// "plain" byte, one that is not a lower-case hex digit [0-9a-f] and not a
// marker byte (00..04), is never part of a run the writer replaces, so it
// is a literal byte of the template, and consecutive plain bytes of a
// message are consecutive in its template. Hence every maximal run of plain
// bytes of a term (a "literal") occurs in the template of any message that
// contains the term. The converse does not hold (a hex marker's length byte
// may look like a letter, and a literal says nothing of the digits around
// it): events that pass are rebuilt and the caller still matches them.
//
// decodeCandidates finds the events with all literals (or, with
// Query.NeedOrBackslash, a backslash) without walking every template: it
// searches the block's whole templates section for the longest literal
// (and the next backslash), and counts end markers and number markers in
// between with the vectorised bytes.Count and bytes.IndexByte. That needs a
// section without escapes (a message byte 00..04, written 04 b), in which
// bytes 00, 01 and 02 are always markers; a block with escapes is decoded
// whole, every event a candidate.

// needSet holds the literals of a query's terms.
type needSet struct {
	lits  [][]byte
	drive int // index of the longest literal, searched for first
	// orBackslash: an event whose template holds a backslash is a
	// candidate too (Query.NeedOrBackslash). A backslash is a plain byte,
	// so it is in the template of any message that has one.
	orBackslash bool
	// pieces are the literals split at '"', for decodeCandidatesDict; at
	// most maxPieces of them.
	pieces [][]byte
	// key names the search: blocks decoded for it are the same for any
	// cursor with the same terms (Cursor.Park).
	key string
}

const maxPieces = 63 // bit 63 of a mask is the backslash

// minLiteral is the shortest literal kept: single bytes (spaces,
// punctuation) are in nearly every message.
const minLiteral = 2

// newNeedSet returns the literals of terms, or nil when there are none to
// search for.
func newNeedSet(terms []string, orBackslash bool) *needSet {
	n := needSet{orBackslash: orBackslash}
	for _, t := range terms {
		for i := 0; i < len(t); {
			if !plainByte(t[i]) {
				i++
				continue
			}
			j := i
			for j < len(t) && plainByte(t[j]) {
				j++
			}
			if j-i >= minLiteral {
				n.lits = append(n.lits, []byte(t[i:j]))
				if len(t[i:j]) > len(n.lits[n.drive]) {
					n.drive = len(n.lits) - 1
				}
			}
			i = j
		}
	}
	if len(n.lits) == 0 {
		return nil
	}
	n.key = fmt.Sprintf("%t%q", orBackslash, terms)
	for _, l := range n.lits {
		for _, p := range bytes.Split(l, []byte{'"'}) {
			if len(p) >= minLiteral && len(n.pieces) < maxPieces {
				n.pieces = append(n.pieces, p)
			}
		}
	}
	return &n
}

func plainByte(c byte) bool { return c > tmLastMarker && !isLowerHex[c] }

// decodeCandidates decodes a block body like decodeBody but rebuilds only
// the messages whose templates hold every literal of need; the others are
// left empty (a Block with sparse set; messages are never empty, so empty
// means left out). The numbers and hex sections are decompressed only when
// some event is a candidate.
func decodeCandidates(h *blockHeader, body []byte, need *needSet) (*Block, string) {
	if h.dict {
		return decodeCandidatesDict(h, body, need)
	}
	n := int(h.count)
	ss := sections{h: h, body: body}
	defer ss.put()
	if why := ss.upTo(2); why != "" {
		return nil, why
	}
	secs := &ss.sec
	tmpl := secs[1]
	if bytes.IndexByte(tmpl, tmEscape) >= 0 || v1Rewrite(tmpl) {
		return decodeBody(h, body)
	}
	b := newBlock(n)
	b.sparse = true
	if why := decodeColumns(h, secs[0], b); why != "" {
		return nil, why
	}
	var nums, hex, out []byte
	loaded := false
	ev, np, hp := 0, 0, 0
	synced := 0 // nums[np:] and hex[hp:] belong to the templates from tmpl[synced:]
	filled := 0 // offs[:filled+1] are set
	drive := need.lits[need.drive]
	bs := -1 // with orBackslash, the next backslash at or after q; len(tmpl) when none
	for q := 0; q < len(tmpl); {
		x := bytes.Index(tmpl[q:], drive)
		if x >= 0 {
			x += q
		}
		if need.orBackslash {
			if bs < q {
				if bs = bytes.IndexByte(tmpl[q:], '\\'); bs < 0 {
					bs = len(tmpl)
				} else {
					bs += q
				}
			}
			if bs < len(tmpl) && (x < 0 || bs < x) {
				x = bs
			}
		}
		if x < 0 {
			break
		}
		start := bytes.LastIndexByte(tmpl[q:x], tmEnd) + 1 + q
		end := bytes.IndexByte(tmpl[x:], tmEnd)
		if end < 0 {
			return nil, "fewer messages than events" // no end marker
		}
		end += x
		ev += bytes.Count(tmpl[q:start], []byte{tmEnd})
		q = end + 1
		if ev >= n {
			return nil, "more messages than events"
		}
		if !need.allIn(tmpl[start:end]) {
			ev++
			continue
		}
		if !loaded {
			if why := ss.upTo(sectionCount); why != "" {
				return nil, why
			}
			nums, hex, loaded = secs[2], secs[3], true
			out = make([]byte, 0, min(int(h.msgBytes), 64<<10))
		}
		var why string
		if np, hp, why = skipMarkers(tmpl[synced:start], nums, np, len(hex), hp); why != "" {
			return nil, why
		}
		for ; filled < ev; filled++ {
			b.offs[filled+1] = uint32(len(out))
		}
		if out, _, why = appendMessage(out, tmpl, start, nums, &np, hex, &hp, b.ts[ev], int(h.msgBytes)); why != "" {
			return nil, why
		}
		b.offs[ev+1] = uint32(len(out))
		filled = ev + 1
		synced = q
		ev++
	}
	for ; filled < n; filled++ {
		b.offs[filled+1] = uint32(len(out))
	}
	if loaded {
		// The numbers and hex bytes must be used up exactly, as in
		// decodeMessages.
		np, hp, why := skipMarkers(tmpl[synced:], nums, np, len(hex), hp)
		switch {
		case why != "":
			return nil, why
		case np != len(nums) || hp != len(hex):
			return nil, "unused number or hex bytes"
		}
	}
	if len(out) > 0 {
		b.msgs = unsafe.String(&out[0], len(out))
	}
	return b, ""
}

// allIn reports whether the template t of one event (in which the drive
// literal or, with orBackslash, a backslash was found) is a candidate.
func (n *needSet) allIn(t []byte) bool {
	if n.orBackslash && bytes.IndexByte(t, '\\') >= 0 {
		return true
	}
	for _, l := range n.lits {
		if !bytes.Contains(t, l) {
			return false
		}
	}
	return true
}

// skipMarkers advances np over the numbers and hp over the hex bytes that
// the templates t (which hold no escapes) use, or returns a reason for
// "corrupt".
func skipMarkers(t, nums []byte, np, hexLen, hp int) (int, int, string) {
	for i := bytes.IndexByte(t, tmHex); i >= 0; {
		if i+1 >= len(t) {
			return np, hp, "truncated hex marker"
		}
		k := int(t[i+1])
		if k < minHexBytes || k > hexLen-hp {
			return np, hp, "bad hex marker"
		}
		hp += k
		j := bytes.IndexByte(t[i+2:], tmHex)
		if j < 0 {
			break
		}
		i += 2 + j
	}
	np, ok := skipVarints(nums, np, bytes.Count(t, []byte{tmNumber})+bytes.Count(t, []byte{tmPadded}))
	if !ok {
		return np, hp, "bad number"
	}
	return np, hp, ""
}

// skipVarints returns the offset after the next c varints of b from p, and
// false when b ends first. A varint ends with a byte below 0x80; whole
// words are skipped while they end fewer than the varints left.
func skipVarints(b []byte, p, c int) (int, bool) {
	const hi = 0x8080808080808080
	for c > 0 && p+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[p:])
		k := bits.OnesCount64(^x & hi)
		if k >= c {
			break
		}
		c -= k
		p += 8
	}
	for ; c > 0; p++ {
		if p >= len(b) {
			return p, false
		}
		if b[p] < 0x80 {
			c--
		}
	}
	return p, true
}
