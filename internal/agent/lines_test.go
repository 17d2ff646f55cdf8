package agent

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// splitAll runs a framer over b (from the start of a file) and returns
// the decoded lines and the offsets after each.
func splitAll(enc encoding, b []byte) ([]string, []int) {
	fr := newFramer(enc)
	i := fr.bom(b)
	var lines []string
	var ends []int
	for {
		end, consumed, ok := fr.next(b[i:])
		if !ok {
			break
		}
		lines = append(lines, fr.decode(b[i:i+end]))
		i += consumed
		ends = append(ends, i)
	}
	return lines, ends
}

func utf16Bytes(s string, be, bom bool) []byte {
	var out []byte
	if bom {
		if be {
			out = append(out, 0xFE, 0xFF)
		} else {
			out = append(out, 0xFF, 0xFE)
		}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if be {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestFramerEncodings(t *testing.T) {
	f := func(name string, enc encoding, b []byte, want []string, wantEnds []int) {
		t.Helper()
		got, ends := splitAll(enc, b)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: lines %q, want %q", name, got, want)
		}
		if wantEnds != nil && len(ends) == len(wantEnds) {
			for i := range ends {
				if ends[i] != wantEnds[i] {
					t.Errorf("%s: ends %v, want %v", name, ends, wantEnds)
					break
				}
			}
		}
	}
	f("utf-8", encUTF8, []byte("héllo\nwörld\r\npartial"), []string{"héllo", "wörld"}, []int{7, 15})
	f("utf-8 BOM", encUTF8, []byte("\xEF\xBB\xBFfirst\nsecond\n"), []string{"first", "second"}, []int{9, 16})
	f("utf-8 invalid", encUTF8, []byte("bad \xff byte\n"), []string{"bad \uFFFD byte"}, nil)
	f("latin-1", encLatin1, []byte("caf\xe9 cr\xe8me\nna\xefve\n"), []string{"café crème", "naïve"}, []int{11, 17})
	f("utf-16le BOM", encUTF16, utf16Bytes("Grüße\r\nzwei €\n", false, true), []string{"Grüße", "zwei €"}, []int{2 + 14, 2 + 14 + 14})
	f("utf-16be BOM", encUTF16, utf16Bytes("Grüße\nzwei\n", true, true), []string{"Grüße", "zwei"}, nil)
	f("utf-16le no BOM", encUTF16LE, utf16Bytes("a\nb\n", false, false), []string{"a", "b"}, []int{4, 8})
	f("utf-16be no BOM", encUTF16BE, utf16Bytes("a\nb\n", true, false), []string{"a", "b"}, []int{4, 8})
	// U+0A00 in UTF-16LE is the bytes 00 0A: no line end inside it.
	f("utf-16le 0x0A00", encUTF16LE, utf16Bytes("\u0a00x\n", false, false), []string{"\u0a00x"}, []int{6})
	f("utf-16 surrogate pair", encUTF16LE, utf16Bytes("😀\n", false, false), []string{"😀"}, nil)

	for _, s := range []string{"UTF-8", "utf_8", "ascii", "latin_1", "ISO-8859-1", "utf_16", "UTF-16LE", "utf-16-be"} {
		if _, err := parseEncoding(s); err != nil {
			t.Errorf("encoding %q: %v", s, err)
		}
	}
	if _, err := parseEncoding("ebcdic"); err == nil {
		t.Error("ebcdic accepted")
	}
}

type gotEvent struct {
	ts  int64
	msg string
	end int64
}

func assemble(o *lineOptions, lines []string) []gotEvent {
	a := &assembler{o: o}
	var out []gotEvent
	emit := func(ts int64, msg string, end int64) { out = append(out, gotEvent{ts, msg, end}) }
	off := int64(0)
	for _, l := range lines {
		off += int64(len(l)) + 1
		a.line(l, off, emit)
	}
	a.flush(emit)
	return out
}

func TestAssemblerMultiLine(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	tf, _ := parseTimeFormat("%Y-%m-%d %H:%M:%S", time.UTC)
	lines := []string{
		"  at the end of a trace from before", // before any start line: an event of its own
		"2024-03-10 09:00:00 ERROR request failed",
		"java.lang.IllegalStateException: boom",
		"\tat com.example.Service.handle(Service.java:42)",
		"\tat com.example.Main.main(Main.java:7)",
		"2024-03-10 09:00:01 INFO next",
	}
	f := func(name string, o *lineOptions, want []string) {
		t.Helper()
		o.now, o.maxEvent = func() time.Time { return now }, 1<<20
		got := assemble(o, lines)
		var msgs []string
		for _, e := range got {
			msgs = append(msgs, e.msg)
		}
		if strings.Join(msgs, "¶") != strings.Join(want, "¶") {
			t.Errorf("%s:\n got %q\nwant %q", name, msgs, want)
		}
		if len(got) > 0 && got[len(got)-1].end != int64(len(strings.Join(lines, "\n"))+1) {
			t.Errorf("%s: last event ends at %d", name, got[len(got)-1].end)
		}
	}
	trace := strings.Join(lines[1:5], "\n")
	f("start pattern", &lineOptions{start: regexp.MustCompile(`^\d{4}-\d\d-\d\d`), timeFormat: tf}, []string{lines[0], trace, lines[5]})
	f("{datetime_format}", &lineOptions{startTime: true, timeFormat: tf}, []string{lines[0], trace, lines[5]})
	f("single lines", &lineOptions{timeFormat: tf}, lines)

	// Timestamps: parsed; lines without one take the previous event's.
	o := &lineOptions{timeFormat: tf, now: func() time.Time { return now }, maxEvent: 1 << 20}
	got := assemble(o, []string{"2024-03-10 09:00:00 a", "no time", "2024-03-10 09:00:05 b"})
	want := []int64{time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC).UnixMilli(), time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC).UnixMilli(), time.Date(2024, 3, 10, 9, 0, 5, 0, time.UTC).UnixMilli()}
	for i := range want {
		if got[i].ts != want[i] {
			t.Errorf("event %d: ts %d, want %d", i, got[i].ts, want[i])
		}
	}
	// Without a format: the read time, never going backwards.
	clock := now
	o = &lineOptions{now: func() time.Time { return clock }, maxEvent: 1 << 20}
	a := &assembler{o: o}
	var ts []int64
	emit := func(t int64, _ string, _ int64) { ts = append(ts, t) }
	a.line("x", 2, emit)
	clock = now.Add(-time.Second) // the clock steps back
	a.line("y", 4, emit)
	if ts[1] < ts[0] {
		t.Errorf("timestamps went backwards: %v", ts)
	}

	// The lines of one read get the time of the read, without a clock
	// read each.
	reads := 0
	o = &lineOptions{now: func() time.Time { reads++; return now }, maxEvent: 1 << 20}
	a = &assembler{o: o, readAt: now.Add(time.Minute)}
	ts = ts[:0]
	for i := range 3 {
		a.line("z", int64(2*i+2), emit)
	}
	if reads != 0 || ts[0] != now.Add(time.Minute).UnixMilli() || ts[2] != ts[0] {
		t.Errorf("lines of one read: %d clock reads, timestamps %v", reads, ts)
	}

	// A pending event longer than maxEvent is emitted.
	o = &lineOptions{start: regexp.MustCompile(`^S`), now: time.Now, maxEvent: 10}
	if got := assemble(o, []string{"S1", "continuation line", "more"}); len(got) != 2 {
		t.Errorf("long multi-line event: %d events, want 2", len(got))
	}
}
