package putevents

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON primitives: white space, object and array
// punctuation, strings, numbers, literals, and skipping values of any kind.
// Each reads at d.pos and leaves d.pos just past what it read.

// peek returns the byte at d.pos, or 0 at the end of the body; 0 is never
// valid where a value is expected, so callers treat it like any unexpected
// byte and the error path reports the end of input.
func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// beginObject reads the '{' at d.pos. more reports whether a member follows;
// it is false for {}.
func (d *decoder) beginObject() (more bool, err error) {
	d.pos++
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, d.eof()
	}
	if d.data[d.pos] == '}' {
		d.pos++
		return false, nil
	}
	return true, nil
}

// key reads an object member's key and the ':' after it, leaving d.pos at
// the value. The key is unescaped as by str, and valid until the next str.
func (d *decoder) key() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.invalidChar("looking for beginning of object key string")
	}
	k, err := d.str()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.peek() != ':' {
		return nil, d.invalidChar("after object key")
	}
	d.pos++
	d.skipSpace()
	return k, nil
}

// nextMember reads what follows a member's value: ',' (more is true) or
// '}' (more is false).
func (d *decoder) nextMember() (more bool, err error) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return true, nil
	case '}':
		d.pos++
		return false, nil
	}
	return false, d.invalidChar("after object key:value pair")
}

// beginArray reads the '[' at d.pos. more reports whether an element
// follows; it is false for [].
func (d *decoder) beginArray() (more bool, err error) {
	d.pos++
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, d.eof()
	}
	if d.data[d.pos] == ']' {
		d.pos++
		return false, nil
	}
	return true, nil
}

// nextElement reads what follows an array element: ',' (more is true) or
// ']' (more is false).
func (d *decoder) nextElement() (more bool, err error) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return true, nil
	case ']':
		d.pos++
		return false, nil
	}
	return false, d.invalidChar("after array element")
}

// literal reads lit (true, false or null), whose first byte is at d.pos.
func (d *decoder) literal(lit string) error {
	if end := d.pos + len(lit); end <= len(d.data) && string(d.data[d.pos:end]) == lit {
		d.pos = end
		return nil
	}
	for k := 0; k < len(lit); k++ {
		if d.pos >= len(d.data) {
			return d.eof()
		}
		if d.data[d.pos] != lit[k] {
			return d.invalidChar("in literal " + lit + " (expecting " + quoteChar(lit[k]) + ")")
		}
		d.pos++
	}
	return nil // not reached: the fast path matches a complete literal
}

// Strings are scanned eight bytes at a time: ones*c repeats byte c in
// each byte of a word, and the high bit of each byte of the result of the
// expressions below flags a byte of interest. Borrows may flag false
// positives, but only in bytes after a true one, so the lowest flag is
// always right, and that is the only one used.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainEnd returns the index of the first byte at or after i that a string
// cannot copy verbatim: '"', '\\', a control character or a non-ASCII byte
// (which may be invalid UTF-8). It returns len(data) if there is none.
func plainEnd(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		q := w ^ (ones * '"')
		b := w ^ (ones * '\\')
		// (x-ones)&^x flags zero bytes; w-ones*0x20 flags bytes below
		// 0x20 and the w term flags bytes from 0x80.
		if m := ((q-ones)&^q | (b-ones)&^b | (w - ones*0x20) | w) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(data); i++ {
		if c := data[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// rawEnd is like plainEnd but passes non-ASCII bytes, for skipping strings
// without decoding them.
func rawEnd(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
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
		j := plainEnd(data, i)
		buf = append(buf, data[i:j]...)
		i = j
		if i >= len(data) {
			return nil, d.eof()
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

// integer reads the number at d.pos. A number that is valid JSON but not an
// integer within int64, which encoding/json would refuse to store in an
// int64, is read completely and described by problem; err is for invalid
// JSON.
func (d *decoder) integer() (n int64, problem string, err error) {
	data := d.data
	i := d.pos
	neg := i < len(data) && data[i] == '-'
	if neg {
		i++
	}
	var u uint64
	overflow := false
	switch {
	case i >= len(data):
		return 0, "", d.eof()
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
			if u > (math.MaxUint64-9)/10 {
				overflow = true
			}
			u = u*10 + uint64(data[i]-'0')
		}
	default:
		d.pos = i
		return 0, "", d.invalidChar("in numeric literal")
	}
	integral := true
	if i < len(data) && data[i] == '.' {
		integral = false
		if i, err = d.digits(i + 1); err != nil {
			return 0, "", err
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		integral = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i, err = d.digits(i); err != nil {
			return 0, "", err
		}
	}
	d.pos = i
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	switch {
	case !integral:
		return 0, "is not an integer", nil
	case overflow || u > limit:
		return 0, "is out of range for a 64-bit integer", nil
	case neg:
		return int64(-u), "", nil
	}
	return int64(u), "", nil
}

// digits reads one or more decimal digits from i and returns the index
// after them.
func (d *decoder) digits(i int) (int, error) {
	start := i
	for i < len(d.data) && '0' <= d.data[i] && d.data[i] <= '9' {
		i++
	}
	if i == start {
		d.pos = i
		return 0, d.invalidChar("in numeric literal")
	}
	return i, nil
}

// skipValue reads past the value at d.pos, of any type, checking its
// syntax. depth is the nesting depth of the container holding the value.
func (d *decoder) skipValue(depth int) error {
	switch c := d.peek(); c {
	case '"':
		return d.skipString()
	case '{', '[':
		return d.skipContainer(depth)
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, _, err := d.integer()
		return err
	}
	return d.invalidChar("looking for beginning of value")
}

// skipContainer reads past the object or array at d.pos. It keeps its own
// stack of open containers rather than recursing, so deeply nested input
// costs no goroutine stack. depth is the nesting depth of the container
// holding this one.
func (d *decoder) skipContainer(depth int) error {
	var isObject [maxDepth/64 + 1]uint64 // bit k: the k'th open container is an object
	open := 0
	for {
		// d.pos is at a value.
		if c := d.peek(); c == '{' || c == '[' {
			if depth+open+1 > maxDepth {
				return &SyntaxError{Offset: d.pos, Msg: "exceeded max depth"}
			}
			obj := c == '{'
			if obj {
				isObject[open/64] |= 1 << (open % 64)
			} else {
				isObject[open/64] &^= 1 << (open % 64)
			}
			open++
			d.pos++
			d.skipSpace()
			if (obj && d.peek() != '}') || (!obj && d.peek() != ']') {
				if obj {
					if err := d.skipKey(); err != nil {
						return err
					}
				}
				continue
			}
			// An empty container: fall through to close it below.
		} else if err := d.skipValue(depth + open); err != nil {
			return err
		}

		// After a value: close containers until one has more to come.
		for {
			if open == 0 {
				return nil
			}
			d.skipSpace()
			obj := isObject[(open-1)/64]>>((open-1)%64)&1 == 1
			c := d.peek()
			if c == ',' {
				d.pos++
				d.skipSpace()
				if obj {
					if err := d.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if (obj && c == '}') || (!obj && c == ']') {
				d.pos++
				open--
				continue
			}
			if obj {
				return d.invalidChar("after object key:value pair")
			}
			return d.invalidChar("after array element")
		}
	}
}

// skipKey reads past an object member's key and the ':' after it.
func (d *decoder) skipKey() error {
	if d.peek() != '"' {
		return d.invalidChar("looking for beginning of object key string")
	}
	if err := d.skipString(); err != nil {
		return err
	}
	d.skipSpace()
	if d.peek() != ':' {
		return d.invalidChar("after object key")
	}
	d.pos++
	d.skipSpace()
	return nil
}
