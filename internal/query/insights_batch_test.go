package query

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// batchOf makes the Batch a source would give for evs under q: each
// event's values of q.JSONFields, read from its message; events with a
// number that is not a non-negative integer written plainly are left to
// come one by one (rest), as a segment leaves them.
func batchOf(t *testing.T, q *Insights, evs []Event) (b *Batch, rest []Event) {
	t.Helper()
	fields := q.JSONFields()
	b = &Batch{Fields: make([]Column, len(fields))}
	strs := map[string]uint64{}
	b.Stream = evs[0].Stream
next:
	for _, e := range evs {
		var m map[string]any
		if e.Message != "" && e.Message[0] == '{' {
			d := json.NewDecoder(strings.NewReader(e.Message))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range fields {
			if x, ok := m[f].(json.Number); ok {
				if _, err := strconv.ParseUint(x.String(), 10, 64); err != nil {
					rest = append(rest, e)
					continue next
				}
			}
		}
		b.TS, b.Seq = append(b.TS, e.Timestamp), append(b.Seq, e.Seq)
		b.Bytes += int64(len(e.Message))
		for k, f := range fields {
			c := &b.Fields[k]
			kind, v := ColAbsent, uint64(0)
			switch x := m[f].(type) {
			case string:
				i, ok := strs[x]
				if !ok {
					i = uint64(len(b.Strs))
					strs[x] = i
					b.Strs = append(b.Strs, x)
				}
				kind, v = ColString, i
			case json.Number:
				u, err := fmt.Sscan(x.String(), &v)
				if u != 1 || err != nil {
					t.Fatalf("%q: %v", x, err)
				}
				kind = ColNumber
			case nil:
			default:
				t.Fatalf("%T in a batch", x)
			}
			c.Kind, c.V = append(c.Kind, kind), append(c.V, v)
		}
	}
	return b, rest
}

// TestAddBatch feeds runs the events of two log groups of several streams
// in time order, one by one with Add, and again with some blocks of each
// stream as batches handed over when the block's first event is due, or
// at the start of the group; with and without a split into two merged
// runs. The results are the same.
func TestAddBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	svcs := []string{"pay", "auth", "web", ""}
	var groups [2][][]Event // log group, stream: events in time order
	seq := uint64(0)
	for g := range groups {
		for k := range 3 {
			var evs []Event
			ts := int64(1700000000000 + r.IntN(5000))
			if g == 1 {
				ts -= 3_600_000 // the second group's keys start over
			}
			for range 400 {
				ts += int64(r.IntN(3000))
				seq++
				var m string
				switch r.IntN(6) {
				case 0:
					m = fmt.Sprintf("plain %d", r.IntN(9))
				case 5: // equal to an integer, written otherwise: one by one
					m = fmt.Sprintf(`{"svc":"%s","code":%d.0,"lat":%d}`, svcs[r.IntN(len(svcs))], 200+r.IntN(3), r.IntN(2000))
				case 1:
					m = fmt.Sprintf(`{"svc":"%s"}`, svcs[r.IntN(len(svcs))])
				case 2:
					m = fmt.Sprintf(`{"lat":%d,"code":%d}`, r.IntN(2000), 200+r.IntN(3))
				default:
					m = fmt.Sprintf(`{"svc":"%s","lat":%d,"code":%d}`, svcs[r.IntN(len(svcs))], r.IntN(2000), 200+r.IntN(3))
				}
				evs = append(evs, Event{Timestamp: ts, Seq: seq, Message: m, Stream: fmt.Sprint("s", k)})
			}
			groups[g] = append(groups[g], evs)
		}
	}
	for _, src := range []string{
		"stats count(*) as n, pct(lat, 99) as p, count(lat) as c by svc",
		"stats pct(lat, 50), count(*), sum(lat), avg(lat) by svc",
		"stats count(*) by code",
		"stats count_distinct(lat), count_distinct(svc) by code",
		"stats count(*) by @logStream",
		"stats min(code), max(code), earliest(code), latest(code), min(lat) by svc",
		`filter lat > 100 | stats max(code), earliest(svc) by @logStream`,
		`filter svc = "pay" | stats avg(lat) by @logStream`,
		"stats count(*) by bin(1m)",
		"stats count(*) as n",
		`filter svc = "pay" | stats count(*) as n, pct(lat, 90) by code`,
		`filter code > 200 | filter svc != "web" | stats count(*) by svc`,
		`filter not ispresent(svc) | stats count(*)`,
		`filter lat < 1000 | stats count(*)`,
		`filter svc in ["pay", "auth"] | stats count(*), pct(lat, 50) by svc`,
	} {
		q, err := ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		if !q.Batches() {
			t.Fatalf("%s: no batches", src)
		}
		run := func(batches, split bool) *Result {
			run := q.NewRun(RunOptions{})
			for _, streams := range groups {
				var all []Event   // in key order; Seq 0 stands for late[Size]
				var late []*Batch // handed over when their first event is due
				var parts [2]*Run
				parts[0], parts[1] = run, run
				if split {
					parts[1] = q.NewRun(RunOptions{})
				}
				mid := streams[0][len(streams[0])/2].Timestamp
				partOf := func(ts int64) *Run {
					if ts >= mid {
						return parts[1]
					}
					return parts[0]
				}
				for k, evs := range streams {
					for i := 0; i < len(evs); i += 50 {
						blk := evs[i:min(i+50, len(evs))]
						cut := blk[0].Timestamp < mid && blk[len(blk)-1].Timestamp >= mid
						switch {
						case !batches || (i/50+k)%3 == 0 || cut:
							all = append(all, blk...)
						case (i/50)%2 == 0: // at the start
							b, rest := batchOf(t, q, blk)
							if err := partOf(blk[0].Timestamp).AddBatch(b); err != nil {
								t.Fatal(err)
							}
							all = append(all, rest...)
						default:
							b, rest := batchOf(t, q, blk)
							all = append(all, Event{Timestamp: blk[0].Timestamp, Size: len(late)})
							all = append(all, rest...)
							late = append(late, b)
						}
					}
				}
				slices.SortStableFunc(all, func(a, b Event) int {
					if a.Timestamp != b.Timestamp {
						return int(a.Timestamp - b.Timestamp)
					}
					return int(a.Seq) - int(b.Seq)
				})
				for i := range all {
					e := &all[i]
					part := partOf(e.Timestamp)
					if e.Seq == 0 {
						err = part.AddBatch(late[e.Size])
					} else {
						err = part.Add(e)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				for _, p := range parts {
					if err := p.FlushBlanks(); err != nil {
						t.Fatal(err)
					}
				}
				if split {
					if err := run.Merge(parts[1]); err != nil {
						t.Fatal(err)
					}
				}
			}
			res, err := run.Finish()
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		want := run(false, false)
		for _, split := range []bool{false, true} {
			if got := run(true, split); fmt.Sprint(*got) != fmt.Sprint(*want) {
				t.Errorf("%s, split %v:\n got %v\nwant %v", src, split, *got, *want)
			}
		}
		if got := run(false, true); fmt.Sprint(*got) != fmt.Sprint(*want) {
			t.Errorf("%s, split without batches:\n got %v\nwant %v", src, *got, *want)
		}
	}
}

// TestExtremeTies: of equal values min and max keep the first met, by
// key within a log group's scan, and those of an earlier group before any
// of a later one, whose keys start over (FlushBlanks).
func TestExtremeTies(t *testing.T) {
	q, err := ParseInsights("stats max(code) as hi, min(code) as lo")
	if err != nil {
		t.Fatal(err)
	}
	run := q.NewRun(RunOptions{})
	for _, e := range []Event{
		{Timestamp: 1000, Seq: 1, Message: `{"code":202}`},
		{Timestamp: 1001, Seq: 2, Message: `{"code":200}`},
	} {
		if err := run.Add(&e); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.FlushBlanks(); err != nil {
		t.Fatal(err)
	}
	// The next group's events come earlier in time, equal in value.
	b, rest := batchOf(t, q, []Event{{Timestamp: 500, Seq: 3, Message: `{"code":202}`}})
	if err := run.AddBatch(b); err != nil || len(rest) != 0 {
		t.Fatal(err, rest)
	}
	for _, e := range []Event{{Timestamp: 400, Seq: 4, Message: `{"code":202.0}`}, {Timestamp: 401, Seq: 5, Message: `{"code":2e2}`}} {
		if err := run.Add(&e); err != nil {
			t.Fatal(err)
		}
	}
	res, err := run.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows); got != "[[{hi 202} {lo 200}]]" {
		t.Errorf("rows %s", got)
	}
}
