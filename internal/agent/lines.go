package agent

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// encoding is a text encoding of a log file.
type encoding int

const (
	encUTF8 encoding = iota
	encLatin1
	encUTF16 // byte order from the BOM, little-endian without one
	encUTF16LE
	encUTF16BE
)

// parseEncoding accepts the common spellings, including Python codec
// names as the original agent's encoding setting used them.
func parseEncoding(s string) (encoding, error) {
	n := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch n {
	case "", "utf8", "ascii", "usascii", "utf8sig":
		return encUTF8, nil
	case "latin1", "iso88591", "l1", "8859", "cp819", "latin":
		return encLatin1, nil
	case "utf16":
		return encUTF16, nil
	case "utf16le":
		return encUTF16LE, nil
	case "utf16be":
		return encUTF16BE, nil
	}
	return 0, fmt.Errorf("unsupported encoding %q (want utf-8, latin-1, utf-16, utf-16le or utf-16be)", s)
}

func (e encoding) String() string {
	return [...]string{"utf-8", "latin-1", "utf-16", "utf-16le", "utf-16be"}[e]
}

// framer cuts bytes of one encoding into lines and decodes them. A framer
// belongs to one file; encUTF16 learns its byte order from the BOM.
type framer struct {
	enc encoding
	be  bool // UTF-16 big-endian
}

func newFramer(enc encoding) *framer {
	return &framer{enc: enc, be: enc == encUTF16BE}
}

// bom returns the length of a byte order mark at the start of a file (and,
// for encUTF16, learns the byte order from it).
func (f *framer) bom(head []byte) int {
	switch f.enc {
	case encUTF8:
		if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
			return 3
		}
	case encUTF16, encUTF16LE, encUTF16BE:
		if len(head) >= 2 {
			switch {
			case head[0] == 0xFF && head[1] == 0xFE:
				f.be = false
				return 2
			case head[0] == 0xFE && head[1] == 0xFF:
				f.be = true
				return 2
			}
		}
	}
	return 0
}

// next finds the first complete line in buf: line is buf[:end] without
// its line terminator (and a CR before it), consumed is the length up to
// and including the terminator. ok is false if buf holds no complete line.
func (f *framer) next(buf []byte) (end, consumed int, ok bool) {
	switch f.enc {
	case encUTF8, encLatin1:
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return 0, 0, false
		}
		end = i
		if end > 0 && buf[end-1] == '\r' {
			end--
		}
		return end, i + 1, true
	default:
		nl := []byte{'\n', 0}
		cr := []byte{'\r', 0}
		if f.be {
			nl, cr = []byte{0, '\n'}, []byte{0, '\r'}
		}
		for k := 0; ; {
			i := bytes.Index(buf[k:], nl)
			if i < 0 {
				return 0, 0, false
			}
			i += k
			if i%2 != 0 { // straddles two code units
				k = i + 1
				continue
			}
			end = i
			if end >= 2 && bytes.Equal(buf[end-2:end], cr) {
				end -= 2
			}
			return end, i + 2, true
		}
	}
}

// decode turns a line (or a final partial line) into UTF-8. Invalid
// input becomes U+FFFD.
func (f *framer) decode(b []byte) string {
	switch f.enc {
	case encUTF8:
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	case encLatin1:
		ascii := true
		for _, c := range b {
			if c >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			return string(b)
		}
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs)
	default:
		u := make([]uint16, len(b)/2)
		for i := range u {
			if f.be {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			} else {
				u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
			}
		}
		s := string(utf16.Decode(u))
		if len(b)%2 != 0 {
			s += "\uFFFD"
		}
		return s
	}
}

// lineOptions say how lines become events.
type lineOptions struct {
	timeFormat *timeFormat    // nil: events get the time they were read
	start      *regexp.Regexp // multi-line: a line matching it starts an event
	startTime  bool           // multi-line: a line with a timestamp starts an event
	maxEvent   int            // a pending multi-line event is emitted once this long
	now        func() time.Time
}

// assembler turns lines into events: it finds timestamps and joins
// multi-line events. It belongs to one file or stream of lines.
type assembler struct {
	o      *lineOptions
	lastTS int64 // timestamp of the last event; fallback for lines without one
	// readAt, if set, is when the lines being given were read: all the
	// lines of one read get that time, from one clock read, not one per
	// line (time.Now was 4% of the agent's CPU).
	readAt time.Time

	pend    strings.Builder // the multi-line event being assembled
	pendTS  int64
	pendEnd int64     // offset after its last line
	pendAt  time.Time // when its last line was read
	has     bool
}

// emitFunc receives an event: timestamp, message, and the offset after its
// last byte in the source.
type emitFunc func(ts int64, msg string, end int64)

func (a *assembler) multiline() bool { return a.o.start != nil || a.o.startTime }

// now is when the current line was read.
func (a *assembler) now() time.Time {
	if !a.readAt.IsZero() {
		return a.readAt
	}
	return a.o.now()
}

// line takes one complete line that ends at offset end.
func (a *assembler) line(s string, end int64, emit emitFunc) {
	if !a.multiline() {
		emit(a.timestamp(s), s, end)
		return
	}
	now := a.now()
	starts := false
	var ts int64
	switch {
	case a.o.start != nil:
		starts = a.o.start.MatchString(s)
	case a.o.startTime:
		ts, starts = a.o.timeFormat.find(s, now)
	}
	if starts || !a.has {
		a.flush(emit)
		if ts == 0 {
			ts = a.timestamp(s)
		} else {
			a.lastTS = ts
		}
		a.pend.WriteString(s)
		a.pendTS, a.has = ts, true
	} else {
		a.pend.WriteByte('\n')
		a.pend.WriteString(s)
	}
	a.pendEnd, a.pendAt = end, now
	if a.pend.Len() >= a.o.maxEvent {
		a.flush(emit)
	}
}

// flush emits the pending multi-line event, if any.
func (a *assembler) flush(emit emitFunc) {
	if !a.has {
		return
	}
	msg := a.pend.String()
	a.pend = strings.Builder{}
	a.has = false
	emit(a.pendTS, msg, a.pendEnd)
}

// pending reports whether a multi-line event waits, and since when its
// last line was read.
func (a *assembler) pending() (time.Time, bool) { return a.pendAt, a.has }

// timestamp finds the time of an event that starts with line s: parsed by
// the format, else the last event's time, else now. Times read from the
// clock never go backwards within one assembler.
func (a *assembler) timestamp(s string) int64 {
	now := a.now()
	if a.o.timeFormat != nil {
		if ts, ok := a.o.timeFormat.find(s, now); ok {
			a.lastTS = ts
			return ts
		}
		if a.lastTS != 0 {
			return a.lastTS
		}
	}
	ts := max(now.UnixMilli(), a.lastTS)
	if a.o.timeFormat == nil {
		a.lastTS = ts
	}
	return ts
}
