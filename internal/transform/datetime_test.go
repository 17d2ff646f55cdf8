package transform

import (
	"strconv"
	"testing"
	"time"
)

func TestDateTimeConverter(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  dateTimeConfig
		in   string
		want string // "" when the value must not convert
	}{
		{"default target format", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm:ss"}}, "2024-05-01 10:00:00", "2024-05-01T10:00:00.000Z"},
		{"source zone", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm:ss"}, SourceTimezone: "Europe/Berlin"}, "2024-05-01 10:00:00", "2024-05-01T08:00:00.000Z"},
		{"offset in the value wins", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}, SourceTimezone: "Asia/Tokyo"}, "2024-05-01T10:00:00.250-03:30", "2024-05-01T13:30:00.250Z"},
		{"Z for UTC", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd'T'HH:mm:ssX"}}, "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000Z"},
		{"first matching pattern", dateTimeConfig{MatchPatterns: []string{"dd.MM.yyyy", "yyyy/MM/dd"}}, "2024/12/31", "2024-12-31T00:00:00.000Z"},
		{"optional section absent", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm:ss[.SSS]"}}, "2024-05-01 10:00:00", "2024-05-01T10:00:00.000Z"},
		{"optional section present", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm:ss[.SSS]"}}, "2024-05-01 10:00:00.789", "2024-05-01T10:00:00.789Z"},
		{"adjacent numbers", dateTimeConfig{MatchPatterns: []string{"yyyyMMddHHmmss"}}, "20240501100000", "2024-05-01T10:00:00.000Z"},
		{"two-digit year", dateTimeConfig{MatchPatterns: []string{"yy-M-d"}}, "99-1-2", "2099-01-02T00:00:00.000Z"},
		{"12-hour clock", dateTimeConfig{MatchPatterns: []string{"MM/dd/yyyy hh:mm a"}, TargetFormat: "HH:mm"}, "05/01/2024 12:15 AM", "00:15"},
		{"12-hour clock PM", dateTimeConfig{MatchPatterns: []string{"MM/dd/yyyy h:mm a"}, TargetFormat: "HH:mm"}, "05/01/2024 1:15 pm", "13:15"},
		{"apache", dateTimeConfig{MatchPatterns: []string{"dd/MMM/yyyy:HH:mm:ss Z"}}, "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36.000Z"},
		{"RFC 1123", dateTimeConfig{MatchPatterns: []string{"EEE, dd MMM yyyy HH:mm:ss z"}}, "Wed, 01 May 2024 10:00:00 GMT", "2024-05-01T10:00:00.000Z"},
		{"zone abbreviation", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm z"}}, "2024-07-04 09:00 EDT", "2024-07-04T13:00:00.000Z"},
		{"zone ID", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm VV"}}, "2024-07-04 09:00 America/New_York", "2024-07-04T13:00:00.000Z"},
		{"wrong day of week", dateTimeConfig{MatchPatterns: []string{"EEE, dd MMM yyyy"}}, "Thu, 01 May 2024", ""},
		{"day out of range", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd"}}, "2023-02-29", ""},
		{"trailing text", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd"}}, "2024-05-01 x", ""},
		{"no date", dateTimeConfig{MatchPatterns: []string{"HH:mm"}}, "10:00", ""},
		{"fraction needs its digits", dateTimeConfig{MatchPatterns: []string{"HH:mm:ss.SSS yyyy"}}, "10:00:00.12 2024", ""},
		{"German", dateTimeConfig{MatchPatterns: []string{"EEEE dd. MMMM yyyy HH:mm:ss"}, Locale: "de", SourceTimezone: "Europe/Berlin", TargetTimezone: "America/New_York", TargetFormat: "yyyy-MM-dd'T'HH:mm:ss z"},
			"Samstag 05. Dezember 1998 11:00:00", "1998-12-05T05:00:00 EST"},
		{"German abbreviations", dateTimeConfig{MatchPatterns: []string{"d. MMM yyyy"}, Locale: "de_DE", TargetFormat: "EEE d. MMM yyyy"}, "3. März 2024", "So. 3. März 2024"},
		{"French out", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd"}, Locale: "fr", TargetFormat: "EEEE d MMMM yyyy"}, "2024-08-15", "jeudi 15 août 2024"},
		{"Spanish AM/PM", dateTimeConfig{MatchPatterns: []string{"d 'de' MMMM 'de' yyyy h:mm a"}, Locale: "es-ES", TargetFormat: "HH:mm"}, "5 de mayo de 2024 3:07 p. m.", "15:07"},
		{"offset formats", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm"}, TargetTimezone: "+05:30", TargetFormat: "X|XX|XXX|x|Z|ZZZZ|ZZZZZ"}, "2024-01-01 00:00", "+0530|+0530|+05:30|+0530|+0530|GMT+05:30|+05:30"},
		{"UTC offset formats", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm"}, TargetFormat: "X|xx|Z|ZZZZ|ZZZZZ|z|VV"}, "2024-01-01 00:00", "Z|+0000|+0000|GMT|Z|UTC|UTC"},
		{"literal quotes", dateTimeConfig{MatchPatterns: []string{"'at' HH 'o''clock on' yyyy-MM-dd"}, TargetFormat: "''yy''"}, "at 07 o'clock on 2024-05-01", "'24'"},
		{"Java short zone ID", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm"}, SourceTimezone: "PST"}, "2024-07-01 12:00", "2024-07-01T19:00:00.000Z"},
		{"UTC+ offset zone", dateTimeConfig{MatchPatterns: []string{"yyyy-MM-dd HH:mm"}, SourceTimezone: "UTC-3"}, "2024-07-01 12:00", "2024-07-01T15:00:00.000Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newDateTimeConverter(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.convert(tc.in)
			if tc.want == "" {
				if ok {
					t.Errorf("%q converted to %q", tc.in, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Errorf("%q: got %q (%v), want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

// A pattern without a year reads the current year.
func TestDateTimeConverterCurrentYear(t *testing.T) {
	c, err := newDateTimeConverter(dateTimeConfig{MatchPatterns: []string{"MMM d HH:mm:ss"}, TargetFormat: "yyyy MM dd"})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c.convert("Jan 5 10:00:00")
	if want := strconv.Itoa(time.Now().UTC().Year()) + " 01 05"; !ok || got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCompileLayouts(t *testing.T) {
	ls, err := compileLayouts("yyyy[-MM[-dd]]")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		got = append(got, formatLayout(l, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), locales[""]))
	}
	if len(got) != 3 || got[0] != "2024-05-01" || got[1] != "2024-05" || got[2] != "2024" {
		t.Errorf("layouts %q", got)
	}
	for _, bad := range []string{"yyyy]", "[[[[[yyyy]]]]]", "dddd", "VVV", "yyyy {x}", "[a][b][c][d][e][f]"} {
		if _, err := compileLayouts(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func TestZones(t *testing.T) {
	for name, want := range map[string]int{
		"": 0, "UTC": 0, "Z": 0, "GMT": 0, "+01:00": 3600, "-0530": -19800, "UTC+1": 3600, "GMT-05:00": -18000,
		"Asia/Kolkata": 19800, "EST": -18000,
	} {
		loc, err := loadZone(name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if _, off := time.Date(2024, 1, 15, 0, 0, 0, 0, loc).Zone(); off != want {
			t.Errorf("%q: offset %d, want %d", name, off, want)
		}
	}
	for _, bad := range []string{"Local", "Mars/Base", "+25:00", "+1:5", "UTC+", "../etc/passwd", "+123"} {
		if _, err := loadZone(bad); err == nil {
			t.Errorf("%q loaded", bad)
		}
	}
}
