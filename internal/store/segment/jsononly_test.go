package segment

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestJSONOnlyCursor checks Query.JSONOnly against a full read: the same
// events and sizes, with the messages that are not JSON objects left out
// (leading JSON white space counts as in the Logs Insights engine), also
// for blocks the range cuts, backward, and for blocks in the cache.
func TestJSONOnlyCursor(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	evs := genEvents(7, 3, 400)
	for i := range evs {
		switch r.IntN(9) {
		case 3: // quotes (slots), padded and folded numbers
			evs[i].Message = fmt.Sprintf(`10.0.0.%d - [05/Nov/2026:07:%02d:09 +0000] "GET /a/%d HTTP/1.1" %d "ua/5.0" rt=0.%03d`, r.IntN(3), r.IntN(60), r.IntN(100), 200+r.IntN(2)*204, r.IntN(1000))
		case 4:
			evs[i].Message = fmt.Sprintf("{\"k\":\"v\x05%c\",\"n\":%04d,\"t\":%d}", 'a'+r.IntN(3), r.IntN(100), evs[i].Timestamp)
		case 5:
			evs[i].Message = fmt.Sprintf("x \"\x06%d\" \"\" %016x%016x", r.IntN(5), r.Uint64(), r.Uint64())
		case 0:
			evs[i].Message = fmt.Sprintf(" \t\n\r{\"ts\":%d,\"n\":%d,\"id\":\"%032x\"}", evs[i].Timestamp, r.IntN(1e6), r.Uint64())
		case 1:
			evs[i].Message = fmt.Sprintf("\v{\"n\":%d}", r.IntN(100)) // \v is not JSON white space
		case 2:
			evs[i].Message = fmt.Sprintf("%d {\"n\":1}", r.IntN(100))
		}
	}
	data := writeSegment(t, evs, Options{BlockSize: 4 << 10})
	isJSON := func(m string) bool {
		for i := 0; i < len(m); i++ {
			switch m[i] {
			case ' ', '\t', '\n', '\r':
				continue
			}
			return m[i] == '{'
		}
		return false
	}
	for _, cached := range []bool{false, true} {
		opts := ReaderOptions{}
		if cached {
			opts.Cache = NewLRU(1 << 30)
		}
		rd := openBytes(t, data, opts)
		for _, s := range streamsOf(evs) {
			for _, q := range []Query{
				{Stream: s},
				{Stream: s, Backward: true},
				{Stream: s, Start: evs[len(evs)/3].Timestamp, End: evs[len(evs)/2].Timestamp},
			} {
				if cached {
					collect(rd, q) // fill the cache
				}
				full, fc := rd.Cursor(q), rd.Cursor(Query{Stream: q.Stream, Start: q.Start, End: q.End, Backward: q.Backward, JSONOnly: true})
				n := 0
				for full.Next() {
					if !fc.Next() {
						t.Fatalf("%+v: JSONOnly ended after %d events", q, n)
					}
					want, got := full.Event(), fc.Event()
					if !cached && !isJSON(want.Message) {
						want.Message = ""
					}
					if got != want || fc.MessageSize() != len(full.Event().Message) {
						t.Fatalf("%+v cached=%v: event %d = %+v (size %d), want %+v (size %d)", q, cached, n, got, fc.MessageSize(), want, len(full.Event().Message))
					}
					n++
				}
				if fc.Next() || full.Err() != nil || fc.Err() != nil {
					t.Fatalf("%+v: extra events or errors %v %v", q, full.Err(), fc.Err())
				}
			}
		}
	}
}

func TestDecimalHelpers(t *testing.T) {
	vals := []uint64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 65535, 1 << 32, 9999999999999999999, 10000000000000000000, 1<<64 - 1}
	for i := uint64(1); i < 1<<64/10; i *= 10 {
		vals = append(vals, i-1, i, i+1)
	}
	for _, v := range vals {
		want := fmt.Sprint(v)
		if got := string(appendDecimal([]byte("x"), v)); got != "x"+want {
			t.Errorf("appendDecimal(%d) = %q", v, got)
		}
		if got := decimalLen(v); got != len(want) {
			t.Errorf("decimalLen(%d) = %d", v, got)
		}
	}
}
