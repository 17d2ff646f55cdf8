package segment

import (
	"encoding/binary"
	"slices"
)

// The block encoder's per-message work, done in one pass: a message is a
// sequence of word runs (tokens, tokens.go) and runs of other bytes, and
// both the template (block.go) and the bloom keys are functions of those
// runs. appendTemplateKeys walks each run once, classifying its bytes by
// one table lookup, and produces exactly what appendTemplate and
// appendMessageKeys produce (TestTemplateKeysFused, FuzzTemplateKeys).
//
// For a word run t:
//   - keys: tokenHash(t) when len(t) >= minTokenLen and t is not all
//     digits; the gram keys when len(t) >= minGramTokenLen;
//   - template: a hex marker when t is all lower-case hex digits of even
//     length between 2*minHexBytes and 2*maxHexBytes; else the bytes of t,
//     with each run of digits replaced by a number (or time) marker when
//     it has at most maxDigits digits and no leading zero.
//
// Other bytes are literal, escaped when they are marker bytes.

// Byte classes of the fused pass.
const (
	fcWord   = 1 << iota // a word byte
	fcDigit              // '0'..'9'
	fcHex                // '0'..'9', 'a'..'f'
	fcMarker             // a byte that must be escaped in a template
	fcQuote              // '"'
)

var fusedClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if wordByte[c] {
			t[c] |= fcWord
		}
		if c >= '0' && c <= '9' {
			t[c] |= fcDigit
		}
		if isLowerHex[c] {
			t[c] |= fcHex
		}
		if c <= tmLastMarker {
			t[c] |= fcMarker
		}
		if c == '"' {
			t[c] |= fcQuote
		}
	}
	return t
}()

// hexValue maps a lower-case hex digit to its value.
var hexValue = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		if isLowerHex[c] {
			t[c] = unhex(byte(c))
		}
	}
	return t
}()

// appendTemplateKeys appends msg's template, numbers and hex bytes to the
// three sections and its bloom keys to keys, and, when quotes is not nil,
// the offsets in tmpl of its '"' bytes to *quotes (for dictEncoder).
func appendTemplateKeys(tmpl, nums, hex []byte, keys []uint64, quotes *[]int32, msg string, ts int64) ([]byte, []byte, []byte, []uint64) {
	for i := 0; i < len(msg); {
		cl := fusedClass[msg[i]]
		if cl&fcWord == 0 {
			// A run of other bytes: literal, markers escaped.
			j, marker := i, uint8(0)
			for ; j < len(msg); j++ {
				c := fusedClass[msg[j]]
				if c&fcWord != 0 {
					break
				}
				marker |= c
			}
			if marker&fcMarker == 0 {
				if marker&fcQuote != 0 && quotes != nil {
					for k := i; k < j; k++ {
						if msg[k] == '"' {
							*quotes = append(*quotes, int32(len(tmpl)+k-i))
						}
					}
				}
				tmpl = append(tmpl, msg[i:j]...)
			} else {
				for k := i; k < j; k++ {
					if fusedClass[msg[k]]&fcMarker != 0 {
						tmpl = append(tmpl, tmEscape)
					} else if msg[k] == '"' && quotes != nil {
						*quotes = append(*quotes, int32(len(tmpl)))
					}
					tmpl = append(tmpl, msg[k])
				}
			}
			i = j
			continue
		}
		// A word run: hash it and note its digits and hex digits.
		h := uint64(0xcbf29ce484222325)
		all, any := uint8(fcDigit|fcHex), uint8(0)
		j := i
		for ; j < len(msg); j++ {
			c := msg[j]
			k := fusedClass[c]
			if k&fcWord == 0 {
				break
			}
			h ^= uint64(c)
			h *= 0x100000001b3
			all &= k
			any |= k
		}
		n := j - i
		if n >= minTokenLen && all&fcDigit == 0 {
			keys = append(keys, fmix64(h))
		}
		if n >= minGramTokenLen {
			keys = appendGramKeys(keys, msg[i:j])
		}
		switch {
		case all&fcHex != 0 && n%2 == 0 && n >= 2*minHexBytes && n <= 2*maxHexBytes:
			tmpl = append(tmpl, tmHex, byte(n/2))
			l := len(hex)
			hex = slices.Grow(hex, n/2)[:l+n/2]
			d, w := hex[l:], msg[i:j]
			for k := range d {
				d[k] = hexValue[w[2*k]]<<4 | hexValue[w[2*k+1]]
			}
		case any&fcDigit == 0:
			tmpl = append(tmpl, msg[i:j]...)
		case all&fcDigit != 0 && n <= maxDigits:
			// All digits (the commonest case): one number.
			var v uint64
			for k := i; k < j; k++ {
				v = v*10 + uint64(msg[k]-'0')
			}
			switch {
			case n > 1 && msg[i] == '0':
				tmpl = append(tmpl, tmPadded, padBase+byte(n))
				nums = binary.AppendUvarint(nums, v)
			case ts >= 0 && v == uint64(ts):
				tmpl = append(tmpl, tmTime)
			default:
				tmpl = append(tmpl, tmNumber)
				nums = binary.AppendUvarint(nums, v)
			}
		default:
			tmpl, nums = appendWordDigits(tmpl, nums, msg[i:j], ts)
		}
		i = j
	}
	return append(tmpl, tmEnd), nums, hex, keys
}

// appendWordDigits appends the template of a word run that has digits:
// each digit run a number or time marker when it can be, the other bytes
// literal (word bytes are never marker bytes).
func appendWordDigits(tmpl, nums []byte, w string, ts int64) ([]byte, []byte) {
	for i := 0; i < len(w); {
		c := w[i]
		if c < '0' || c > '9' {
			j := i + 1
			for j < len(w) && (w[j] < '0' || w[j] > '9') {
				j++
			}
			tmpl = append(tmpl, w[i:j]...)
			i = j
			continue
		}
		j := i + 1
		for j < len(w) && w[j] >= '0' && w[j] <= '9' {
			j++
		}
		if j-i <= maxDigits {
			var v uint64
			for k := i; k < j; k++ {
				v = v*10 + uint64(w[k]-'0')
			}
			switch {
			case j-i > 1 && c == '0':
				tmpl = append(tmpl, tmPadded, padBase+byte(j-i))
				nums = binary.AppendUvarint(nums, v)
			case ts >= 0 && v == uint64(ts):
				tmpl = append(tmpl, tmTime)
			default:
				tmpl = append(tmpl, tmNumber)
				nums = binary.AppendUvarint(nums, v)
			}
		} else {
			tmpl = append(tmpl, w[i:j]...)
		}
		i = j
	}
	return tmpl, nums
}
