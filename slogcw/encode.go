package slogcw

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// This file renders records as JSON objects with the keys and value
// encodings of slog.JSONHandler, so that tools reading one read the other.

// appendKey appends "key": preceded by a comma unless it opens an object.
func appendKey(buf []byte, key string) []byte {
	if len(buf) > 0 && buf[len(buf)-1] != '{' {
		buf = append(buf, ',')
	}
	buf = appendString(buf, key)
	return append(buf, ':')
}

// appendLevel appends "level":"INFO" (as slog.Level.String spells it),
// the standard levels without encoding them each time.
func appendLevel(buf []byte, l slog.Level) []byte {
	const key = `"` + slog.LevelKey + `":`
	switch l {
	case slog.LevelDebug:
		return append(buf, key+`"DEBUG"`...)
	case slog.LevelInfo:
		return append(buf, key+`"INFO"`...)
	case slog.LevelWarn:
		return append(buf, key+`"WARN"`...)
	case slog.LevelError:
		return append(buf, key+`"ERROR"`...)
	}
	buf = append(buf, key...)
	return appendString(buf, l.String())
}

// encoder appends attrs; it carries the group path for ReplaceAttr.
type encoder struct {
	rep    func(groups []string, a slog.Attr) slog.Attr
	groups []string // path of open groups; maintained only when rep is set
}

// appendAttr appends a (resolved, replaced, elided as slog does) and
// reports whether it wrote anything.
func (e *encoder) appendAttr(buf []byte, a slog.Attr) ([]byte, bool) {
	kind := a.Value.Kind()
	if kind == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
		kind = a.Value.Kind()
	}
	if e.rep != nil && kind != slog.KindGroup {
		a = e.rep(e.groups, a)
		a.Value = a.Value.Resolve()
		kind = a.Value.Kind()
	}
	if kind == slog.KindAny {
		if isEmpty(a) {
			return buf, false
		}
		if src, ok := a.Value.Any().(*slog.Source); ok {
			a.Value = sourceValue(src)
			kind = slog.KindGroup
		}
	}
	if kind != slog.KindGroup {
		buf = appendKey(buf, a.Key)
		return e.appendValue(buf, a.Value), true
	}
	attrs := a.Value.Group()
	if len(attrs) == 0 {
		return buf, false
	}
	mark := len(buf)
	if a.Key != "" { // a group with an empty key is inlined
		buf = appendKey(buf, a.Key)
		buf = append(buf, '{')
		if e.rep != nil {
			e.groups = append(e.groups, a.Key)
		}
	}
	wrote := false
	for _, ga := range attrs {
		var w bool
		buf, w = e.appendAttr(buf, ga)
		wrote = wrote || w
	}
	if a.Key != "" {
		if e.rep != nil {
			e.groups = e.groups[:len(e.groups)-1]
		}
		buf = append(buf, '}')
	}
	if !wrote { // every member was elided: so is the group
		return buf[:mark], false
	}
	return buf, true
}

// isEmpty is slog's test for an attr to leave out: no key, zero value.
func isEmpty(a slog.Attr) bool {
	return a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil
}

func sourceValue(s *slog.Source) slog.Value {
	var as []slog.Attr
	if s.Function != "" {
		as = append(as, slog.String("function", s.Function))
	}
	if s.File != "" {
		as = append(as, slog.String("file", s.File))
	}
	if s.Line != 0 {
		as = append(as, slog.Int("line", s.Line))
	}
	return slog.GroupValue(as...)
}

// recordSource returns the source of a record's call site, or nil.
func recordSource(r *slog.Record) *slog.Source {
	if r.PC == 0 {
		return nil
	}
	f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
	return &slog.Source{Function: f.Function, File: f.File, Line: f.Line}
}

func (e *encoder) appendValue(buf []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(buf, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(buf, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(buf, v.Uint64(), 10)
	case slog.KindFloat64:
		return appendFloat(buf, v.Float64())
	case slog.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(buf, int64(v.Duration()), 10)
	case slog.KindTime:
		return appendTime(buf, v.Time())
	case slog.KindAny:
		return appendAny(buf, v.Any())
	}
	// Groups are handled by appendAttr, LogValuers were resolved.
	return appendString(buf, v.String())
}

// appendTime writes t as RFC 3339 with nanoseconds, trailing zeros
// trimmed, as slog.JSONHandler does. The part up to the second, with the
// zone, changes once a second; it is cached, which makes formatting a
// record's time cost little more than copying it.
func appendTime(buf []byte, t time.Time) []byte {
	buf = append(buf, '"')
	sec := t.Unix()
	c := timeCache.Load()
	if c == nil || c.sec != sec || c.loc != t.Location() {
		if y := t.Year(); y < 0 || y >= 10000 { // outside RFC 3339: let time say it
			buf = t.AppendFormat(buf, time.RFC3339Nano)
			return append(buf, '"')
		}
		c = newTimeFormat(t)
		timeCache.Store(c)
	}
	buf = append(buf, c.head...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		buf = append(buf, frac[:n]...)
	}
	buf = append(buf, c.zone...)
	return append(buf, '"')
}

// timeFormat is the formatted second of one instant in one location.
type timeFormat struct {
	sec  int64
	loc  *time.Location
	head string // 2006-01-02T15:04:05
	zone string // Z or -07:00
}

var timeCache atomic.Pointer[timeFormat]

func newTimeFormat(t time.Time) *timeFormat {
	s := t.Truncate(time.Second).Format(time.RFC3339)
	i := len("2006-01-02T15:04:05")
	return &timeFormat{sec: t.Unix(), loc: t.Location(), head: s[:i], zone: s[i:]}
}

// appendFloat writes f as encoding/json does; NaN and infinities, which
// JSON lacks, as strings.
func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(buf, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Inf"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		if n := len(buf) - start; n >= 4 && buf[len(buf)-4] == 'e' && buf[len(buf)-3] == '-' && buf[len(buf)-2] == '0' {
			buf[len(buf)-2] = buf[len(buf)-1]
			buf = buf[:len(buf)-1]
		}
	}
	return buf
}

func appendAny(buf []byte, a any) []byte {
	switch x := a.(type) {
	case nil:
		return append(buf, "null"...)
	case slog.Level:
		return appendString(buf, x.String())
	case json.Marshaler:
		return appendMarshal(buf, x)
	case error:
		return appendString(buf, x.Error())
	case []byte:
		return appendMarshal(buf, x) // base64, as encoding/json writes bytes
	}
	return appendMarshal(buf, a)
}

// appendMarshal writes a with encoding/json, without HTML escaping, as
// slog.JSONHandler does; a value that cannot be encoded becomes a string
// saying why.
func appendMarshal(buf []byte, a any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return appendString(buf, "!ERROR:"+err.Error())
	}
	return append(buf, bytes.TrimRight(b.Bytes(), "\n")...)
}

const hexDigits = "0123456789abcdef"

// plain8 reports whether 8 bytes are all ASCII that needs no escaping:
// no control character, quote, backslash or byte ≥ 0x80. It tests the 8
// at once (SWAR), the common case of keys and messages.
func plain8(s string) bool {
	_ = s[7] // one bounds check, and the compiler merges the loads
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasLess := func(x, n uint64) uint64 { return (x - ones*n) &^ x & highs }
	hasZero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	return (x&highs)|hasLess(x, 0x20)|hasZero(x^(ones*'"'))|hasZero(x^(ones*'\\')) == 0
}

// safe marks the ASCII bytes that stand for themselves inside a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// so every event is valid UTF-8 and its size is what the server counts.
func appendString(buf []byte, s string) []byte {
	buf = slices.Grow(buf, len(s)+2)
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but not JavaScript
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
