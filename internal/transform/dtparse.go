package transform

import (
	"strings"
	"time"
)

// dtFields are the fields a layout read from a datetime string.
type dtFields struct {
	year, month, day, hour, minute, second, nanos int
	hasYear, hasMonth, hasDay, hasHour12          bool
	pm, weekday                                   int // -1 when not read
	loc                                           *time.Location
}

// parseLayout reads s, which the layout must match entirely.
func parseLayout(l dtLayout, s string, loc *locale) (dtFields, bool) {
	f := dtFields{pm: -1, weekday: -1}
	for i, t := range l {
		var ok bool
		if t.letter == 0 {
			s, ok = strings.CutPrefix(s, t.lit)
		} else {
			adjacent := i+1 < len(l) && l[i+1].numeric()
			s, ok = f.read(t, s, adjacent, loc)
		}
		if !ok {
			return f, false
		}
	}
	return f, s == ""
}

// read reads token t at the start of s into f and returns the rest.
func (f *dtFields) read(t dtToken, s string, adjacent bool, loc *locale) (string, bool) {
	switch t.letter {
	case 'y', 'u':
		lo, hi := t.count, 9
		switch {
		case t.count == 2:
			hi = 2
		case adjacent:
			lo, hi = max(t.count, 4), max(t.count, 4)
		}
		v, rest, ok := readInt(s, lo, hi)
		if ok && t.count == 2 {
			v += 2000
		}
		f.year, f.hasYear = v, ok
		return rest, ok
	case 'M':
		var v int
		var rest string
		var ok bool
		if t.count >= 3 {
			v, rest, ok = matchName(s, loc.months[:], loc.monthsShort[:])
			v++
		} else {
			v, rest, ok = readNumber(s, t.count)
		}
		f.month, f.hasMonth = v, ok
		return rest, ok
	case 'd', 'H', 'h', 'm', 's':
		v, rest, ok := readNumber(s, t.count)
		switch t.letter {
		case 'd':
			f.day, f.hasDay = v, ok
		case 'H':
			f.hour = v
		case 'h':
			f.hour, f.hasHour12 = v, ok
		case 'm':
			f.minute = v
		case 's':
			f.second = v
		}
		return rest, ok
	case 'S':
		v, rest, ok := readInt(s, t.count, t.count)
		for i := t.count; i < 9; i++ {
			v *= 10
		}
		f.nanos = v
		return rest, ok
	case 'a':
		v, rest, ok := matchName(s, loc.ampm[:], nil)
		f.pm = v
		return rest, ok
	case 'E':
		v, rest, ok := matchName(s, loc.days[:], loc.daysShort[:])
		f.weekday = v
		return rest, ok
	case 'X', 'x', 'Z':
		z, rest, ok := readOffset(s)
		f.loc = z
		return rest, ok
	case 'z', 'V':
		z, rest, ok := readZoneName(s)
		f.loc = z
		return rest, ok
	}
	return s, false
}

// readNumber reads a field of count 1 (one or two digits) or 2 (two).
func readNumber(s string, count int) (int, string, bool) {
	if count == 1 {
		return readInt(s, 1, 2)
	}
	return readInt(s, count, count)
}

// readInt reads lo to hi (at most 9) ASCII digits.
func readInt(s string, lo, hi int) (int, string, bool) {
	hi = min(hi, 9)
	n, v := 0, 0
	for n < len(s) && n < hi && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, s[n:], n >= lo && n > 0
}

// matchName matches the longest of the names at the start of s, ignoring
// case (and a final "." of an abbreviation), and returns its index.
func matchName(s string, full, short []string) (int, string, bool) {
	best, bestLen := -1, 0
	try := func(i int, name string) {
		if name != "" && len(name) > bestLen && len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
			best, bestLen = i, len(name)
		}
	}
	for i := range full {
		try(i, full[i])
	}
	for i := range short {
		try(i, short[i])
		try(i, strings.TrimSuffix(short[i], "."))
	}
	if best < 0 {
		return 0, s, false
	}
	return best, s[bestLen:], true
}

// resolve turns the fields into a time, in their zone or else in def. A
// missing year is the current one; the day of week, if read, must agree.
func (f dtFields) resolve(def *time.Location) (time.Time, bool) {
	if !f.hasYear && !f.hasMonth && !f.hasDay {
		return time.Time{}, false
	}
	loc := def
	if f.loc != nil {
		loc = f.loc
	}
	if !f.hasYear {
		f.year = time.Now().In(loc).Year()
	}
	if !f.hasMonth {
		f.month = 1
	}
	if !f.hasDay {
		f.day = 1
	}
	if f.hasHour12 {
		if f.hour < 1 || f.hour > 12 {
			return time.Time{}, false
		}
		f.hour %= 12
		if f.pm == 1 {
			f.hour += 12
		}
	}
	if f.month < 1 || f.month > 12 || f.hour > 23 || f.minute > 59 || f.second > 59 {
		return time.Time{}, false
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.nanos, loc)
	if t.Day() != f.day || int(t.Month()) != f.month {
		return time.Time{}, false
	}
	if f.weekday >= 0 && int(t.Weekday()) != f.weekday {
		return time.Time{}, false
	}
	return t, true
}
