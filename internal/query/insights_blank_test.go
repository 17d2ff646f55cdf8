package query

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestBlankStats checks plan.blankStats: a run that counts events without
// JSON fields in the group of nulls (statsStage.addBlank) gives the result
// of one that runs them through every stage, and the plan takes that path
// only for the shapes it can.
func TestBlankStats(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var evs []Event
	for i := range 3000 {
		e := Event{Timestamp: int64(1_767_225_600_000 + i*1000), Seq: uint64(i + 1), Size: 50 + r.IntN(50)}
		switch r.IntN(6) {
		case 0, 1:
			// blank: what a JSON-only read gives for a message that is not a JSON object
		case 2:
			e.Message = fmt.Sprintf(`{"a":%d,"b":"x%d"}`, r.IntN(100), r.IntN(3))
		case 3:
			e.Message = fmt.Sprintf(`{"a":null,"c":%d}`, r.IntN(5))
		case 4: // for the general walk: escapes, duplicates, text, nesting
			e.Message = []string{`{"a":"12","b":"x"1"}`, `{"a":1,"a":2,"b":"x1"}`, `{"a":null,"a":7}`, `{"a":"seven","b":true}`, `{"b":{"c":1},"a":-2.5e1}`, `{"a":[1],"b":null}`, `{"a":1,"b":"x2"`, `x=1`, ` {"b" : "x0" , "a" : 3 } `}[r.IntN(9)]
		case 5:
			e.Message = fmt.Sprintf(`{"b":"x%d","a":%d.5,"c":"é"}`, r.IntN(4), r.IntN(100))
		}
		evs = append(evs, e)
	}
	for src, want := range map[string]bool{
		"stats count(*) as n, count(a) as na, count_distinct(a), sum(a), avg(a), stddev(a), min(a), max(a), pct(a, 90) by b": true,
		"stats count(*), count(), sum(a)":                  true,
		"stats pct(a, 50) by b":                            true,
		"stats count(*) by bin(1h)":                        false, // not only JSON
		"stats count(*) by b, c":                           false, // two by items
		"stats sum(a * 2) by b":                            false, // an expression
		"stats earliest(a) by b":                           false,
		"filter a > 1 | stats count(*) by b":               false, // a filter first
		"stats count(*) by coalesce(b, 'none')":            false,
		"fields a | stats count(*) by b":                   false,
		"stats count(*) as n by b | sort n desc | limit 2": true,
	} {
		q, err := ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		if q.plan.blankStats != want || (q.plan.direct != nil) != want {
			t.Errorf("%s: blankStats = %v, direct %v, want %v", src, q.plan.blankStats, q.plan.direct != nil, want)
		}
		var res [2]*Result
		for i, blank := range []bool{true, false} {
			run := q.NewRun(RunOptions{})
			if !blank {
				run.blank, run.direct = nil, nil
			}
			for j := range evs {
				if err := run.Add(&evs[j]); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if res[i], err = run.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(res[0], res[1]) {
			t.Errorf("%s:\n with addBlanks and addDirect %+v\n             without %+v", src, *res[0], *res[1])
		}
	}
}

// TestAddBlanks checks Run.AddBlanks against Add of every event: blank
// events are handed over as the store hands them (store.ScanQuery.Skipped):
// the events come from streams merged by key, and a stream's blanks are
// counted once that stream moves past them, which can be before events
// of other streams that come before them.
func TestAddBlanks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var evs []Event
	for i := range 3000 {
		e := Event{Timestamp: int64(1_767_225_600_000 + i*1000), Seq: uint64(i + 1), Size: 50 + r.IntN(50)}
		switch {
		case i < 4: // groups before the group of nulls
			e.Message = fmt.Sprintf(`{"a":%d,"b":"first%d"}`, i, i)
		case r.IntN(3) == 0:
			e.Message = fmt.Sprintf(`{"a":%d,"b":"x%d"}`, r.IntN(100), r.IntN(40))
		case r.IntN(8) == 0:
			e.Message = fmt.Sprintf(`{"a":null,"c":%d}`, r.IntN(5))
		}
		evs = append(evs, e)
	}
	for _, src := range []string{
		"stats count(*) as n, count(a) as na, sum(a), pct(a, 90) by b",
		"stats count(*), sum(a)",
		"stats count(*) as n by b | sort n desc | limit 3",
		"stats count(a) by b",
	} {
		q, err := ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		if !q.Blanks() {
			t.Fatalf("%s: not Blanks", src)
		}
		want := addAll(t, q, evs, 1)
		for _, streams := range []int{1, 3, 8} {
			if got := addAll(t, q, evs, streams); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d streams:\nAddBlanks %+v\n      Add %+v", src, streams, *got, *want)
			}
		}
	}
}

// addAll runs q over evs. With streams > 1, the events are dealt to that
// many streams at random and blanks go to AddBlanks as the store gives
// them; with 1, every event goes to Add.
func addAll(t *testing.T, q *Insights, evs []Event, streams int) *Result {
	t.Helper()
	run := q.NewRun(RunOptions{})
	if streams == 1 {
		for i := range evs {
			if err := run.Add(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		res, err := run.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r := rand.New(rand.NewPCG(uint64(streams), 1))
	of := make([][]*Event, streams)
	for i := range evs {
		k := r.IntN(streams)
		of[k] = append(of[k], &evs[i])
	}
	// pass counts a stream's blanks up to its next event with a message.
	pass := func(k int) {
		var n, bytes int64
		var first *Event
		for len(of[k]) > 0 && of[k][0].Message == "" {
			e := of[k][0]
			if first == nil {
				first = e
			}
			n, bytes = n+1, bytes+int64(e.Size)
			of[k] = of[k][1:]
		}
		if n > 0 {
			if err := run.AddBlanks(n, bytes, first.Timestamp, first.Seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k := range of {
		pass(k)
	}
	for {
		k := -1
		for j := range of {
			if len(of[j]) > 0 && (k < 0 || of[j][0].before(of[k][0].Timestamp, of[k][0].Seq)) {
				k = j
			}
		}
		if k < 0 {
			break
		}
		if err := run.Add(of[k][0]); err != nil {
			t.Fatal(err)
		}
		of[k] = of[k][1:]
		pass(k)
	}
	res, err := run.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return res
}
