package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestScanBatches scans sealed and head events with ScanQuery.Batch, with
// NoMessages and with JSON fields: every event comes once, by the batch
// or to fn, with the bytes of the scan without batches; a Batch that
// returns false ends the scan.
func TestScanBatches(t *testing.T) {
	// No block cache (roundsStore): the scans without batches would fill
	// it, and blocks taken whole from it come one event at a time.
	r := rand.New(rand.NewPCG(5, 5))
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	s := roundsStore(t, 4, 3000, func(round, k, i int) InputEvent {
		ts := t0 + int64(round*3000+i)*5 + int64(k)
		m := fmt.Sprintf(`{"level":"%s","n":%d,"host":"h-%d"}`, []string{"INFO", "WARN"}[r.IntN(2)], r.IntN(1000), r.IntN(9))
		if r.IntN(2) == 0 {
			m = fmt.Sprintf("plain line %d", r.IntN(1000))
		}
		return InputEvent{Timestamp: ts, Message: m}
	})
	type tally struct {
		seqs  []uint64
		bytes int64
	}
	scan := func(q ScanQuery) (tally, int) {
		var tl tally
		batches := 0
		if q.Batch != nil {
			q.Batch = func(b *ScanBatch) bool {
				batches++
				tl.seqs = append(tl.seqs, b.Seq...)
				tl.bytes += b.Bytes
				return true
			}
		}
		err := s.ScanQuery(context.Background(), sc, "g", q, func(e *FilteredEvent) bool {
			tl.seqs = append(tl.seqs, e.Seq)
			tl.bytes += int64(e.Size)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(tl.seqs)
		return tl, batches
	}
	all, _ := scan(ScanQuery{Range: AllTime})
	mid := TimeRange{Start: t0 + 2000, End: t0 + 40000}
	part, _ := scan(ScanQuery{Range: mid})
	for _, c := range []struct {
		name string
		q    ScanQuery
		want tally
	}{
		{"no messages", ScanQuery{Range: AllTime, NoMessages: true}, all},
		{"no messages, part", ScanQuery{Range: mid, NoMessages: true}, part},
		{"json fields", ScanQuery{Range: AllTime, JSONOnly: true, JSONFields: []string{"level", "n"}, Skipped: func(Skipped) { t.Error("skipped events with batches") }}, all},
		{"json fields, no Skipped", ScanQuery{Range: AllTime, JSONOnly: true, JSONFields: []string{"level", "n"}}, all},
		{"json fields, part", ScanQuery{Range: mid, JSONOnly: true, JSONFields: []string{"level", "n"}}, part},
	} {
		c.q.Batch = func(*ScanBatch) bool { return true }
		got, batches := scan(c.q)
		if batches == 0 || !slices.Equal(got.seqs, c.want.seqs) || got.bytes != c.want.bytes {
			t.Errorf("%s: %d batches, %d events of %d bytes, want %d of %d", c.name, batches, len(got.seqs), got.bytes, len(c.want.seqs), c.want.bytes)
		}
	}
	// A batch that says no ends the scan.
	calls, events := 0, 0
	err := s.ScanQuery(context.Background(), sc, "g", ScanQuery{Range: AllTime, NoMessages: true, Batch: func(*ScanBatch) bool {
		calls++
		return false
	}}, func(*FilteredEvent) bool { events++; return true })
	if err != nil || calls != 1 || events > 1 {
		t.Errorf("stopped scan: %v, %d batches, %d events", err, calls, events)
	}
}
