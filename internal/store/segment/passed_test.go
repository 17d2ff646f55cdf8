package segment

import (
	"fmt"
	"testing"
)

// TestCountPassed searches with Terms and Need and CountPassed: the events
// given plus those counted as passed over are every event of the range,
// their bytes too, blocks were ruled out by bloom filters and events by
// templates, and the blocks the range cuts come whole.
func TestCountPassed(t *testing.T) {
	var evs []Event
	ts := int64(1767225600000)
	for i := range 6000 {
		m := fmt.Sprintf(`{"svc":"%s","n":%d}`, []string{"auth", "web", "pay"}[i%3], i)
		if i%1500 == 7 {
			m += " NEEDLE-f00d-cafe"
		}
		evs = append(evs, Event{Stream: 1, Timestamp: ts + int64(i), Ingestion: ts, Seq: uint64(i + 1), Message: m})
	}
	rd := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{})
	for _, c := range []struct {
		name       string
		terms      []string
		start, end int64
	}{
		{"bloom filters", []string{"NEEDLE-f00d-cafe"}, 0, 0},
		{"templates", []string{"auth"}, 0, 0},
		{"bloom filters, cut", []string{"NEEDLE-f00d-cafe"}, ts + 1000, ts + 4000},
		{"templates, cut", []string{"auth"}, ts + 1000, ts + 4000},
	} {
		q := Query{Stream: 1, Start: c.start, End: c.end, Need: c.terms, CountPassed: true}
		if c.terms[0] != "auth" {
			q.Terms = c.terms
		}
		want, wantBytes := model(evs, Query{Stream: 1, Start: c.start, End: c.end}), 0
		for _, e := range want {
			wantBytes += len(e.Message)
		}
		cur := rd.Cursor(q)
		var n, bytes int64
		for cur.Next() {
			n++
			bytes += int64(cur.MessageSize())
		}
		p := cur.TakePassed()
		st := cur.Stats()
		if cur.Err() != nil || n+p.Events != int64(len(want)) || bytes+p.Bytes != int64(wantBytes) {
			t.Errorf("%s: %v, %d given and %d passed of %d events, %d and %d of %d bytes", c.name, cur.Err(), n, p.Events, len(want), bytes, p.Bytes, wantBytes)
		}
		if st.BlocksSkipped+st.EventsSkipped == 0 || p.Events == 0 {
			t.Errorf("%s: nothing ruled out (%+v, %+v)", c.name, st, p)
		}
	}
}
