package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// encodeBlock encodes msgs as one block and returns its parsed templates
// section, its numbers section and the expanded flat templates.
func encodeBlock(t *testing.T, msgs []string) (*tmplDict, []byte, []byte) {
	t.Helper()
	enc, err := newEncoder(zstd.SpeedFastest)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var b blockEncoder
	b.reset(1)
	for i, m := range msgs {
		b.add(&Event{Stream: 1, Timestamp: int64(1000 + i), Seq: uint64(i + 1), Message: m})
	}
	h, body := b.encode(enc, enc)
	h.dict = true
	var secs [sectionCount][]byte
	var bufs [sectionCount]*[]byte
	defer putSectionBufs(&bufs)
	p := 0
	for s := range secs {
		var why string
		if secs[s], p, why = readSection(&h, body, p, s, &bufs[s]); why != "" {
			t.Fatal(why)
		}
		secs[s] = append([]byte(nil), secs[s]...)
	}
	d := new(tmplDict)
	if why := d.parse(secs[1]); why != "" {
		t.Fatal(why)
	}
	flat, why := d.expand(nil, len(msgs), flatLimit(&h))
	if why != "" {
		t.Fatal(why)
	}
	return d, secs[2], flat
}

// show renders a template with its markers spelled out.
func show(t []byte) string {
	r := strings.NewReplacer("\x00", "", "\x01", "<n>", "\x03", "<t>", "\x05", "<slot>")
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case tmHex:
			b.WriteString("<hex>")
			i++
		case tmPadded:
			b.WriteString("<pad" + string('0'+rune(t[i+1]-padBase)) + ">")
			i++
		case tmEscape:
			b.WriteString("<esc>")
			b.WriteByte(t[i+1] + '0')
			i++
		default:
			b.WriteString(r.Replace(string(t[i])))
		}
	}
	return b.String()
}

func (d *tmplDict) skeletons() []string {
	var s []string
	for i := 0; i+1 < len(d.skelOff); i++ {
		s = append(s, show(d.sec[d.skelOff[i]:d.skelOff[i+1]]))
	}
	return s
}

func (d *tmplDict) values() []string {
	var s []string
	for i := 0; i+1 < len(d.valOff); i++ {
		s = append(s, show(d.sec[d.valOff[i]:d.valOff[i+1]]))
	}
	return s
}

// TestDictSplit checks which parts of a message become values, and that
// the expanded templates are those of the flat encoding.
func TestDictSplit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		msgs   []string
		skels  []string
		values []string
	}{
		{"json", []string{`{"level":"ERROR","svc":"a b"}`, `{"level":"INFO","svc":"a b"}`},
			[]string{`{"level":"<slot>","svc":"<slot>"}`}, []string{"ERROR", "a b", "INFO"}},
		{"empty quotes and a lone quote stay", []string{`x "" y "z`}, []string{`x "" y "z`}, nil},
		{"key with a space before the colon is a value", []string{`{"k" :1}`}, []string{`{"<slot>" :1}`}, []string{"k"}},
		{"escaped quotes pair up in order", []string{`{"m":"say \"hi\""}`}, []string{`{"m":"<slot>"hi\""}`}, []string{`say \`}},
		{"access line", []string{`1.2.3.4 - - [05/Nov/2026:07:08:09 +0000] "GET /a HTTP/1.1" 200 "curl/8.5.0"`},
			[]string{`1.2.3.4 - - [05/Nov/2026:07:08:09 +0000] "<slot>" 200 "<slot>"`}, []string{"GET /a HTTP/1.1", "curl/8.5.0"}},
		{"escapes", []string{"a \"x\x05y\" \x06"}, []string{`a "<slot>" <esc>6`}, []string{"x<esc>5y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _, flat := encodeBlock(t, tc.msgs)
			if got := d.skeletons(); strings.Join(got, "\n") != strings.Join(tc.skels, "\n") {
				t.Errorf("skeletons %q, want %q", got, tc.skels)
			}
			if got := d.values(); strings.Join(got, "\n") != strings.Join(tc.values, "\n") {
				t.Errorf("values %q, want %q", got, tc.values)
			}
			if len(flat) == 0 || flat[len(flat)-1] != tmEnd {
				t.Errorf("expanded templates %q", flat)
			}
		})
	}
}

// TestDictFold checks that numbers the same in every event of an entry
// become digits and leave the numbers section, and those that vary stay.
func TestDictFold(t *testing.T) {
	msgs := []string{
		`10.0.0.7 "GET /a/17 HTTP/1.1" 200 "ua/5.0" rt=0.012`,
		`10.0.0.9 "GET /a/18 HTTP/1.1" 404 "ua/5.0" rt=0.013`,
		`10.0.0.9 "GET /a/19 HTTP/1.1" 200 "ua/5.0" rt=0.013`,
	}
	d, nums, _ := encodeBlock(t, msgs)
	wantSkel := `10.0.0.<n> "<slot>" <n> "<slot>" rt=0.<pad3>`
	if got := d.skeletons(); len(got) != 1 || got[0] != wantSkel {
		t.Errorf("skeletons %q, want %q", got, wantSkel)
	}
	wantVals := []string{"GET /a/<n> HTTP/1.1", "ua/5.0"}
	if got := d.values(); strings.Join(got, "\n") != strings.Join(wantVals, "\n") {
		t.Errorf("values %q, want %q", got, wantVals)
	}
	// Left: per event the last IP byte, the path number, the status and
	// the padded milliseconds.
	var want []byte
	for _, v := range []uint64{7, 17, 200, 12, 9, 18, 404, 13, 9, 19, 200, 13} {
		want = binary.AppendUvarint(want, v)
	}
	if !bytes.Equal(nums, want) {
		t.Errorf("numbers %v, want %v", nums, want)
	}
	// And the block reads back exactly.
	var evs []Event
	for i, m := range msgs {
		evs = append(evs, Event{Stream: 1, Timestamp: int64(1000 + i), Seq: uint64(i + 1), Message: m})
	}
	got, _, err := collect(openBytes(t, writeSegment(t, evs, Options{}), ReaderOptions{}), Query{Stream: 1})
	if err != nil {
		t.Fatal(err)
	}
	if why := diffEvents(got, evs); why != "" {
		t.Fatal(why)
	}
}

// TestDictCorrupt feeds damaged templates sections to the parser and the
// expansion: each gives its reason, none panics.
func TestDictCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		sec  string
		n    int
		want string
	}{
		{"no skeleton", "\x00\x00", 1, "bad skeleton count"},
		{"unterminated skeleton", "\x01ab", 1, "template dictionary entry without an end marker"},
		{"slot without quotes", "\x01a\x05b\x00\x00", 1, "slot marker not between quotes"},
		{"slot at the start", "\x01\x05\"\x00\x00", 1, "slot marker not between quotes"},
		{"slot in a value", "\x01\"\x05\"\x00\x01a\x05\x00\x00\x00", 1, "slot marker in a value"},
		{"bad escape", "\x01\x04\x07\x00\x00", 1, "bad escape"},
		{"bad hex", "\x01\x02\x03\x00\x00", 1, "bad hex marker"},
		{"bad padding", "\x01\x06\x41\x00\x00", 1, "bad padded number"},
		{"slot table of no values", "\x01\"\x05\"\x00\x01v\x00\x00", 1, "bad slot table"},
		{"slot table value out of range", "\x01\"\x05\"\x00\x01v\x00\x01\x01", 1, "bad slot table"},
		{"skeleton index out of range", "\x03a\x00b\x00c\x00\x00\x03", 1, "bad skeleton index"},
		{"value index out of range", "\x01\"\x05\"\x00\x03u\x00v\x00w\x00\x03\x00\x01\x02\x03", 1, "bad value index"},
		{"indexes end early", "\x01\"\x05\"\x00\x02v\x00w\x00\x02\x00\x01\x00", 9, "bad value index"},
		{"too many indexes", "\x01a\x00\x00\x00\x00", 1, "more template indexes than events"},
		{"too long", "\x01\"\x05\"\x00\x01" + strings.Repeat("v", 70) + "\x00\x01\x00", 1, "templates longer than the header allows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d tmplDict
			why := d.parse([]byte(tc.sec))
			if why == "" {
				_, why = d.expand(nil, tc.n, 64)
			}
			if why != tc.want {
				t.Errorf("got %q, want %q", why, tc.want)
			}
		})
	}
}

// TestDictManySlots writes skeletons with more slots × values than the
// dense table of the writer takes (its map path) and reads them back.
func TestDictManySlots(t *testing.T) {
	var evs []Event
	for i := range 3 {
		var b strings.Builder
		for j := range 1100 {
			// Letters only (digits would become numbers): a word per j.
			w := []byte{'g' + byte(j%20), 'g' + byte(j/20%20), 'g' + byte(j/400), 'g' + byte(i*j%7)}
			fmt.Fprintf(&b, "\"%s\" ", w)
		}
		evs = append(evs, Event{Stream: 1, Timestamp: int64(1000 + i), Seq: uint64(i + 1), Message: b.String()})
	}
	d, _, _ := encodeBlock(t, []string{evs[0].Message, evs[1].Message})
	if n, v := len(d.width), len(d.valOff)-1; n*v <= 1<<20 {
		t.Fatalf("%d slots × %d values: the dense table would take it", n, v)
	}
	got, _, err := collect(openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 20}), ReaderOptions{}), Query{Stream: 1})
	if err != nil {
		t.Fatal(err)
	}
	if why := diffEvents(got, evs); why != "" {
		t.Fatal(why)
	}
}
