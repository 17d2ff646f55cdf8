package putevents

import "math"

// This file and string.go hold the JSON primitives: white space, object
// and array punctuation, literals, numbers, strings, and skipping values of
// any kind. Each reads at d.pos and leaves d.pos just past what it read.

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

// consume reads s if the body continues with it.
func (d *decoder) consume(s string) bool {
	if end := d.pos + len(s); end <= len(d.data) && string(d.data[d.pos:end]) == s {
		d.pos = end
		return true
	}
	return false
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

// memberKey is key for objects whose members Decode knows by name. A key
// with no escapes is returned as it is in the body, even if it is not valid
// UTF-8: it is only compared with member names, which are ASCII.
func (d *decoder) memberKey() ([]byte, error) {
	data := d.data
	if d.pos < len(data) && data[d.pos] == '"' {
		start := d.pos + 1
		for i := start; i < len(data); i++ {
			c := data[i]
			if c == '"' {
				d.pos = i + 1
				if d.pos < len(data) && data[d.pos] == ':' {
					d.pos++
				} else {
					d.skipSpace()
					if d.peek() != ':' {
						return nil, d.invalidChar("after object key")
					}
					d.pos++
				}
				d.skipSpace()
				return data[start:i], nil
			}
			if c == '\\' || c < 0x20 {
				break
			}
		}
	}
	return d.key()
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
		start := i
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
			u = u*10 + uint64(data[i]-'0')
		}
		// Any 19 digits fit a uint64, and with no leading zeros more
		// are out of range for an int64 (u has wrapped by then).
		overflow = i-start > 19
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
