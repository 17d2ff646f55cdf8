package query

import (
	"encoding/json"
	"testing"

	"github.com/logpond/logpond/internal/cputime"
)

// Realistic events of about 230 bytes: nginx "combined" access-log lines and
// JSON application-log lines.
var benchNginx = []string{
	`203.0.113.42 - - [10/Oct/2023:13:55:36 +0000] "GET /api/v1/orders/12345?include=items HTTP/1.1" 200 5123 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/118.0 Safari/537.36"`,
	`198.51.100.7 - alice [10/Oct/2023:13:55:37 +0000] "POST /api/v1/payments/charge HTTP/1.1" 502 1732 "https://shop.example.com/checkout" "Mozilla/5.0 (Macintosh; Intel Mac OS X 13_5) AppleWebKit/605.1.15 Version/16.6 Safari/605.1"`,
	`192.0.2.19 - - [10/Oct/2023:13:55:37 +0000] "GET /healthcheck HTTP/1.1" 200 2 "-" "kube-probe/1.27 (linux/amd64) Go-http-client/1.1 health monitor; internal load balancer check; region eu-west-1"`,
	`203.0.113.99 - bob [10/Oct/2023:13:55:38 +0000] "GET /static/app.7f3a9c.js HTTP/2.0" 304 0 "https://shop.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/117.0 Safari/537.36 Edg/117.0"`,
}

var benchJSON = []string{
	`{"ts":"2023-10-10T13:55:36.123Z","level":"ERROR","service":"payments","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"charge failed: card declined","latency_ms":312,"http":{"method":"POST","status":502},"tags":["beta","eu"]}`,
	`{"ts":"2023-10-10T13:55:36.456Z","level":"INFO","service":"orders","trace_id":"00f067aa0ba902b7a3ce929d0e0e4736","msg":"order created for customer 8812","latency_ms":41,"http":{"method":"POST","status":201},"tags":["eu"]}`,
	`{"ts":"2023-10-10T13:55:37.001Z","level":"ERROR","service":"orders","trace_id":"b7ad6b7169203331a3ce929d0e0e4736","msg":"inventory lookup timed out after 3 retries","latency_ms":3004,"http":{"method":"GET","status":504},"tags":[]}`,
	`{"ts":"2023-10-10T13:55:37.250Z","level":"WARN","service":"payments","trace_id":"e457b5a2e4d86bd1a3ce929d0e0e4736","msg":"retrying charge with backup processor","latency_ms":188,"http":{"method":"POST","status":200},"tags":["beta"]}`,
}

const benchDelimitedPattern = `[ip, ident, user, timestamp, request, status_code = 5*, bytes > 1000, referrer, agent]`

func benchPattern(b *testing.B, pattern string, msgs []string) {
	p, err := ParseFilterPattern(pattern)
	if err != nil {
		b.Fatal(err)
	}
	size, matched := 0, 0
	for _, m := range msgs {
		size += len(m)
		if p.Match(m) {
			matched++
		}
	}
	if matched == 0 || matched == len(msgs) {
		b.Fatalf("%d of %d events match: the benchmark should see both outcomes", matched, len(msgs))
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := cputime.Process()
	for i := 0; i < b.N; i++ {
		p.Match(msgs[i%len(msgs)])
	}
	if cpu1, ok1 := cputime.Process(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkMatchTerms(b *testing.B) {
	benchPattern(b, `POST payments -healthcheck`, benchNginx)
}

func BenchmarkMatchOptionalTerms(b *testing.B) {
	benchPattern(b, `?" 502 " ?" 504 " ?" 503 "`, benchNginx)
}

func BenchmarkMatchRegex(b *testing.B) {
	benchPattern(b, `%HTTP/[12]\.[01]\x22 5[0-9]{2} %`, benchNginx)
}

func BenchmarkMatchJSON(b *testing.B) {
	benchPattern(b, `{ $.level = "ERROR" && $.service = "payments" }`, benchJSON)
}

func BenchmarkMatchJSONNested(b *testing.B) {
	benchPattern(b, `{ ($.http.status >= 500 || $.latency_ms > 1000) && $.tags[*] = "beta" }`, benchJSON)
}

// BenchmarkMatchJSONCorpus matches the JSON pattern of issue 4's target
// over the 1M events of the loadgen corpus (half JSON), as FilterLogEvents
// does; one op is the whole corpus.
func BenchmarkMatchJSONCorpus(b *testing.B) {
	p, err := ParseFilterPattern(`{ $.level = "ERROR" && $.service = "payments" }`)
	if err != nil {
		b.Fatal(err)
	}
	events := corpusEvents()
	b.ResetTimer()
	cpu0, ok := cputime.Process()
	matched := 0
	for b.Loop() {
		matched = 0
		for _, e := range events {
			if p.Match(e.Message) {
				matched++
			}
		}
	}
	if cpu1, ok1 := cputime.Process(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(matched), "matched")
}

// BenchmarkMatchJSONUnmarshal is what the JSON pattern would cost if it
// decoded every event into a map first, for comparison.
func BenchmarkMatchJSONUnmarshal(b *testing.B) {
	b.SetBytes(int64(len(benchJSON[0])))
	b.ReportAllocs()
	cpu0, ok := cputime.Process()
	for i := 0; i < b.N; i++ {
		var v map[string]any
		if err := json.Unmarshal([]byte(benchJSON[i%len(benchJSON)]), &v); err != nil {
			b.Fatal(err)
		}
		_ = v["level"] == "ERROR" && v["service"] == "payments"
	}
	if cpu1, ok1 := cputime.Process(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkMatchDelimited(b *testing.B) {
	benchPattern(b, benchDelimitedPattern, benchNginx)
}

func BenchmarkMatchDelimitedEllipsis(b *testing.B) {
	benchPattern(b, `[ip, ..., status = 5*, bytes, referrer, agent]`, benchNginx)
}

func BenchmarkMatchExtractDelimited(b *testing.B) {
	p, err := ParseFilterPattern(benchDelimitedPattern)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.MatchExtract(benchNginx[1])
	}
}

func BenchmarkParseFilterPattern(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseFilterPattern(`{ ($.user.id = 1 && $.users[0].email = "John.Doe@example.com") || $.actions[*] = %DEL.TE% }`); err != nil {
			b.Fatal(err)
		}
	}
}
