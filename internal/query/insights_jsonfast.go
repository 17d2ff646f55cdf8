package query

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// The fast path of JSON field discovery. When no name a query reads from
// JSON has a '.', only the members of the top-level object can supply
// them: fastTop reads those members in one pass with the position in a
// register, compares each key with the names by length and bytes (no map,
// no copy), keeps the values as pieces of the message (numbers parsed in
// place) and stops once every name is found. It gives up, and the caller
// runs the general walk (flatScan.extract), on anything whose answer needs
// that walk's care: an escape in a key or in a value read, a value read
// that is not valid UTF-8, and any message that is malformed in the part
// read. On what it accepts it gives exactly the general walk's answer: the
// same checks of the same bytes, the first non-null occurrence of a
// duplicate key, null as missing, containers of a read name skipped.

// jsonTop is a name read by the fast path and its slot.
type jsonTop struct {
	name string
	slot int
}

// maxFastNames bounds the names of the fast path (one bit each).
const maxFastNames = 64

// fastNames returns the names of the fast path in the order of their idx,
// or nil when x has a prefix (a name with a '.') or too many names.
func (x *jsonExtractor) fastNames() []jsonTop {
	if x.count == 0 || x.count > maxFastNames {
		return nil
	}
	top := make([]jsonTop, x.count)
	for n, e := range x.names {
		if e.prefix || e.idx < 0 {
			return nil
		}
		top[e.idx] = jsonTop{name: n, slot: e.slot}
	}
	return top
}

// fastTop reads the fields of msg that x.top names into f.vals (indexed
// like x.top) and returns the set found (bit i for x.top[i]). ok is false
// when the general walk must decide; x.top must not be nil.
func (f *flatScan) fastTop(x *jsonExtractor, m string) (found uint64, ok bool) {
	top := x.top
	if cap(f.vals) < len(top) {
		f.vals = make([]Value, len(top))
	}
	vals := f.vals[:len(top)]
	all := uint64(1)<<len(top) - 1 // len(top) <= 64: 1<<64 is 0 in Go
	i := jsonSpaceEnd(m, 0)
	if i >= len(m) || m[i] != '{' {
		return 0, false
	}
	if i = jsonSpaceEnd(m, i+1); i < len(m) && m[i] == '}' {
		return 0, jsonSpaceEnd(m, i+1) == len(m)
	}
	for {
		i = jsonSpaceEnd(m, i)
		if i >= len(m) || m[i] != '"' {
			return 0, false
		}
		// plainRun(m, i+1), its first eight bytes inline.
		j := stopIn8(m, i+1)
		if j >= len(m) || jsonClass[m[j]]&jcStrStop == 0 {
			j = plainRun(m, j)
		}
		if j >= len(m) || m[j] != '"' {
			return 0, false // an escape in the key, or no end
		}
		key := m[i+1 : j]
		if i = jsonSpaceEnd(m, j+1); i >= len(m) || m[i] != ':' {
			return 0, false
		}
		if i = jsonSpaceEnd(m, i+1); i >= len(m) {
			return 0, false
		}
		k := -1
		if len(key) > 0 && x.mayHave(key[0], len(key)) {
			for n := range top {
				if top[n].name == key {
					k = n
					break
				}
			}
		}
		switch c := m[i]; {
		case c == '"':
			j := stopIn8(m, i+1) // as for the key
			if j >= len(m) || jsonClass[m[j]]&jcStrStop == 0 {
				j = plainRun(m, j)
			}
			if k < 0 {
				if j < len(m) && m[j] == '"' {
					i = j + 1
				} else if i = jsonStringEnd(m, i); i < 0 {
					return 0, false
				}
				break
			}
			if j >= len(m) || m[j] != '"' {
				return 0, false
			}
			t := m[i+1 : j]
			if !isASCII(t) && !utf8.ValidString(t) {
				return 0, false
			}
			if found&(1<<k) == 0 {
				vals[k] = strValue(t)
				found |= 1 << k
			}
			i = j + 1
		case c == '{' || c == '[':
			if i = jsonValueEnd(m, i); i < 0 {
				return 0, false
			}
		default:
			// A scalar; numbers are mostly digits, eight tested at a time.
			d := digitRunEnd(m, i)
			e := d
			if e < len(m) && jsonClass[m[e]]&jcScalEnd == 0 {
				e = jsonScalarEnd(m, e)
			}
			if k < 0 {
				if e == i {
					return 0, false
				}
				i = e
				break
			}
			var v Value
			switch t := m[i:e]; {
			case d == e && len(t) > 0 && len(t) <= 15:
				// parseNumber of an unsigned integer that float64 holds exactly
				u := int64(0)
				for n := 0; n < len(t); n++ {
					u = u*10 + int64(t[n]-'0')
				}
				v = Value{k: kNumber, n: float64(u), s: t}
			case t == "null":
			case t == "true" || t == "false":
				v = strValue(t)
			case isDecimal(t) && t[0] != '+':
				v = rawNumValue(t)
			default:
				return 0, false
			}
			if v.k != kNull && found&(1<<k) == 0 {
				vals[k] = v
				found |= 1 << k
			}
			i = e
		}
		if found == all {
			return found, true
		}
		if i = jsonSpaceEnd(m, i); i >= len(m) {
			return 0, false
		}
		switch m[i] {
		case ',':
			i++
		case '}':
			if jsonSpaceEnd(m, i+1) != len(m) {
				return 0, false
			}
			return found, true
		default:
			return 0, false
		}
	}
}

// jsonSpaceEnd returns the index of the first byte at or after i that is
// not JSON white space, or len(m).
func jsonSpaceEnd(m string, i int) int {
	for i < len(m) && m[i] <= ' ' && jsonClass[m[i]]&jcSpace != 0 {
		i++
	}
	return i
}

// jsonScalarEnd returns the index of the first byte at or after i that
// ends a scalar, or len(m).
func jsonScalarEnd(m string, i int) int {
	for i < len(m) && jsonClass[m[i]]&jcScalEnd == 0 {
		i++
	}
	return i
}

// jsonStringEnd returns the index just past the string that starts at i
// (escapes allowed, not checked), or -1 when it does not end.
func jsonStringEnd(m string, i int) int {
	for i++; i < len(m); i += 2 {
		if i = plainRun(m, i); i >= len(m) {
			break
		}
		if m[i] == '"' {
			return i + 1
		}
	}
	return -1
}

// jsonValueEnd returns the index just past the value that starts at i
// (i < len(m)), or -1: flatScan.skipValue with the position in a register.
func jsonValueEnd(m string, i int) int {
	switch m[i] {
	case '"':
		return jsonStringEnd(m, i)
	case '{', '[':
		depth := 0
		for i < len(m) {
			c := m[i]
			if jsonClass[c]&jcStructur == 0 {
				i++
				continue
			}
			switch c {
			case '"':
				if i = jsonStringEnd(m, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			default:
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	if e := jsonScalarEnd(m, i); e > i {
		return e
	}
	return -1
}

// stopIn8 returns the index of the first '"' or '\\' among the eight bytes
// of m from i, else where plainRun is to go on from: i+8, or i when fewer
// than eight bytes are left. Small enough to inline.
func stopIn8(m string, i int) int {
	if i+8 > len(m) {
		return i
	}
	if t := quoteOrBackslash(m[i:]); t != 0 {
		return i + bits.TrailingZeros64(t)>>3
	}
	return i + 8
}

// digitRunEnd returns the index of the first byte at or after i that is
// not a decimal digit, or len(m). It tests eight bytes at a time: adding
// 0x50 to a byte sets its high bit when it is at least '0', adding 0x46
// when it is above '9' (or wraps it, above 0xb9, clearing the first); the
// digits below the first other byte carry into no other byte.
func digitRunEnd(m string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(m); i += 8 {
		x := load64(m[i:])
		if nd := (^(x + (0x80-'0')*ones) | (x + (0x80-'9'-1)*ones)) & highs; nd != 0 {
			return i + bits.TrailingZeros64(nd)>>3
		}
	}
	for i < len(m) && m[i]-'0' < 10 {
		i++
	}
	return i
}

// isASCII reports whether t has only ASCII bytes (then it is valid UTF-8).
func isASCII(t string) bool {
	i := 0
	for ; i+8 <= len(t); i += 8 {
		if load64(t[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(t); i++ {
		if t[i] >= 0x80 {
			return false
		}
	}
	return true
}

// load64 returns the first eight bytes of w (len(w) >= 8), little endian.
func load64(w string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(w), 8))
}
