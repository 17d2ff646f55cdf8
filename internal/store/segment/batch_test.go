package segment

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// firstTop returns the values of the first members with keys fields of
// the JSON object p, as a batch gives them: strings as themselves,
// numbers as their text, absent as nil; false when encoding/json rejects
// p (raw control bytes in strings, which the engine's reading takes).
func firstTop(t *testing.T, p string, fields []string) ([]*string, bool) {
	t.Helper()
	out := make([]*string, len(fields))
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		for i, f := range fields {
			if f != k || out[i] != nil {
				continue
			}
			switch v := v.(type) {
			case string:
				out[i] = &v
			case json.Number:
				s := v.String()
				out[i] = &s
			default:
				t.Fatalf("projection %q: %s is %T in a batch", p, f, v)
			}
		}
	}
	return out, true
}

// TestBatch reads forward with Batches and checks every event against the
// full read: each comes once, in a batch or one by one; a batch's values
// are those of the message's first members with the wanted keys; the
// bytes add up; and the forms whose values are plain do go into batches.
func TestBatch(t *testing.T) {
	fields := []string{"a", "b"}
	evs, _ := projectionEvents(2, 3000)
	for i := range evs {
		if i%7 == 0 {
			evs[i].Timestamp = -evs[i].Timestamp
		}
	}
	sortEvents(evs)
	data := writeSegment(t, evs, Options{BlockSize: 4 << 10})
	rd := openBytes(t, data, ReaderOptions{})
	for _, prefetch := range []bool{false, true} {
		batched, batches := checkBatches(t, rd, evs, fields, prefetch)
		if batched < len(evs)/5 || batches == 0 {
			t.Errorf("prefetch %v: %d of %d events in %d batches", prefetch, batched, len(evs), batches)
		}
	}
}

// checkBatches reads stream 1 of rd forward with Batches and checks it
// against evs, its events: each comes once, in a batch or one by one,
// with a message; a batch's values are those of the message's first
// members with the wanted keys; the bytes add up. It returns the events
// batched and the batches.
func checkBatches(t *testing.T, rd *Reader, evs []Event, fields []string, prefetch bool) (int, int) {
	t.Helper()
	bySeq := map[uint64]Event{}
	total := 0
	for _, e := range evs {
		bySeq[e.Seq] = e
		total += len(e.Message)
	}
	c := rd.Cursor(Query{Stream: 1, Start: math.MinInt64, JSONOnly: true, JSONFields: fields, SkipJSONOnly: true, Batches: true, Prefetch: prefetch})
	seen := map[uint64]bool{}
	bytes, batched, batches := 0, 0, 0
	for c.Next() {
		b := c.Batch()
		if b == nil {
			e := c.Event()
			if e.Message == "" || seen[e.Seq] {
				t.Fatalf("event %d: message %q, seen %v", e.Seq, e.Message, seen[e.Seq])
			}
			seen[e.Seq] = true
			bytes += c.MessageSize()
			continue
		}
		batches++
		bytes += int(b.Bytes)
		if len(b.Fields) != len(fields) || len(b.Seq) != b.Len() {
			t.Fatalf("batch of %d events: %d columns, %d sequence numbers", b.Len(), len(b.Fields), len(b.Seq))
		}
		for i, seq := range b.Seq {
			e, ok := bySeq[seq]
			if !ok || seen[seq] || b.TS[i] != e.Timestamp {
				t.Fatalf("batch event %d: known %v, seen %v, timestamp %d", seq, ok, seen[seq], b.TS[i])
			}
			seen[seq] = true
			batched++
			want := make([]*string, len(fields))
			if isJSONObject(e.Message) {
				p, ok := refProject(e.Message, fields)
				if !ok {
					t.Fatalf("%q in a batch, without a projection", e.Message)
				}
				if want, ok = firstTop(t, p, fields); !ok {
					continue
				}
			}
			for k := range fields {
				col := b.Fields[k]
				var got *string
				switch col.Kind[i] {
				case ColString:
					got = &b.Strs[col.V[i]]
				case ColNumber:
					s := strconv.FormatUint(col.V[i], 10)
					got = &s
				}
				if (got == nil) != (want[k] == nil) || got != nil && *got != *want[k] {
					t.Fatalf("%q: %s is %v, want %v", e.Message, fields[k], deref(got), deref(want[k]))
				}
			}
		}
	}
	if c.Err() != nil || len(seen) != len(evs) || bytes != total {
		t.Fatalf("prefetch %v: error %v, %d of %d events, %d of %d bytes", prefetch, c.Err(), len(seen), len(evs), bytes, total)
	}
	return batched, batches
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestBatchNoMessages: with NoMessages, the blocks wholly in range come
// as batches of all their events, the others one by one.
func TestBatchNoMessages(t *testing.T) {
	evs := genEvents(3, 1, 4000)
	data := writeSegment(t, evs, Options{BlockSize: 8 << 10})
	rd := openBytes(t, data, ReaderOptions{})
	start, end := evs[len(evs)/10].Timestamp, evs[len(evs)*9/10].Timestamp
	want := model(evs, Query{Stream: evs[0].Stream, Start: start, End: end})
	wantBytes := 0
	for _, e := range want {
		wantBytes += len(e.Message)
	}
	c := rd.Cursor(Query{Stream: evs[0].Stream, Start: start, End: end, NoMessages: true, Batches: true})
	var got []uint64
	bytes, batches := 0, 0
	for c.Next() {
		if b := c.Batch(); b != nil {
			batches++
			got = append(got, b.Seq...)
			bytes += int(b.Bytes)
			continue
		}
		got = append(got, c.Event().Seq)
		bytes += c.MessageSize()
	}
	if c.Err() != nil || len(got) != len(want) || bytes != wantBytes || batches == 0 {
		t.Fatalf("error %v, %d of %d events, %d of %d bytes, %d batches", c.Err(), len(got), len(want), bytes, wantBytes, batches)
	}
	for i := range got {
		if got[i] != want[i].Seq {
			t.Fatalf("event %d: sequence %d, want %d", i, got[i], want[i].Seq)
		}
	}
}
