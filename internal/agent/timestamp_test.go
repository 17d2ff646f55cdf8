package agent

import (
	"testing"
	"time"
)

func TestTimeFormat(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	f := func(format string, loc *time.Location, line string, want time.Time) {
		t.Helper()
		tf, err := parseTimeFormat(format, loc)
		if err != nil {
			t.Fatalf("%q: %v", format, err)
		}
		got, ok := tf.find(line, now)
		switch {
		case want.IsZero() && ok:
			t.Errorf("%q in %q: found %v, want nothing", format, line, time.UnixMilli(got).UTC())
		case !want.IsZero() && !ok:
			t.Errorf("%q in %q: found nothing, want %v", format, line, want)
		case !want.IsZero() && got != want.UnixMilli():
			t.Errorf("%q in %q: got %v, want %v", format, line, time.UnixMilli(got).UTC(), want.UTC())
		}
	}
	utc := time.UTC
	// syslog: no year, space-padded day.
	f("%b %d %H:%M:%S", utc, "Mar  5 10:15:42 host sshd[812]: Accepted publickey", time.Date(2024, 3, 5, 10, 15, 42, 0, utc))
	f("%b %d %H:%M:%S", utc, "Mar 05 10:15:42 host x", time.Date(2024, 3, 5, 10, 15, 42, 0, utc))
	f("%b %d %H:%M:%S", berlin, "Mar  5 10:15:42 host x", time.Date(2024, 3, 5, 10, 15, 42, 0, berlin))
	// December seen in March: last year's.
	f("%b %d %H:%M:%S", utc, "Dec 31 23:59:59 host x", time.Date(2023, 12, 31, 23, 59, 59, 0, utc))
	// Apache and nginx access logs: found inside the line, with an offset.
	f("%d/%b/%Y:%H:%M:%S %z", utc, `203.0.113.9 - - [10/Mar/2024:06:25:24 -0500] "GET / HTTP/1.1" 200 512`, time.Date(2024, 3, 10, 11, 25, 24, 0, utc))
	// Java / Python logging with fractions.
	f("%Y-%m-%d %H:%M:%S,%f", utc, "2024-03-10 09:08:07,123 ERROR boom", time.Date(2024, 3, 10, 9, 8, 7, 123e6, utc))
	f("%Y-%m-%d %H:%M:%S.%f", utc, "2024-03-10 09:08:07.123456 x", time.Date(2024, 3, 10, 9, 8, 7, 123456000, utc))
	f("%Y-%m-%dT%H:%M:%S%z", utc, "ts=2024-03-10T09:08:07+01:00 msg=x", time.Date(2024, 3, 10, 8, 8, 7, 0, utc))
	f("%Y-%m-%dT%H:%M:%S%z", utc, "2024-03-10T09:08:07Z x", time.Date(2024, 3, 10, 9, 8, 7, 0, utc))
	f("%FT%T", berlin, "2024-07-01T12:00:00 summer", time.Date(2024, 7, 1, 12, 0, 0, 0, berlin))
	// 12-hour clock, names, two-digit years.
	f("%m/%d/%y %I:%M:%S %p", utc, "03/10/24 01:02:03 PM x", time.Date(2024, 3, 10, 13, 2, 3, 0, utc))
	f("%m/%d/%y %I:%M:%S %p", utc, "03/10/24 12:02:03 am x", time.Date(2024, 3, 10, 0, 2, 3, 0, utc))
	f("%a %b %d %H:%M:%S %Y", utc, "Sun Mar 10 09:08:07 2024 [notice] x", time.Date(2024, 3, 10, 9, 8, 7, 0, utc))
	f("%A, %B %d, %Y %H:%M", utc, "Sunday, March 10, 2024 09:08", time.Date(2024, 3, 10, 9, 8, 0, 0, utc))
	f("%Y%m%d %H%M%S", utc, "20240310 090807 x", time.Date(2024, 3, 10, 9, 8, 7, 0, utc))
	f("%Y-%j %H:%M", utc, "2024-070 09:08", time.Date(2024, 3, 10, 9, 8, 0, 0, utc))
	f("%s", utc, "epoch 1710061687 x", time.Unix(1710061687, 0))
	f("%H:%M:%S", utc, "09:08:07 only a time", time.Date(2024, 3, 10, 9, 8, 7, 0, utc))
	f("%Y-%m-%d %H:%M:%S %Z", berlin, "2024-03-10 09:08:07 UTC x", time.Date(2024, 3, 10, 9, 8, 7, 0, utc))
	f("%%%Y", utc, "100%2024 x", time.Date(2024, 3, 10, 0, 0, 0, 0, utc).AddDate(0, 0, 0).Truncate(24*time.Hour))
	// No match, impossible dates.
	f("%Y-%m-%d %H:%M:%S", utc, "no timestamp here", time.Time{})
	f("%Y-%m-%d %H:%M:%S", utc, "2024-02-30 10:00:00", time.Time{})
	f("%Y-%m-%d %H:%M:%S", utc, "2024-13-01 10:00:00", time.Time{})
	f("%H:%M:%S", utc, "25:61:00", time.Time{})

	for _, bad := range []string{"", "%Q", "abc%"} {
		if _, err := parseTimeFormat(bad, utc); err == nil {
			t.Errorf("format %q accepted", bad)
		}
	}
}

func TestLoadZone(t *testing.T) {
	for _, z := range []string{"", "LOCAL", "local", "UTC", "utc"} {
		if _, err := loadZone(z); err != nil {
			t.Errorf("%q: %v", z, err)
		}
	}
	if _, err := loadZone("Mars/Olympus_Mons"); err == nil {
		t.Error("unknown zone accepted")
	}
}

func BenchmarkTimeFormat(b *testing.B) {
	tf, _ := parseTimeFormat("%Y-%m-%d %H:%M:%S,%f", time.UTC)
	line := "2024-03-10 09:08:07,123 INFO [main] com.example.Service - request handled in 12ms"
	now := time.Now()
	for b.Loop() {
		tf.find(line, now)
	}
}
