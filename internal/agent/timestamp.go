package agent

import (
	"fmt"
	"strings"
	"time"
)

// timeFormat finds and parses a timestamp in a line by a strftime-style
// format, as the original CloudWatch Logs agent's datetime_format does:
// the first place in the line where the whole format matches wins.
//
// Directives: %Y %y %m %d %e %H %I %M %S %f %p %b %h %B %a %A %j %z %Z %s
// %T (%H:%M:%S) %F (%Y-%m-%d) %D (%m/%d/%y) %R (%H:%M) %n %t %%. Numbers
// may omit leading zeros, as Python's strptime allows; a space in the
// format matches one or more blanks, so "%b %d" matches "Mar  5". Missing
// parts are filled in: no year means the current year (the previous one
// when that would put the time more than a day in the future), no date
// means today, no zone means the configured location.
type timeFormat struct {
	src   string
	toks  []timeTok
	loc   *time.Location
	first byte // a literal that must start a match (0: any)
}

type timeTok struct {
	kind byte   // directive letter, or 0 for a literal, or ' ' for blanks
	lit  string // the literal
}

// parseTimeFormat compiles a strftime-style format. loc is the zone of
// times without an offset.
func parseTimeFormat(f string, loc *time.Location) (*timeFormat, error) {
	if f == "" {
		return nil, fmt.Errorf("empty datetime format")
	}
	tf := &timeFormat{src: f, loc: loc}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			tf.toks = append(tf.toks, timeTok{lit: lit.String()})
			lit.Reset()
		}
	}
	expand := map[byte]string{'T': "%H:%M:%S", 'F': "%Y-%m-%d", 'D': "%m/%d/%y", 'R': "%H:%M"}
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
			for i+1 < len(f) && (f[i+1] == ' ' || f[i+1] == '\t') {
				i++
			}
			tf.toks = append(tf.toks, timeTok{kind: ' '})
		case c != '%':
			lit.WriteByte(c)
		case i+1 == len(f):
			return nil, fmt.Errorf("datetime format %q ends with a lone %%", f)
		default:
			i++
			d := f[i]
			if d == '-' && i+1 < len(f) { // GNU "%-d": no padding, which we accept anyway
				i++
				d = f[i]
			}
			switch d {
			case '%':
				lit.WriteByte('%')
			case 'n', 't':
				flush()
				tf.toks = append(tf.toks, timeTok{kind: ' '})
			case 'T', 'F', 'D', 'R':
				sub, err := parseTimeFormat(expand[d], loc)
				if err != nil {
					return nil, err
				}
				flush()
				tf.toks = append(tf.toks, sub.toks...)
			case 'Y', 'y', 'm', 'd', 'e', 'H', 'I', 'M', 'S', 'f', 'p', 'b', 'h', 'B', 'a', 'A', 'j', 'z', 'Z', 's':
				flush()
				tf.toks = append(tf.toks, timeTok{kind: d})
			default:
				return nil, fmt.Errorf("datetime format %q: unsupported directive %%%c", f, d)
			}
		}
	}
	flush()
	if len(tf.toks) > 0 && tf.toks[0].kind == 0 {
		tf.first = tf.toks[0].lit[0]
	}
	return tf, nil
}

// timeParts collects what a match found.
type timeParts struct {
	year, month, day, yday int // 0: absent
	hour, min, sec, nsec   int
	pm, hasPM              bool
	hour12                 bool
	offset                 int // seconds east of UTC
	hasOffset, utc         bool
	unix                   int64
	hasUnix                bool
}

// find returns the first timestamp in line, in Unix milliseconds. now
// fills in what the format leaves out.
func (tf *timeFormat) find(line string, now time.Time) (int64, bool) {
	for i := 0; i < len(line); i++ {
		if tf.first != 0 && line[i] != tf.first {
			continue
		}
		var p timeParts
		if tf.matchAt(line, i, &p) {
			if ms, ok := tf.resolve(&p, now); ok {
				return ms, true
			}
		}
	}
	return 0, false
}

var (
	monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	dayNames   = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

// matchAt matches every token from line[i:].
func (tf *timeFormat) matchAt(line string, i int, p *timeParts) bool {
	for _, t := range tf.toks {
		var ok bool
		switch t.kind {
		case 0:
			if ok = strings.HasPrefix(line[i:], t.lit); ok {
				i += len(t.lit)
			}
		case ' ':
			j := i
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			ok, i = j > i, j
		case 'Y':
			p.year, i, ok = digits(line, i, 4, 4)
		case 'y':
			var y int
			if y, i, ok = digits(line, i, 2, 2); ok {
				if y < 69 {
					p.year = 2000 + y
				} else {
					p.year = 1900 + y
				}
			}
		case 'm':
			p.month, i, ok = digits(line, i, 1, 2)
			ok = ok && p.month >= 1 && p.month <= 12
		case 'd', 'e':
			if t.kind == 'e' || (i < len(line) && line[i] == ' ') {
				for i < len(line) && line[i] == ' ' {
					i++
				}
			}
			p.day, i, ok = digits(line, i, 1, 2)
			ok = ok && p.day >= 1 && p.day <= 31
		case 'H':
			p.hour, i, ok = digits(line, i, 1, 2)
			ok = ok && p.hour <= 23
		case 'I':
			p.hour, i, ok = digits(line, i, 1, 2)
			ok = ok && p.hour >= 1 && p.hour <= 12
			p.hour12 = true
		case 'M':
			p.min, i, ok = digits(line, i, 1, 2)
			ok = ok && p.min <= 59
		case 'S':
			p.sec, i, ok = digits(line, i, 1, 2)
			ok = ok && p.sec <= 61
		case 'f':
			j := i
			for j < len(line) && j-i < 9 && isDigit(line[j]) {
				j++
			}
			if ok = j > i; ok {
				n, _, _ := digits(line, i, j-i, j-i)
				for k := j - i; k < 9; k++ {
					n *= 10
				}
				p.nsec, i = n, j
			}
		case 'p':
			if ok = len(line) >= i+2; ok {
				switch strings.ToUpper(line[i : i+2]) {
				case "AM":
					p.hasPM = true
				case "PM":
					p.hasPM, p.pm = true, true
				default:
					ok = false
				}
				i += 2
			}
		case 'b', 'h', 'B':
			var m int
			if m, i, ok = name(line, i, monthNames, t.kind != 'B'); ok {
				p.month = m + 1
			}
		case 'a', 'A':
			_, i, ok = name(line, i, dayNames, t.kind == 'a')
		case 'j':
			p.yday, i, ok = digits(line, i, 1, 3)
			ok = ok && p.yday >= 1 && p.yday <= 366
		case 'z':
			i, ok = zoneOffset(line, i, p)
		case 'Z':
			j := i
			for j < len(line) && (line[j] >= 'A' && line[j] <= 'Z') {
				j++
			}
			if ok = j > i; ok {
				switch line[i:j] {
				case "UTC", "GMT", "Z", "UT":
					p.utc = true
				}
				i = j
			}
		case 's':
			j := i
			for j < len(line) && j-i < 12 && isDigit(line[j]) {
				j++
			}
			if ok = j-i >= 9; ok {
				var n int
				n, i, _ = digits(line, i, j-i, j-i)
				p.unix, p.hasUnix = int64(n), true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits reads between lo and hi decimal digits at line[i:].
func digits(line string, i, lo, hi int) (int, int, bool) {
	n, j := 0, i
	for j < len(line) && j-i < hi && isDigit(line[j]) {
		n = n*10 + int(line[j]-'0')
		j++
	}
	return n, j, j-i >= lo
}

// name matches a month or day name, whole or (abbr) its first three
// letters, case-insensitively; it returns the index.
func name(line string, i int, names []string, abbr bool) (int, int, bool) {
	for k, n := range names {
		if abbr {
			n = n[:3]
		}
		if len(line)-i >= len(n) && strings.EqualFold(line[i:i+len(n)], n) {
			return k, i + len(n), true
		}
	}
	return 0, i, false
}

// zoneOffset reads Z, ±hh, ±hhmm or ±hh:mm.
func zoneOffset(line string, i int, p *timeParts) (int, bool) {
	if i < len(line) && line[i] == 'Z' {
		p.hasOffset = true
		return i + 1, true
	}
	if i >= len(line) || (line[i] != '+' && line[i] != '-') {
		return i, false
	}
	sign := 1
	if line[i] == '-' {
		sign = -1
	}
	h, j, ok := digits(line, i+1, 2, 2)
	if !ok {
		return i, false
	}
	m := 0
	if j < len(line) && line[j] == ':' {
		if m, j, ok = digits(line, j+1, 2, 2); !ok {
			return i, false
		}
	} else if mm, k, ok := digits(line, j, 2, 2); ok {
		m, j = mm, k
	}
	if h > 14 || m > 59 {
		return i, false
	}
	p.offset, p.hasOffset = sign*(h*3600+m*60), true
	return j, true
}

// resolve turns the parts into Unix milliseconds.
func (tf *timeFormat) resolve(p *timeParts, now time.Time) (int64, bool) {
	if p.hasUnix {
		return p.unix*1000 + int64(p.nsec/1e6), true
	}
	loc := tf.loc
	switch {
	case p.hasOffset:
		loc = time.FixedZone("", p.offset)
	case p.utc:
		loc = time.UTC
	}
	now = now.In(loc)
	hour := p.hour
	if p.hour12 || p.hasPM {
		hour %= 12
		if p.pm {
			hour += 12
		}
	}
	year, month, day := p.year, p.month, p.day
	noYear := year == 0
	if noYear {
		year = now.Year()
	}
	var t time.Time
	switch {
	case p.yday > 0 && month == 0:
		t = time.Date(year, 1, p.yday, hour, p.min, p.sec, p.nsec, loc)
	case month == 0 && day == 0:
		t = time.Date(year, now.Month(), now.Day(), hour, p.min, p.sec, p.nsec, loc)
		if noYear && t.After(now.Add(time.Hour)) { // a time of day later than now: yesterday's
			t = t.AddDate(0, 0, -1)
		}
	default:
		if month == 0 {
			month = int(now.Month())
		}
		if day == 0 {
			day = 1
		}
		t = time.Date(year, time.Month(month), day, hour, p.min, p.sec, p.nsec, loc)
		if t.Day() != day { // Feb 30 and the like
			return 0, false
		}
		if noYear && t.After(now.Add(24*time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
	}
	return t.UnixMilli(), true
}

// loadZone resolves a time_zone setting: LOCAL (or empty), UTC, or an
// IANA zone name.
func loadZone(name string) (*time.Location, error) {
	switch strings.ToUpper(name) {
	case "", "LOCAL":
		return time.Local, nil
	case "UTC", "GMT", "Z":
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	return loc, nil
}
