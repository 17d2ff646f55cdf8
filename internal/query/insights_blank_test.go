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
		switch r.IntN(4) {
		case 0, 1:
			// blank: what a JSON-only read gives for a message that is not a JSON object
		case 2:
			e.Message = fmt.Sprintf(`{"a":%d,"b":"x%d"}`, r.IntN(100), r.IntN(3))
		case 3:
			e.Message = fmt.Sprintf(`{"a":null,"c":%d}`, r.IntN(5))
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
		if q.plan.blankStats != want {
			t.Errorf("%s: blankStats = %v, want %v", src, q.plan.blankStats, want)
		}
		var res [2]*Result
		for i, blank := range []bool{true, false} {
			run := q.NewRun(RunOptions{})
			if !blank {
				run.blank = nil
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
			t.Errorf("%s:\n with addBlank %+v\nwithout %+v", src, *res[0], *res[1])
		}
	}
}
