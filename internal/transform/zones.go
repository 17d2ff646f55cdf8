package transform

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // zone IDs must resolve on machines without tzdata
)

// javaShortIDs are the short zone IDs Java's ZoneId.SHORT_IDS resolves
// (the three fixed ones are in tzdata as EST, MST and HST).
var javaShortIDs = map[string]string{
	"ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires",
	"ART": "Africa/Cairo", "AST": "America/Anchorage", "BET": "America/Sao_Paulo",
	"BST": "Asia/Dhaka", "CAT": "Africa/Harare", "CNT": "America/St_Johns",
	"CST": "America/Chicago", "CTT": "Asia/Shanghai", "EAT": "Africa/Addis_Ababa",
	"ECT": "Europe/Paris", "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata",
	"JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan", "NST": "Pacific/Auckland",
	"PLT": "Asia/Karachi", "PNT": "America/Phoenix", "PRT": "America/Puerto_Rico",
	"PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal", "VST": "Asia/Ho_Chi_Minh",
}

// zoneAbbreviations are the zone names a datetime string may carry (the
// "z" letter), with the offset each stands for.
var zoneAbbreviations = map[string]int{
	"UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0,
	"PST": -8 * 60, "PDT": -7 * 60, "MST": -7 * 60, "MDT": -6 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"EST": -5 * 60, "EDT": -4 * 60, "AKST": -9 * 60, "AKDT": -8 * 60, "HST": -10 * 60,
	"CET": 60, "CEST": 120, "MEZ": 60, "MESZ": 120, "EET": 120, "EEST": 180, "WEST": 60,
	"BST": 60, "IST": 5*60 + 30, "JST": 9 * 60, "KST": 9 * 60, "AEST": 10 * 60, "AEDT": 11 * 60,
	"NZST": 12 * 60, "NZDT": 13 * 60,
}

// loadZone resolves a time zone of the configuration as Java's ZoneId
// does: "UTC", "Z", an offset ("+01:00", "UTC+1", "GMT-05:30"), a region
// ID ("Europe/Berlin") or a short ID ("PST"). The empty name is UTC.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if loc, ok := offsetZone(name); ok {
		return loc, nil
	}
	if id, ok := javaShortIDs[name]; ok {
		name = id
	}
	if name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// offsetZone parses "Z", "UTC", "GMT", "UT", or an offset of 1 to 4
// digits (with an optional ":") with or without one of those prefixes.
func offsetZone(name string) (*time.Location, bool) {
	prefix := ""
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if strings.HasPrefix(name, p) {
			prefix = p
			break
		}
	}
	rest := name[len(prefix):]
	if rest == "" && prefix != "" || name == "Z" {
		return time.UTC, true
	}
	minutes, ok := parseOffset(rest)
	if !ok || minutes < -18*60 || minutes > 18*60 {
		return nil, false
	}
	return time.FixedZone(prefix+formatOffset(minutes, ":", false), minutes*60), true
}

// parseOffset parses "+H", "+HH", "+HHMM" or "+H:MM", "+HH:MM" (or with
// "-") into minutes east of UTC.
func parseOffset(s string) (int, bool) {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, m, colon := strings.Cut(s[1:], ":")
	switch {
	case colon && len(m) != 2, colon && len(h) > 2:
		return 0, false
	case !colon && len(h) == 4:
		h, m = h[:2], h[2:]
	case !colon && len(h) > 2:
		return 0, false
	}
	if !allDigits(h) || !allDigits(m) || h == "" {
		return 0, false
	}
	hours, minutes := atoi(h), atoi(m)
	if minutes > 59 {
		return 0, false
	}
	return sign * (hours*60 + minutes), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// formatOffset writes minutes east of UTC as +HH:MM (sep ":") or +HHMM;
// short drops a zero minute part.
func formatOffset(minutes int, sep string, short bool) string {
	sign := '+'
	if minutes < 0 {
		sign, minutes = '-', -minutes
	}
	if short && minutes%60 == 0 {
		return fmt.Sprintf("%c%02d", sign, minutes/60)
	}
	return fmt.Sprintf("%c%02d%s%02d", sign, minutes/60, sep, minutes%60)
}

// readOffset reads an offset at the start of s: "Z", or an optional
// "GMT"/"UTC" followed by +HH, +HHMM or +HH:MM.
func readOffset(s string) (*time.Location, string, bool) {
	if strings.HasPrefix(s, "Z") {
		return time.UTC, s[1:], true
	}
	rest := s
	for _, p := range []string{"GMT", "UTC"} {
		if r, ok := strings.CutPrefix(s, p); ok {
			rest = r
			if rest == "" || (rest[0] != '+' && rest[0] != '-') {
				return time.UTC, rest, true
			}
		}
	}
	for _, n := range []int{6, 5, 3} { // +HH:MM, +HHMM, +HH
		if len(rest) < n {
			continue
		}
		if minutes, ok := parseOffset(rest[:n]); ok {
			return time.FixedZone(formatOffset(minutes, ":", false), minutes*60), rest[n:], true
		}
	}
	return nil, s, false
}

// readZoneName reads a zone name or ID at the start of s, the longest
// that resolves.
func readZoneName(s string) (*time.Location, string, bool) {
	n := 0
	for n < len(s) && n < 40 && isZoneChar(s[n]) {
		n++
	}
	for ; n > 0; n-- {
		name := s[:n]
		if off, ok := zoneAbbreviations[name]; ok {
			return time.FixedZone(name, off*60), s[n:], true
		}
		if strings.Contains(name, "/") || strings.HasPrefix(name, "UTC") || strings.HasPrefix(name, "GMT") {
			if loc, err := loadZone(name); err == nil {
				return loc, s[n:], true
			}
		}
	}
	return nil, s, false
}

func isZoneChar(c byte) bool {
	return isASCIILetter(c) || (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' || c == '-' || c == ':'
}
