package slogcw

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzAppendString checks the JSON strings against slog.JSONHandler's and
// against decoding.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text", "q\"b\\s/", "ctl\x00\x1f\x7f", "é€😀", "bad\xff\xfe", "\u2028\u2029", "<>&", "12345678\"2345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, got, err)
		}
		if !utf8.Valid(got) || back != strings.ToValidUTF8(s, "\uFFFD") && utf8.ValidString(s) {
			t.Fatalf("%q encodes to %s, decodes to %q", s, got, back)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
				return slog.Attr{}
			}
			return a
		}})).Info(s)
		want := strings.TrimSuffix(strings.TrimPrefix(buf.String(), `{"msg":`), "}\n")
		if string(got) != want {
			t.Fatalf("%q: got %s, slog writes %s", s, got, want)
		}
	})
}

func TestAppendTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	for _, tm := range []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2025, 1, 2, 3, 4, 5, 100, time.UTC),
		time.Date(2025, 1, 2, 3, 4, 5, 120_000_000, time.UTC),
		time.Date(2025, 1, 2, 3, 4, 5, 999_999_999, ny),
		time.Date(2025, 7, 2, 3, 4, 5, 1, ny),
		time.Date(1969, 12, 31, 23, 59, 59, 500, time.FixedZone("", 90*60)),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(),
	} {
		for range 2 { // cold and cached
			want := `"` + tm.Format(time.RFC3339Nano) + `"`
			if got := string(appendTime(nil, tm)); got != want {
				t.Errorf("%v: got %s, want %s", tm, got, want)
			}
		}
	}
}
