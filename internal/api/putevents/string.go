package putevents

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// Strings are scanned eight bytes at a time: ones*c repeats byte c in
// each byte of a word, and the high bit of each byte of the result of the
// expressions below flags a byte of interest. Borrows may flag false
// positives, but only in bytes after a true one, so the lowest flag is
// always right, and that is the only one used.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainMask flags the bytes of w that a string cannot copy verbatim: '"',
// '\\', control characters and non-ASCII bytes (which may be invalid UTF-8).
func plainMask(w uint64) uint64 {
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	// (x-ones)&^x flags zero bytes; w-ones*0x20 flags bytes below 0x20
	// and the w term flags bytes from 0x80.
	return ((q-ones)&^q | (b-ones)&^b | (w - ones*0x20) | w) & highs
}

func isPlain(c byte) bool {
	return c != '"' && c != '\\' && c >= 0x20 && c < utf8.RuneSelf
}

// plainEnd returns the index of the first byte at or after i that plainMask
// would flag, or len(data) if there is none.
func plainEnd(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		if m := plainMask(binary.LittleEndian.Uint64(data[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(data) && isPlain(data[i]) {
		i++
	}
	return i
}

// rawEnd is like plainEnd but passes non-ASCII bytes, for skipping strings
// without decoding them.
func rawEnd(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i : i+8])
		q := w ^ (ones * '"')
		b := w ^ (ones * '\\')
		if m := ((q-ones)&^q | (b-ones)&^b | (w-ones*0x20)&^w) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(data); i++ {
		if c := data[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// str reads the string whose opening quote is at d.pos and returns its
// value, decoded as encoding/json decodes strings: escapes resolved,
// unpaired surrogate escapes and each byte of invalid UTF-8 replaced by
// U+FFFD. The result aliases d.data when the string needs no change, and
// d.buf otherwise; either way it is valid only until the next call.
func (d *decoder) str() ([]byte, error) {
	data := d.data
	start := d.pos + 1
	i := start
	for {
		i = plainEnd(data, i)
		if i >= len(data) {
			return nil, d.eof()
		}
		c := data[i]
		if c == '"' {
			d.pos = i + 1
			return data[start:i], nil
		}
		if c < utf8.RuneSelf {
			break // an escape or a control character
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return d.strSlow(start, i)
}

// strSlow finishes str for a string that starts at start (just past its
// opening quote) and needs unescaping or repair from i on. It builds the
// value in d.buf.
func (d *decoder) strSlow(start, i int) ([]byte, error) {
	data := d.data
	buf := append(d.buf[:0], data[start:i]...)
	for {
		// Copy plain bytes. Storing whole words and then dropping the
		// bytes from the first flagged one on is cheaper than finding
		// the end of a run and then copying it, as runs between escapes
		// are short.
		if i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i : i+8])
			buf = binary.LittleEndian.AppendUint64(buf, w)
			m := plainMask(w)
			if m == 0 {
				i += 8
				continue
			}
			n := bits.TrailingZeros64(m) >> 3
			buf = buf[:len(buf)-8+n]
			i += n
			// The escapes of JSON text inside JSON, first.
			if data[i] == '\\' && i+1 < len(data) {
				if e := data[i+1]; e == '"' || e == '\\' {
					buf = append(buf, e)
					i += 2
					continue
				}
			}
		} else {
			for i < len(data) && isPlain(data[i]) {
				buf = append(buf, data[i])
				i++
			}
			if i >= len(data) {
				return nil, d.eof()
			}
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			d.buf = buf // keep any growth for the next string
			return buf, nil
		case c == '\\':
			if i+1 >= len(data) {
				return nil, d.eof()
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := d.hex4(i + 2)
				if err != nil {
					return nil, err
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// Like encoding/json: a valid pair is one rune; any
					// other surrogate becomes U+FFFD and what follows it
					// is decoded on its own.
					if r2, ok := pairedHex4(data, i); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				d.pos = i + 1
				return nil, d.invalidChar("in string escape code")
			}
			i += 2
		case c < 0x20:
			d.pos = i
			return nil, d.invalidChar("in string literal")
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, data[i:i+size]...)
			}
			i += size
		}
	}
}

// hex4 reads the four hexadecimal digits of a \u escape starting at i.
func (d *decoder) hex4(i int) (rune, error) {
	var r rune
	for k := i; k < i+4; k++ {
		if k >= len(d.data) {
			return 0, d.eof()
		}
		v := unhex(d.data[k])
		if v < 0 {
			d.pos = k
			return 0, d.invalidChar(`in \u hexadecimal character escape`)
		}
		r = r<<4 | v
	}
	return r, nil
}

// pairedHex4 reports the value of a complete \uXXXX escape at i, if there
// is one.
func pairedHex4(data []byte, i int) (rune, bool) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range data[i+2 : i+6] {
		v := unhex(c)
		if v < 0 {
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// skipString reads past the string whose opening quote is at d.pos,
// checking its syntax but not decoding it.
func (d *decoder) skipString() error {
	data := d.data
	i := d.pos + 1
	for {
		i = rawEnd(data, i)
		if i >= len(data) {
			return d.eof()
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(data) {
				return d.eof()
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, err := d.hex4(i + 2); err != nil {
					return err
				}
				i += 6
			default:
				d.pos = i + 1
				return d.invalidChar("in string escape code")
			}
		default:
			d.pos = i
			return d.invalidChar("in string literal")
		}
	}
}
