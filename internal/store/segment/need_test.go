package segment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestNewNeedSet(t *testing.T) {
	for _, tc := range []struct {
		terms []string
		want  []string // literals, the longest first
	}{
		{[]string{"ERROR"}, []string{"ERROR"}},
		{[]string{"POST /api/v1/orders"}, []string{"POST /", "pi/v", "/or", "rs"}},
		{[]string{"deadbeef", "12345"}, nil},                                           // hex digits only
		{[]string{"a-b"}, nil},                                                         // "-" alone is too short
		{[]string{"x=1", "user@example.com"}, []string{"mpl", "x=", "us", "r@", "om"}}, // e, a, c are hex digits
		{nil, nil},
	} {
		n := newNeedSet(tc.terms, false)
		var got []string
		if n != nil {
			got = append(got, string(n.lits[n.drive]))
			for i, l := range n.lits {
				if i != n.drive {
					got = append(got, string(l))
				}
			}
		}
		slices.Sort(got[min(1, len(got)):])
		want := slices.Clone(tc.want)
		slices.Sort(want[min(1, len(want)):])
		if !slices.Equal(got, want) {
			t.Errorf("newNeedSet(%q) = %q, want %q", tc.terms, got, want)
		}
	}
}

// needMessages builds messages that exercise the template markers around
// the searched words: numbers glued to them, hex runs, the timestamp,
// escaped bytes (in some blocks only), words split by digits.
func needMessages(seed uint64, n int, escapes bool) []Event {
	r := rand.New(rand.NewPCG(seed, 9))
	words := []string{"ERROR", "INFO", "POST /api/v1/orders", "GET /api/v2/users", "payments", "E", "ERR", "ROR", "orders", "x=1", `\u0045RROR`,
		`"ERROR"`, `{"level":"ERROR","service":"payments"}`, `"POST /api/v1/orders 12"`, `""`, `"`, `":`, `"a\"b"`}
	evs := make([]Event, 0, n)
	ts := int64(1767225600000)
	for i := 0; i < n; i++ {
		ts += int64(r.IntN(3))
		var b strings.Builder
		for k := 0; k < 1+r.IntN(6); k++ {
			switch r.IntN(8) {
			case 0:
				fmt.Fprintf(&b, "%d", r.Uint64()>>r.IntN(64))
			case 1:
				fmt.Fprintf(&b, "%032x", r.Uint64())
			case 2:
				fmt.Fprintf(&b, "%d", ts)
			case 3:
				if escapes {
					b.WriteByte(byte(r.IntN(6)))
				}
			case 4:
				b.WriteString(" ")
			default:
				b.WriteString(words[r.IntN(len(words))])
			}
		}
		if b.Len() == 0 {
			b.WriteString("-")
		}
		evs = append(evs, Event{Stream: 1, Timestamp: ts, Ingestion: ts, Seq: uint64(i + 1), Message: b.String()})
	}
	return evs
}

// TestNeedCursor checks Query.Need against a full read: every event whose
// message holds all the terms comes out, with its message exactly, in
// order; events are skipped; blocks of version 1 with escapes are read
// whole; cached blocks serve too.
func TestNeedCursor(t *testing.T) {
	for _, version := range []byte{1, formatVersion} {
		for _, escapes := range []bool{false, true} {
			testNeedCursor(t, version, escapes)
		}
	}
}

func testNeedCursor(t *testing.T, version byte, escapes bool) {
	{
		evs := needMessages(11, 3000, escapes)
		var data []byte
		if version == 1 {
			data = readV1(t, map[bool]string{false: "v1-need.seg", true: "v1-need-escapes.seg"}[escapes])
		} else {
			data = writeSegment(t, evs, Options{BlockSize: 4 << 10})
		}
		for _, cached := range []bool{false, true} {
			opts := ReaderOptions{}
			if cached {
				opts.Cache = NewLRU(1 << 30)
			}
			rd := openBytes(t, data, opts)
			for _, terms := range [][]string{{"ERROR"}, {"POST /api/v1/orders"}, {"payments", "x=1"}, {"ROR"}, {"E"}, {"nowhere"}} {
				for _, q := range []Query{
					{Stream: 1, Need: terms},
					{Stream: 1, Need: terms, Backward: true, Prefetch: true},
					{Stream: 1, Need: terms, Start: evs[len(evs)/3].Timestamp, End: evs[len(evs)/2].Timestamp},
					{Stream: 1, Need: terms, NeedOrBackslash: true},
				} {
					if cached {
						collect(rd, Query{Stream: 1}) // fill the cache
					}
					all, _, err := collect(rd, Query{Stream: 1, Start: q.Start, End: q.End, Backward: q.Backward})
					if err != nil {
						t.Fatal(err)
					}
					got, st, err := collect(rd, q)
					if err != nil {
						t.Fatal(err)
					}
					if why := checkCandidates(all, got, terms, q.NeedOrBackslash); why != "" {
						t.Fatalf("version %d escapes=%v cached=%v %+v: %s", version, escapes, cached, q, why)
					}
					whole := cached || escapes && version == 1
					if !whole && terms[0] != "E" && st.EventsSkipped == 0 {
						t.Errorf("version %d escapes=%v %+v: no event skipped", version, escapes, q)
					}
					if whole && st.EventsSkipped != 0 {
						t.Errorf("version %d escapes=%v cached=%v %+v: %d events skipped, want whole blocks", version, escapes, cached, q, st.EventsSkipped)
					}
				}
			}
		}
	}
}

// checkCandidates says what is wrong when got, the events of a Need read,
// is not a subsequence of all, the events of a full read, holding every
// event whose message has all the terms (or, with orBackslash, a
// backslash).
func checkCandidates(all, got []Event, terms []string, orBackslash bool) string {
	j := 0
	for _, e := range all {
		has := true
		for _, term := range terms {
			has = has && strings.Contains(e.Message, term)
		}
		has = has || orBackslash && strings.Contains(e.Message, `\`)
		if j < len(got) && got[j] == e {
			j++
		} else if has {
			return fmt.Sprintf("event %+v missing", e)
		}
	}
	if j != len(got) {
		return fmt.Sprintf("%d of %d events are not those of a full read, in order", len(got)-j, len(got))
	}
	return ""
}

func TestSkipVarints(t *testing.T) {
	var b []byte
	r := rand.New(rand.NewPCG(3, 3))
	var ends []int
	for range 500 {
		b = appendUvarintTest(b, r.Uint64()>>r.IntN(64))
		ends = append(ends, len(b))
	}
	for c := 0; c <= len(ends); c++ {
		want := 0
		if c > 0 {
			want = ends[c-1]
		}
		if got, ok := skipVarints(b, 0, c); !ok || got != want {
			t.Fatalf("skipVarints(%d) = %d, %v; want %d", c, got, ok, want)
		}
	}
	if _, ok := skipVarints(b, 0, len(ends)+1); ok {
		t.Fatal("skipVarints past the end succeeded")
	}
}

func appendUvarintTest(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// FuzzNeed checks on arbitrary messages and terms that a Need read gives
// every event holding the terms, with its exact message.
func FuzzNeed(f *testing.F) {
	f.Add("ERROR 123 x\x00y deadbeefdeadbeefdeadbeef", "ERROR", "x", false)
	f.Add("POST /api/v1/orders 200 1767225600000", "POST /api/v1/orders", "", false)
	f.Add("E\x02ERROR", "ERROR", "RR", false)
	f.Add("{\"level\":\"\\u0045RROR\"}\n{\"level\":\"ERROR\"}", "ERROR", "", true)
	// Quotes (slots) with numbers that fold (the same in each event) and
	// that do not, padded numbers, a lone quote.
	f.Add("a \"GET /x HTTP/1.1\" 200 \"ua/5.0\" 007\na \"GET /y HTTP/1.1\" 404 \"ua/5.0\" 008\n\"\"x\"", "GET /y", "ua/5", false)
	f.Add("{\"level\":\"ERROR\",\"n\":1}\n{\"level\":\"INFO\",\"n\":1}\n{\"level\":\"ERR\"OR\"}", "\"level\":\"ERROR\"", "", false)
	f.Fuzz(func(t *testing.T, msgs, term1, term2 string, orBackslash bool) {
		var evs []Event
		for i, m := range strings.Split(msgs, "\n") {
			if m == "" || len(m) > 1000 {
				continue
			}
			evs = append(evs, Event{Stream: 1, Timestamp: int64(1767225600000 + i), Seq: uint64(i + 1), Message: m})
		}
		if len(evs) == 0 {
			return
		}
		rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
		terms := []string{term1}
		if term2 != "" {
			terms = append(terms, term2)
		}
		got, _, err := collect(rd, Query{Stream: 1, Need: terms, NeedOrBackslash: orBackslash})
		if err != nil {
			t.Fatal(err)
		}
		if why := checkCandidates(evs, got, terms, orBackslash); why != "" {
			t.Fatal(why)
		}
	})
}

// TestMeasureNoEscapes checks the vectorised measure against the message
// lengths, along templates of messages with numbers, hex runs and
// timestamps.
func TestMeasureNoEscapes(t *testing.T) {
	evs := needMessages(12, 2000, false)
	var tmpl, nums, hex []byte
	var keys []uint64
	for i := range evs {
		tmpl, nums, hex, keys = appendTemplateKeys(tmpl, nums, hex, keys[:0], nil, evs[i].Message, evs[i].Timestamp)
	}
	p, np, hp := 0, 0, 0
	for i, e := range evs {
		q, sz, why := measureNoEscapes(tmpl, p, nums, &np, len(hex), &hp, e.Timestamp)
		if why != "" || sz != len(e.Message) || tmpl[q] != tmEnd {
			t.Fatalf("event %d (%q): size %d (%s), want %d", i, e.Message, sz, why, len(e.Message))
		}
		p = q + 1
	}
	if p != len(tmpl) || np != len(nums) || hp != len(hex) {
		t.Fatalf("stopped at %d/%d, numbers %d/%d, hex %d/%d", p, len(tmpl), np, len(nums), hp, len(hex))
	}
}

// TestParkResumes reads a search in pages, as FilterLogEvents does: each
// cursor stops mid-block and parks; the next, starting where it stopped,
// takes the parked block instead of decoding it, and the pages add up to
// one read.
func TestParkResumes(t *testing.T) {
	evs := needMessages(13, 3000, false)
	rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
	terms := []string{"ERROR"}
	all, _, err := collect(rd, Query{Stream: 1, Need: terms})
	if err != nil {
		t.Fatal(err)
	}
	hits := parked.Stats().Hits
	var got []Event
	start := int64(0)
	var after uint64 // the sequence number of the last event of the page, at time start
	for {
		cancel := make(chan struct{})
		c := rd.Cursor(Query{Stream: 1, Start: start, Need: terms, Prefetch: true, Cancel: cancel})
		n := 0
		for n < 50 && c.Next() {
			e := c.Event()
			if e.Timestamp == start && e.Seq <= after {
				continue
			}
			got = append(got, e)
			n++
		}
		if err := c.Err(); err != nil {
			t.Fatal(err)
		}
		c.Park()
		close(cancel)
		if n < 50 {
			break
		}
		start, after = got[len(got)-1].Timestamp, got[len(got)-1].Seq
	}
	if why := diffEvents(got, all); why != "" {
		t.Fatal(why)
	}
	if parked.Stats().Hits == hits {
		t.Error("no page took a parked block")
	}
}

// TestReadAheadDepth checks how far a search cursor reads ahead: several
// blocks after a block with few candidates, one after a block whose events
// are mostly candidates (what it holds ahead stays about one block).
func TestReadAheadDepth(t *testing.T) {
	var evs []Event
	for i := range 4000 {
		m := fmt.Sprintf("GET /a/%d status=%d", i, 200+i%3)
		if i%40 == 0 {
			m += " ERROR"
		}
		evs = append(evs, Event{Stream: 1, Timestamp: int64(1_767_225_600_000 + i), Seq: uint64(i + 1), Message: m})
	}
	rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
	if len(rd.blocks) < 8 {
		t.Fatalf("%d blocks", len(rd.blocks))
	}
	for _, tc := range []struct {
		term  string
		depth int
	}{{"ERROR", readAheadDepth}, {"GET", 1}} {
		cancel := make(chan struct{})
		c := rd.Cursor(Query{Stream: 1, Need: []string{tc.term}, Prefetch: true, Cancel: cancel})
		if !c.Next() {
			t.Fatalf("%s: no event", tc.term)
		}
		if len(c.ahead) != tc.depth {
			t.Errorf("%s: %d blocks read ahead, want %d", tc.term, len(c.ahead), tc.depth)
		}
		for c.Next() {
		}
		close(cancel)
	}
}
