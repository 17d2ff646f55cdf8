package transform

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// formatLayout writes t with the layout.
func formatLayout(l dtLayout, t time.Time, loc *locale) string {
	var b strings.Builder
	for _, tok := range l {
		if tok.letter == 0 {
			b.WriteString(tok.lit)
			continue
		}
		b.WriteString(formatToken(tok, t, loc))
	}
	return b.String()
}

func formatToken(tok dtToken, t time.Time, loc *locale) string {
	n := tok.count
	_, offset := t.Zone()
	switch tok.letter {
	case 'y', 'u':
		if n == 2 {
			return fmt.Sprintf("%02d", t.Year()%100)
		}
		return fmt.Sprintf("%0*d", n, t.Year())
	case 'M':
		switch n {
		case 1, 2:
			return pad(int(t.Month()), n)
		case 3:
			return loc.monthsShort[t.Month()-1]
		case 4:
			return loc.months[t.Month()-1]
		}
		return narrow(loc.months[t.Month()-1])
	case 'd':
		return pad(t.Day(), n)
	case 'H':
		return pad(t.Hour(), n)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return pad(h, n)
	case 'm':
		return pad(t.Minute(), n)
	case 's':
		return pad(t.Second(), n)
	case 'S':
		return fmt.Sprintf("%09d", t.Nanosecond())[:n]
	case 'a':
		return loc.ampm[t.Hour()/12]
	case 'E':
		switch {
		case n <= 3:
			return loc.daysShort[t.Weekday()]
		case n == 4:
			return loc.days[t.Weekday()]
		}
		return narrow(loc.days[t.Weekday()])
	case 'X', 'x':
		if offset == 0 && tok.letter == 'X' {
			return "Z"
		}
		sep := ""
		if n == 3 || n == 5 {
			sep = ":"
		}
		return formatOffset(offset/60, sep, n == 1)
	case 'Z':
		switch {
		case n <= 3:
			return formatOffset(offset/60, "", false)
		case n == 4 && offset == 0:
			return "GMT"
		case n == 4:
			return "GMT" + formatOffset(offset/60, ":", false)
		case offset == 0:
			return "Z"
		}
		return formatOffset(offset/60, ":", false)
	case 'z':
		if n == 4 {
			return t.Location().String()
		}
		return t.Format("MST")
	case 'V':
		return t.Location().String()
	}
	return ""
}

func pad(v, n int) string { return fmt.Sprintf("%0*d", n, v) }

// narrow is the one-letter form of a name.
func narrow(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r))
}
