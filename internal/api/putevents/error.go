package putevents

import (
	"strconv"
	"unicode/utf8"
)

// SyntaxError reports a body that is not a valid PutLogEvents request:
// malformed JSON, or a member whose value has the wrong type. The API layer
// answers it with a SerializationException.
type SyntaxError struct {
	Offset int    // byte offset in the body at which the problem was found
	Msg    string // e.g. "logEvents[3].timestamp: number 1.5 is not an integer"
}

func (e *SyntaxError) Error() string {
	return e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// eof reports a body that ends in the middle of a value.
func (d *decoder) eof() error {
	return &SyntaxError{Offset: len(d.data), Msg: "unexpected end of JSON input"}
}

// invalidChar reports the byte at d.pos, or the end of the body, as
// unexpected; context says what was expected, in encoding/json's words.
func (d *decoder) invalidChar(context string) error {
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return &SyntaxError{Offset: d.pos, Msg: "invalid character " + quoteChar(d.data[d.pos]) + " " + context}
}

// wrongType reports that the value at d.pos, inside a container at the
// given depth, is not of the type that member needs. If the value is not
// even valid JSON, the syntax error is reported instead.
func (d *decoder) wrongType(member, want string, depth int) error {
	start := d.pos
	if err := d.skipValue(depth); err != nil {
		return err
	}
	var found string
	switch d.data[start] {
	case '{':
		found = "object"
	case '[':
		found = "array"
	case '"':
		found = "string"
	case 't', 'f':
		found = "boolean"
	case 'n':
		found = "null"
	default:
		found = "number"
	}
	return &SyntaxError{Offset: start, Msg: member + ": expected " + want + ", found " + found}
}

// eventPath names field of the i'th element of logEvents for error
// messages, or the element itself if field is "".
func eventPath(i int, field string) string {
	p := "logEvents[" + strconv.Itoa(i) + "]"
	if field != "" {
		p += "." + field
	}
	return p
}

// quoteChar formats c for an error message as encoding/json does.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// quote formats a map key for an error message, keeping it short.
func quote(k string) string {
	const limit = 64
	if len(k) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(k[cut]) {
			cut--
		}
		return strconv.Quote(k[:cut]) + "..."
	}
	return strconv.Quote(k)
}
