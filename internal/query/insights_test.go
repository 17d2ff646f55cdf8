package query

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestInsightsScripts runs the scripts in testdata/insights. A script is a
// list of lines:
//
//	# comment
//	group NAME             the log group of the events that follow (default "app")
//	events                 replaces the events with the lines up to "end":
//	TIME STREAM MESSAGE    TIME is RFC 3339 or epoch milliseconds
//	end
//	query TEXT             runs TEXT (the rest of the line) over the events;
//	query                  or the lines up to "end"
//	...
//	end
//	limit N                the result limit for the following queries (RunOptions.Limit)
//	row F=V | F=V ...      the result, one line per row, fields in order
//	norows                 the result has no rows
//	terms "a" "b"          RequiredTerms, Go-quoted ("terms none" for nil)
//	error START END MSG    the query does not parse: *InsightsError
//	fails MSG              the run fails with this error
//
// Every query is also checked for: a Snapshot before Finish equal to the
// result; the same result over only the events that hold its required
// terms and fall within its time bounds.
//
// With -update the outcomes are rewritten from what the code does; review
// the diff.
func TestInsightsScripts(t *testing.T) {
	runScripts(t, "testdata/insights/*.txt", runInsightsScript)
}

// outcome is what the script says (or the code gives) for one query.
type outcome []string

func runInsightsScript(t *testing.T, file, script string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(script, "\n"), "\n")
	var out []string
	group := "app"
	var events []*Event
	limit := 0
	for n := 0; n < len(lines); n++ {
		line := lines[n]
		word, rest, _ := strings.Cut(line, " ")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			out = append(out, line)
		case word == "group":
			group = rest
			out = append(out, line)
		case word == "limit":
			limit, _ = strconv.Atoi(rest)
			out = append(out, line)
		case line == "events":
			out = append(out, line)
			events = nil
			for n++; n < len(lines) && lines[n] != "end"; n++ {
				out = append(out, lines[n])
				events = append(events, scriptEvent(t, file, n, group, lines[n], len(events)))
			}
			if n == len(lines) {
				t.Fatalf("%s: events without end", file)
			}
			out = append(out, "end")
		case word == "query":
			out = append(out, line)
			src := rest
			qline := n
			if line == "query" {
				var body []string
				for n++; n < len(lines) && lines[n] != "end"; n++ {
					body = append(body, lines[n])
					out = append(out, lines[n])
				}
				if n == len(lines) {
					t.Fatalf("%s:%d: query without end", file, qline+1)
				}
				out = append(out, "end")
				src = strings.Join(body, "\n")
			}
			var want outcome
			for n+1 < len(lines) && isOutcomeLine(lines[n+1]) {
				n++
				want = append(want, lines[n])
			}
			got := runScriptQuery(t, fmt.Sprintf("%s:%d", file, qline+1), src, events, limit)
			if !slices.Equal(got, want) && !*update {
				t.Errorf("%s:%d: query %q\n got:\n\t%s\nwant:\n\t%s", file, qline+1, src, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
			out = append(out, got...)
		default:
			t.Fatalf("%s:%d: unknown line %q", file, n+1, line)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func isOutcomeLine(l string) bool {
	w, _, _ := strings.Cut(l, " ")
	switch w {
	case "row", "norows", "terms", "error", "fails":
		return true
	}
	return false
}

func scriptEvent(t *testing.T, file string, n int, group, line string, i int) *Event {
	t.Helper()
	ts, rest, ok1 := strings.Cut(line, " ")
	stream, msg, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		t.Fatalf("%s:%d: want TIME STREAM MESSAGE, got %q", file, n+1, line)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("%s:%d: bad time %q", file, n+1, ts)
		}
		ms = tm.UnixMilli()
	}
	return &Event{Timestamp: ms, Ingestion: ms + 500, Seq: uint64(i + 1), Message: msg, Stream: stream, Group: group, Account: "123456789012"}
}

func runScriptQuery(t *testing.T, where, src string, events []*Event, limit int) outcome {
	t.Helper()
	q, err := ParseInsights(src)
	if err != nil {
		var ie *InsightsError
		if !errors.As(err, &ie) {
			return outcome{"error not an *InsightsError: " + err.Error()}
		}
		return outcome{fmt.Sprintf("error %d %d %s", ie.Start, ie.End, ie.Msg)}
	}
	var got outcome
	if terms := q.RequiredTerms(); terms != nil {
		got = append(got, "terms "+quoteAll(terms))
	}
	o := RunOptions{Limit: limit}
	res, snap, err := runAll(q, events, o)
	if err != nil {
		return append(got, "fails "+err.Error())
	}
	rows := renderRows(res.Rows)
	if s := renderRows(snap.Rows); !slices.Equal(s, rows) {
		t.Errorf("%s: snapshot before Finish differs from the result:\n\t%s", where, strings.Join(s, "\n\t"))
	}
	// Pruning by RequiredTerms and TimeBounds must not change the result.
	start, end := q.TimeBounds()
	var pruned []*Event
	for _, e := range events {
		if e.Timestamp < start || e.Timestamp >= end {
			continue
		}
		keep := strings.Contains(e.Message, `\`)
		if !keep {
			keep = true
			for _, term := range q.RequiredTerms() {
				keep = keep && strings.Contains(e.Message, term)
			}
		}
		if keep {
			pruned = append(pruned, e)
		}
	}
	if len(pruned) < len(events) {
		pres, _, err := runAll(q, pruned, o)
		if err != nil || !slices.Equal(renderRows(pres.Rows), rows) {
			t.Errorf("%s: pruning by required terms %q and time bounds [%d, %d) changes the result", where, q.RequiredTerms(), start, end)
		}
	}
	checkScanPaths(t, where, q, events, o)
	if len(rows) == 0 {
		return append(got, "norows")
	}
	return append(got, rows...)
}

// checkScanPaths checks that the ways a store may feed a query give the
// result and byte count that the events in (timestamp, sequence) order give:
// without messages when the query does not need them, newest first with
// Run.Enough stopping early when the query allows it, and without the
// events that lack an index term.
func checkScanPaths(t *testing.T, where string, q *Insights, events []*Event, o RunOptions) {
	t.Helper()
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b *Event) int {
		if a.Timestamp != b.Timestamp {
			return cmp.Compare(a.Timestamp, b.Timestamp)
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	want, _, err := runAll(q, sorted, o)
	if err != nil {
		return
	}
	rows := renderRows(want.Rows)
	if q.Mergeable() {
		// Runs over the events before and after a split, merged, give
		// the result of one run.
		for _, k := range slices.Compact([]int{0, 1, len(sorted) / 3, len(sorted) / 2, len(sorted) - 1, len(sorted)}) {
			if k < 0 || k > len(sorted) {
				continue
			}
			a, b := q.NewRun(o), q.NewRun(o)
			for _, e := range sorted[:k] {
				a.Add(e)
			}
			for _, e := range sorted[k:] {
				b.Add(e)
			}
			err := a.Merge(b)
			res, ferr := a.Finish()
			if err != nil || ferr != nil {
				t.Errorf("%s: split at %d: %v %v", where, k, err, ferr)
				continue
			}
			if got := renderRows(res.Rows); !sameRows(got, rows) || res.Scanned != want.Scanned || res.Bytes != want.Bytes || res.Matched != want.Matched {
				t.Errorf("%s: split at %d of %d, merged:\n\t%s\nwant:\n\t%s", where, k, len(sorted), strings.Join(got, "\n\t"), strings.Join(rows, "\n\t"))
			}
		}
	}
	if !q.NeedsMessage() {
		bare := make([]*Event, len(sorted))
		for i, e := range sorted {
			c := *e
			c.Message, c.Size = "", len(e.Message)
			bare[i] = &c
		}
		res, _, err := runAll(q, bare, o)
		if err != nil || !slices.Equal(renderRows(res.Rows), rows) || res.Bytes != want.Bytes {
			t.Errorf("%s: the result differs without messages", where)
		}
	}
	if q.NewestFirst() {
		ro := o
		ro.NewestFirst = true
		run := q.NewRun(ro)
		for i := len(sorted) - 1; i >= 0 && !run.Enough(); i-- {
			if err := run.Add(sorted[i]); err != nil {
				t.Fatalf("%s: newest first: %v", where, err)
			}
		}
		res, err := run.Finish()
		if err != nil || !slices.Equal(renderRows(res.Rows), rows) {
			t.Errorf("%s: the result differs newest first:\n\t%s", where, strings.Join(renderRows(res.Rows), "\n\t"))
		}
	}
	if terms := q.IndexTerms(); terms != nil {
		var kept []*Event
		for _, e := range sorted {
			if !slices.ContainsFunc(terms, func(t string) bool { return !strings.Contains(e.Message, t) }) {
				kept = append(kept, e)
			}
		}
		res, _, err := runAll(q, kept, o)
		if err != nil || !slices.Equal(renderRows(res.Rows), rows) {
			t.Errorf("%s: pruning by index terms %q changes the result", where, terms)
		}
	}
}

func runAll(q *Insights, events []*Event, o RunOptions) (res, snap *Result, err error) {
	run := q.NewRun(o)
	for _, e := range events {
		if err := run.Add(e); err != nil {
			return nil, nil, err
		}
	}
	snap = run.Snapshot()
	res, err = run.Finish()
	return res, snap, err
}

// sameRows compares rendered rows, numbers within a relative 1e-12 (a
// merged run adds floating-point numbers in another order).
func sameRows(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := strings.Split(got[i], " | "), strings.Split(want[i], " | ")
		if len(g) != len(w) {
			return false
		}
		for j := range g {
			if g[j] == w[j] {
				continue
			}
			gn, gv, _ := strings.Cut(g[j], "=")
			wn, wv, _ := strings.Cut(w[j], "=")
			gf, err1 := strconv.ParseFloat(gv, 64)
			wf, err2 := strconv.ParseFloat(wv, 64)
			if gn != wn || err1 != nil || err2 != nil || math.Abs(gf-wf) > 1e-12*math.Max(math.Abs(wf), 1) {
				return false
			}
		}
	}
	return true
}

func renderRows(rows []Row) []string {
	var out []string
	for _, r := range rows {
		parts := make([]string, len(r))
		for i, f := range r {
			parts[i] = f.Field + "=" + f.Value
		}
		out = append(out, "row "+strings.Join(parts, " | "))
	}
	return out
}

// TestRunMergeLarge merges runs over enough events that count_distinct
// and pct leave their exact modes (HyperLogLog, the sketch), split at
// several points, and compares with one run.
func TestRunMergeLarge(t *testing.T) {
	events := corpusEvents()[:30_000]
	for _, src := range []string{
		`stats count(*), count_distinct(user_id), pct(latency_ms, 50), pct(latency_ms, 99), avg(latency_ms), stddev(latency_ms), min(latency_ms), max(latency_ms), sum(latency_ms) by service`,
		`stats earliest(user_id), latest(user_id), sortsFirst(host), sortsLast(host), count_distinct(host) by level`,
		`filter level != "DEBUG" | fields latency_ms * 2 as l2 | stats pct(l2, 90) as p, count(*) as n by bin(1h) | sort n desc`,
	} {
		q, err := ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		if !q.Mergeable() {
			t.Fatalf("%s: not mergeable", src)
		}
		want, _, err := runAll(q, events, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows := renderRows(want.Rows)
		for _, k := range []int{1, 700, len(events) / 2, len(events) - 3} {
			a, b := q.NewRun(RunOptions{}), q.NewRun(RunOptions{})
			for _, e := range events[:k] {
				a.Add(e)
			}
			for _, e := range events[k:] {
				b.Add(e)
			}
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			res, err := a.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if got := renderRows(res.Rows); !sameRows(got, rows) || res.Matched != want.Matched {
				t.Errorf("%s: split at %d:\n\t%s\nwant:\n\t%s", src, k, strings.Join(got, "\n\t"), strings.Join(rows, "\n\t"))
			}
		}
	}
	// Merging past MaxGroups fails as a single run would.
	q, _ := ParseInsights(`stats count(*) by @message`)
	a, b := q.NewRun(RunOptions{MaxGroups: 100}), q.NewRun(RunOptions{MaxGroups: 100})
	for _, e := range events[:60] {
		a.Add(e)
	}
	for _, e := range events[60:120] {
		b.Add(e)
	}
	var le *LimitError
	if err := a.Merge(b); !errors.As(err, &le) {
		t.Errorf("merge past MaxGroups: %v, want a *LimitError", err)
	}
	if q, _ := ParseInsights(`sort @timestamp | stats count(*)`); q.Mergeable() {
		t.Error("a query sorting before stats is mergeable")
	}
}
