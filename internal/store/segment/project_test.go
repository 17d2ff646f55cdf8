package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/logpond/logpond/internal/query"
)

// refProject is the projection contract (project.go, and
// query.Insights.JSONFields) written plainly over a message's text: the
// projection of m onto fields, and whether m is an object whose members
// can be told apart without reading them.
func refProject(m string, fields []string) (string, bool) {
	i := 0
	space := func() {
		for i < len(m) && strings.IndexByte(" \t\n\r", m[i]) >= 0 {
			i++
		}
	}
	str := func() bool { // at '"'
		for i++; i < len(m); i++ {
			switch m[i] {
			case '"':
				i++
				return true
			case '\\':
				i++
			}
		}
		return false
	}
	value := func() bool {
		if i >= len(m) {
			return false
		}
		switch m[i] {
		case '"':
			return str()
		case '{', '[':
			depth := 0
			for i < len(m) {
				switch m[i] {
				case '"':
					if !str() {
						return false
					}
					continue
				case '{', '[':
					depth++
				case '}', ']':
					if depth--; depth == 0 {
						i++
						return true
					}
				}
				i++
			}
			return false
		}
		start := i
		for i < len(m) && strings.IndexByte(",}] \t\n\r", m[i]) < 0 {
			i++
		}
		return i > start
	}
	var members []string
	space()
	if i >= len(m) || m[i] != '{' {
		return "", false
	}
	i++
	space()
	if i < len(m) && m[i] == '}' {
		i++
	} else {
		for {
			space()
			if i >= len(m) || m[i] != '"' {
				return "", false
			}
			start := i
			end := strings.IndexByte(m[i+1:], '"')
			if end < 0 || strings.IndexByte(m[i+1:i+1+end], '\\') >= 0 {
				return "", false
			}
			key := m[i+1 : i+1+end]
			i += end + 2
			space()
			if i >= len(m) || m[i] != ':' {
				return "", false
			}
			i++
			space()
			if !value() {
				return "", false
			}
			if slices.Contains(fields, key) {
				members = append(members, m[start:i])
			}
			space()
			if i < len(m) && m[i] == ',' {
				i++
				continue
			}
			if i >= len(m) || m[i] != '}' {
				return "", false
			}
			i++
			break
		}
	}
	space()
	return "{" + strings.Join(members, ",") + "}", i == len(m)
}

func isJSONObject(m string) bool {
	m = strings.TrimLeft(m, " \t\n\r")
	return m != "" && m[0] == '{'
}

// projectionForms are messages for TestProjection: %d is a number, and
// each form says whether the writer's dictionary lets the reader project
// it (the others are rendered whole).
var projectionForms = []struct {
	form    string
	project bool
}{
	{`{"a":"v%d","b":%d,"c":"x"}`, true},
	{`{"c":{"a":[1,"]",{"b":2}]},"a":%d}`, true},
	{" \t{\"a\":\"x\"\n,\r\"b\":\t[%d,{}]}\n", true},
	{`{"a":1,"b" :%d}`, false},           // "b" is then a value: a key in a slot
	{`{"a" : "v%d", "b":1}`, false},      // "a" is then a value of the dictionary: a key in a slot
	{`{"a":"x\"y%d","b":1}`, false},      // the writer pairs quotes naively: a value ends in a backslash
	{`{"a\u0062":1,"b":%d}`, false},      // an escape in a key
	{`{"a":%d,"a":null,"b":"%x"}`, true}, // a duplicate key; hex
	{`{"a":%d} x`, false},
	{`{"a":%d,}`, false},
	{"{\"b\":\"\x01\x05%d\",\"a\":%04d}", true}, // escaped bytes; a padded number
	{`{"t":%d,"a":true,"b":-%d.5e+2}`, true},
	{`{}`, true},
	{`{"c":%d}`, true},
	{`[{"a":%d}]`, false}, // not an object
	{`{"a":"ip-10-0-%d-%d","b":"%d"}`, true},
	{`{"a":"","b":""}`, true},
	{`{"a":"x%d","b":"y"`, false},
	{"{\"a\":\"\xc3\xa9%d\",\"b\":\"\xff\"}", true},
	{`{"x":[[[[{"a":%d}]]]],"b":{"y":"}"}}`, true},
	{`{"a":"%d"x,"b":1}`, false}, // a slot outside a string
	{`{"a":tru%d,"b":1}`, true},  // a bad scalar: the engine rejects it either way
	{`{"a":"\\"}`, false},
	{`{"b":%d,"a":"x\","c":2}`, false}, // a value ends in a backslash: the engine reads a as x", and stops

	{`{"a":[%d,"\\"],"b":1}`, false},
}

// projectionEvents returns n events of projectionForms, and the form of
// each by sequence number.
func projectionEvents(seed uint64, n int) ([]Event, map[uint64]int) {
	r := rand.New(rand.NewPCG(seed, 3))
	evs, forms := make([]Event, n), map[uint64]int{}
	ts := int64(1767225600000)
	for i := range evs {
		k := r.IntN(len(projectionForms))
		forms[uint64(i+1)] = k
		f := projectionForms[k].form
		args := make([]any, strings.Count(f, "%"))
		for j := range args {
			args[j] = r.IntN(3000)
		}
		if r.IntN(4) == 0 {
			ts += int64(r.IntN(1000))
		}
		evs[i] = Event{Stream: 1, Timestamp: ts, Ingestion: ts + 5, Seq: uint64(i + 1), Message: fmt.Sprintf(f, args...)}
	}
	return evs, forms
}

// TestProjection reads JSON-only with JSONFields and checks every event
// against the full read: a JSON object message comes whole or as
// refProject's projection (only when the contract allows it), the forms
// that can be projected are, sizes are exact per event where the read
// measures and add up to the block's bytes where it spreads them, and the
// query engine gives the same result over both reads.
func TestProjection(t *testing.T) {
	fields := []string{"a", "b"}
	evs, forms := projectionEvents(1, 3000)
	for i := range evs {
		if i%7 == 0 {
			evs[i].Timestamp = -evs[i].Timestamp // time markers are only for ts >= 0
		}
	}
	sortEvents(evs)
	data := writeSegment(t, evs, Options{BlockSize: 4 << 10})
	rd := openBytes(t, data, ReaderOptions{})
	mid := evs[len(evs)/2].Timestamp
	for _, q := range []Query{
		{Stream: 1},                 // forward, every block whole: sizes spread
		{Stream: 1, Backward: true}, // measured
		{Stream: 1, Start: evs[len(evs)/3].Timestamp, End: mid}, // the cut blocks measured
	} {
		full := rd.Cursor(Query{Stream: 1, Start: q.Start, End: q.End, Backward: q.Backward})
		pq := q
		pq.JSONOnly, pq.JSONFields = true, fields
		pc := rd.Cursor(pq)
		var whole, projected []query.Event
		var sumFull, sumProj, nproj int
		for full.Next() {
			if !pc.Next() {
				t.Fatalf("%+v: projected read ended early", q)
			}
			want, got := full.Event(), pc.Event()
			m := want.Message
			switch p, ok := refProject(m, fields); {
			case !isJSONObject(m):
				if got.Message != "" {
					t.Fatalf("%+v: %q came as %q", q, m, got.Message)
				}
			case got.Message == p && ok && p != m:
				nproj++
			case got.Message != m:
				t.Fatalf("%+v: %q came as %q (projection %q, %v)", q, m, got.Message, p, ok)
			}
			got.Message = want.Message
			if got != want {
				t.Fatalf("%+v: event %+v, want %+v", q, got, want)
			}
			if q.Backward && pc.MessageSize() != len(m) {
				t.Fatalf("%+v: size %d of %q", q, pc.MessageSize(), m)
			}
			sumFull += len(m)
			sumProj += pc.MessageSize()
			whole = append(whole, query.Event{Timestamp: want.Timestamp, Seq: want.Seq, Message: m, Size: len(m)})
			projected = append(projected, query.Event{Timestamp: want.Timestamp, Seq: want.Seq, Message: pc.Event().Message, Size: pc.MessageSize()})
		}
		if pc.Next() || full.Err() != nil || pc.Err() != nil {
			t.Fatalf("%+v: extra events or errors %v %v", q, full.Err(), pc.Err())
		}
		if sumFull != sumProj {
			t.Errorf("%+v: sizes add up to %d, want %d", q, sumProj, sumFull)
		}
		if nproj < len(whole)/5 { // 6 of the 25 forms have a projection shorter than the message
			t.Errorf("%+v: %d of %d messages projected", q, nproj, len(whole))
		}
		sameResults(t, whole, projected)
	}
	// Each form that can be projected is, in a forward read.
	full, c := rd.Cursor(Query{Stream: 1, Start: math.MinInt64}), rd.Cursor(Query{Stream: 1, Start: math.MinInt64, JSONOnly: true, JSONFields: fields})
	for full.Next() && c.Next() {
		m := full.Event().Message
		f := projectionForms[forms[full.Event().Seq]]
		if p, _ := refProject(m, fields); f.project && c.Event().Message != p {
			t.Errorf("form %q: %q came as %q, want %q", f.form, m, c.Event().Message, p)
		}
	}
}

// sameResults runs queries that read only the top-level JSON fields a and
// b over both event lists and compares their results.
func sameResults(t *testing.T, whole, projected []query.Event) {
	t.Helper()
	for _, src := range []string{
		"fields a, b | limit 10000",
		"stats count(*) as n, count(a) as na, sum(b) as s, pct(b, 50) as p by a",
		`filter a = "v7" or b > 100 | stats count(*) by b`,
	} {
		q, err := query.ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.JSONFields(); !slices.Equal(sorted(got), []string{"a", "b"}) {
			t.Fatalf("%s: JSONFields %v", src, got)
		}
		var res [2]*query.Result
		for i, evs := range [][]query.Event{whole, projected} {
			r := q.NewRun(query.RunOptions{})
			for j := range evs {
				if err := r.Add(&evs[j]); err != nil {
					t.Fatal(err)
				}
			}
			if res[i], err = r.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(*res[0]) != fmt.Sprint(*res[1]) {
			t.Errorf("%s:\nprojected %v\n    whole %v", src, *res[1], *res[0])
		}
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// FuzzProjection checks the contract for any messages (one per line,
// each written twice so that numbers fold): a JSON object message comes
// whole or as refProject's projection, sizes add up, and the engine's
// results agree.
func FuzzProjection(f *testing.F) {
	for _, fm := range projectionForms {
		f.Add(fmt.Sprintf(fm.form, 1, 2, 3) + "\n" + fmt.Sprintf(fm.form, 4, 5, 6))
	}
	f.Add("{\"a\":\"\\\\\",\"b\":\"x\\\"\"}\n{\"a\":\"\x05\",\"b\":\"\x06\"}")
	f.Fuzz(func(t *testing.T, in string) {
		var evs []Event
		ts := int64(1767225600000)
		for i, m := range strings.Split(in, "\n") {
			if m == "" || len(evs) >= 400 {
				continue
			}
			for range 2 {
				evs = append(evs, Event{Stream: 1, Timestamp: ts + int64(i), Seq: uint64(len(evs) + 1), Message: m})
			}
		}
		if len(evs) == 0 {
			return
		}
		rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
		fields := []string{"a", "b"}
		for _, back := range []bool{false, true} {
			full := rd.Cursor(Query{Stream: 1, Backward: back})
			pc := rd.Cursor(Query{Stream: 1, Backward: back, JSONOnly: true, JSONFields: fields})
			var whole, projected []query.Event
			sumFull, sumProj := 0, 0
			for full.Next() {
				if !pc.Next() {
					t.Fatal("projected read ended early")
				}
				m, got := full.Event().Message, pc.Event().Message
				p, ok := refProject(m, fields)
				if isJSONObject(m) && got != m && (!ok || got != p) {
					t.Fatalf("%q came as %q (projection %q, %v)", m, got, p, ok)
				}
				if back && pc.MessageSize() != len(m) {
					t.Fatalf("size %d of %q", pc.MessageSize(), m)
				}
				sumFull, sumProj = sumFull+len(m), sumProj+pc.MessageSize()
				e := full.Event()
				whole = append(whole, query.Event{Timestamp: e.Timestamp, Seq: e.Seq, Message: m, Size: len(m)})
				projected = append(projected, query.Event{Timestamp: e.Timestamp, Seq: e.Seq, Message: got, Size: pc.MessageSize()})
			}
			if pc.Next() || full.Err() != nil || pc.Err() != nil || sumFull != sumProj {
				t.Fatalf("extra events, errors (%v, %v) or sizes %d != %d", full.Err(), pc.Err(), sumProj, sumFull)
			}
			sameResults(t, whole, projected)
		}
		checkBatches(t, rd, evs, fields, false)
	})
}
