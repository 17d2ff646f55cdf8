package query

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParseInsights checks that any query either parses or fails with an
// *InsightsError whose range lies within the query, and that a parsed query
// runs over a few events without panicking and within small limits.
func FuzzParseInsights(f *testing.F) {
	for _, s := range []string{
		"fields @timestamp, @message | sort @timestamp desc | limit 25",
		"filter @message like /Exception/ | stats count(*) as exceptionCount by bin(1h) | sort exceptionCount desc",
		`parse @message "[*] * The error was: *" as level, config, exception`,
		`parse @message /(?<NetworkInterface>eni-.*?) / | display NetworkInterface, @message`,
		"stats sum(packets) as p by srcAddr, dstAddr | sort p desc | limit 15",
		`filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") and not ispresent(x) or a in [1, "b"]`,
		"fields jsonParse(@message) as j | fields j.a.0, jsonStringify(j) | dedup j.a | limit 2",
		"stats pct(ms, 99), count_distinct(u), earliest(u), stddev(ms) by datefloor(@timestamp, 1mo)",
		"fields `a-b`, -x ^ 2 % 3, substr(s, 1, 2), concat(a, 'b') # comment\n| sort a, b desc",
		"stats count(*) as n by svc | stats avg(n)",
	} {
		f.Add(s)
	}
	events := []*Event{
		{Timestamp: 1709287650250, Seq: 1, Message: `{"a":[1,2],"ms":12,"u":"x","svc":"pay","srcAddr":"192.0.2.1","level":"ERROR"}`, Stream: "s", Group: "g"},
		{Timestamp: 1709287650251, Seq: 2, Message: "25 May 2019 [ERROR] {x} The error was: E eni-1 x", Stream: "s", Group: "g"},
		{Timestamp: 1709287660000, Seq: 3, Message: `{"a":"b","ms":"7","u":"y"}`, Stream: "t", Group: "/aws/lambda/f"},
		{Timestamp: 1709287670000, Seq: 4, Message: "REPORT RequestId: r\tDuration: 1.5 ms\tMemory Size: 128 MB", Stream: "t", Group: "/aws/lambda/f"},
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := ParseInsights(src)
		if err != nil {
			var ie *InsightsError
			if !errors.As(err, &ie) {
				t.Fatalf("%q: error is %T, not *InsightsError", src, err)
			}
			n := utf8.RuneCountInString(src)
			if ie.Start < 0 || ie.Start > n || ie.End <= ie.Start || ie.End > n+1 {
				t.Fatalf("%q: error range [%d, %d) outside the query of %d characters", src, ie.Start, ie.End, n)
			}
			return
		}
		run := q.NewRun(RunOptions{Limit: 50, MaxGroups: 50, MaxRows: 50, Ptr: func(e *Event) string { return e.Stream }})
		for _, e := range events {
			if run.Add(e) != nil {
				return
			}
			run.Snapshot()
		}
		res, err := run.Finish()
		if err == nil && len(res.Rows) > 50 {
			t.Fatalf("%q: %d rows over the limit of 50", src, len(res.Rows))
		}
	})
}
