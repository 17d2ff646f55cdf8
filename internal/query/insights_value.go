package query

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// valueKind is the dynamic type of a Value.
type valueKind uint8

const (
	kNull   valueKind = iota // missing
	kString                  // text
	kNumber                  // float64; s keeps the text it was read from, if any
	kBool                    // computed by the query; displays as 1 or 0
	kTime                    // milliseconds since the epoch in n
	kJSON                    // a map or list made by jsonParse, in j
)

// Value is a dynamically typed value of a field or an expression.
type Value struct {
	k valueKind
	s string
	n float64
	j any
}

var null = Value{}

func strValue(s string) Value  { return Value{k: kString, s: s} }
func numValue(f float64) Value { return Value{k: kNumber, n: f} }
func timeValue(ms int64) Value { return Value{k: kTime, n: float64(ms)} }
func rawNumValue(s string) Value {
	return Value{k: kNumber, n: parseNumber(s), s: s}
}

// parseNumber is strconv.ParseFloat (0 for what it rejects), quicker for
// integers of up to 15 digits, which float64 holds exactly.
func parseNumber(s string) float64 {
	t := s
	if len(t) > 1 && t[0] == '-' {
		t = t[1:]
	}
	if len(t) > 0 && len(t) <= 15 {
		var v int64
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c < '0' || c > '9' {
				f, _ := strconv.ParseFloat(s, 64)
				return f
			}
			v = v*10 + int64(c-'0')
		}
		if len(t) < len(s) {
			if v == 0 {
				return math.Copysign(0, -1)
			}
			v = -v
		}
		return float64(v)
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
func boolValue(b bool) Value {
	if b {
		return Value{k: kBool, n: 1}
	}
	return Value{k: kBool}
}

// num returns the value as a number: numbers, times (milliseconds),
// booleans (1, 0) and strings that are exactly a decimal number.
func (v Value) num() (float64, bool) {
	switch v.k {
	case kNumber, kTime, kBool:
		return v.n, true
	case kString:
		if !isDecimal(v.s) {
			return 0, false
		}
		f, err := strconv.ParseFloat(v.s, 64)
		return f, err == nil
	}
	return 0, false
}

// isNumber reports whether v is a number value in the sense of sort: a
// number, or text made only of a decimal number.
func (v Value) isNumber() bool {
	switch v.k {
	case kNumber, kTime, kBool:
		return true
	case kString:
		return isDecimal(v.s)
	}
	return false
}

// str renders the value as text, as results show it.
func (v Value) str() string {
	switch v.k {
	case kString:
		return v.s
	case kNumber:
		if v.s != "" {
			return v.s
		}
		return formatNumber(v.n)
	case kBool:
		if v.n != 0 {
			return "1"
		}
		return "0"
	case kTime:
		return formatTime(int64(v.n))
	case kJSON:
		b, err := json.Marshal(v.j)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return ""
}

// truthy is the value as a filter condition.
func (v Value) truthy() bool {
	switch v.k {
	case kBool, kNumber:
		return v.n != 0 && !math.IsNaN(v.n)
	case kString:
		return v.s != ""
	case kTime, kJSON:
		return true
	}
	return false
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// timeLayout is how results render timestamps.
const timeLayout = "2006-01-02 15:04:05.000"

func formatTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(timeLayout)
}

// compareValues compares two values for =, <, ...: numerically when both
// are numbers, else as text. ok is false when either is missing.
func compareValues(a, b Value) (c int, ok bool) {
	if a.k == kNull || b.k == kNull {
		return 0, false
	}
	if x, ok1 := a.num(); ok1 {
		if y, ok2 := b.num(); ok2 {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			case x == y:
				return 0, true
			}
			return 0, false // NaN
		}
	}
	return strings.Compare(a.str(), b.str()), true
}

// naturalCompare orders two present values as CloudWatch's sort does:
// every non-number before every number; numbers by value; other text in
// chunks of digits and of non-digits, digit chunks by length and then by
// value, other chunks by code point.
func naturalCompare(a, b Value) int {
	if a.k == kTime && b.k == kTime { // the common sort by @timestamp
		return cmpFloat(a.n, b.n)
	}
	an, bn := a.isNumber(), b.isNumber()
	switch {
	case an && bn:
		x, _ := a.num()
		y, _ := b.num()
		return cmpFloat(x, y)
	case an:
		return 1
	case bn:
		return -1
	}
	return naturalCompareText(a.str(), b.str())
}

// cmpFloat orders numbers; NaN is equal to everything, as before.
func cmpFloat(x, y float64) int {
	c := 0
	if x > y {
		c = 1
	}
	if x < y {
		c = -1
	}
	return c
}

func naturalCompareText(x, y string) int {
	for x != "" && y != "" {
		cx, rx := chunk(x)
		cy, ry := chunk(y)
		dx, dy := isDigit(cx[0]), isDigit(cy[0])
		if dx && dy {
			if len(cx) != len(cy) {
				if len(cx) < len(cy) {
					return -1
				}
				return 1
			}
			if c := strings.Compare(cx, cy); c != 0 {
				return c
			}
		} else if c := strings.Compare(cx, cy); c != 0 {
			return c
		}
		x, y = rx, ry
	}
	switch {
	case x == "" && y == "":
		return 0
	case x == "":
		return -1
	}
	return 1
}

// chunk splits off the leading run of digits or of non-digits.
func chunk(s string) (string, string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

// appendKey appends an encoding of v that is equal for values that group
// together (stats by, dedup, count_distinct).
func appendKey(b []byte, v Value) []byte {
	if v.k == kNull {
		return append(b, 0)
	}
	s := v.str()
	b = append(b, 1)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}
