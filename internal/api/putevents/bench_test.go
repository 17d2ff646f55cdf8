package putevents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchEvents is the size of a realistic large batch (the API allows 10,000).
const benchEvents = 10000

// benchBody returns a PutLogEvents body of n events of about 230 bytes
// each: half nginx combined access log lines, half JSON application log
// lines, both full of quotes that the body escapes. It is the same for the
// same n.
func benchBody(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	paths := []string{"/api/v1/orders/%d?expand=items", "/static/js/app.%x.js", "/api/v1/users/%d/cart", "/healthz?probe=%d", "/checkout/confirm/%d"}
	agents := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
		"curl/8.4.0",
		"aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.4 md/GOOS#linux md/GOARCH#amd64 api/cloudwatchlogs#1.29.0",
	}
	levels := []string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	msgs := []string{
		"order created", "payment authorised", "cache miss for key \"user:%d:cart\"",
		"upstream \"payments\" timed out after %dms", "request completed", "retrying \"inventory\" call, attempt %d",
	}
	type appLine struct {
		Time       string  `json:"time"`
		Level      string  `json:"level"`
		Msg        string  `json:"msg"`
		Service    string  `json:"service"`
		Host       string  `json:"host"`
		TraceID    string  `json:"trace_id"`
		SpanID     string  `json:"span_id"`
		UserID     int     `json:"user_id"`
		DurationMS float64 `json:"duration_ms"`
	}
	type event struct {
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	req := struct {
		LogGroupName  string  `json:"logGroupName"`
		LogStreamName string  `json:"logStreamName"`
		LogEvents     []event `json:"logEvents"`
	}{LogGroupName: "/ecs/checkout", LogStreamName: "checkout/web/8f2a4e6c1b7d4a0e9c3f5b2d7e1a6c48"}
	ts := int64(1700000000000)
	for i := range n {
		ts += rng.Int64N(5)
		sec := ts / 1000
		var msg string
		if i%2 == 0 {
			msg = fmt.Sprintf(`%d.%d.%d.%d - - [14/Nov/2023:22:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "https://shop.example.com/cart" "%s"`,
				rng.IntN(223)+1, rng.IntN(256), rng.IntN(256), rng.IntN(256), sec/60%60, sec%60,
				methods[rng.IntN(len(methods))], fmt.Sprintf(paths[rng.IntN(len(paths))], rng.IntN(100000)),
				[]int{200, 200, 200, 201, 204, 304, 404, 500}[rng.IntN(8)], rng.IntN(50000),
				agents[rng.IntN(len(agents))])
		} else {
			text := msgs[rng.IntN(len(msgs))]
			if bytes.Contains([]byte(text), []byte("%d")) {
				text = fmt.Sprintf(text, rng.IntN(5000))
			}
			line, err := json.Marshal(appLine{
				Time:       fmt.Sprintf("2023-11-14T22:%02d:%02d.%03dZ", sec/60%60, sec%60, ts%1000),
				Level:      levels[rng.IntN(len(levels))],
				Msg:        text,
				Service:    "checkout",
				Host:       fmt.Sprintf("ip-10-0-%d-%d", rng.IntN(8), rng.IntN(256)),
				TraceID:    fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
				SpanID:     fmt.Sprintf("%016x", rng.Uint64()),
				UserID:     rng.IntN(100000),
				DurationMS: float64(rng.IntN(100000)) / 100,
			})
			if err != nil {
				panic(err)
			}
			msg = string(line)
		}
		req.LogEvents = append(req.LogEvents, event{ts, msg})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the AWS SDKs encode
	if err := enc.Encode(req); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	body := benchBody(benchEvents)
	b.Run("pooled", func(b *testing.B) {
		var req Request
		benchmark(b, body, func() error { return Decode(body, &req) })
	})
	b.Run("fresh", func(b *testing.B) {
		benchmark(b, body, func() error {
			var req Request
			return Decode(body, &req)
		})
	})
}

func BenchmarkDecodeStdlib(b *testing.B) {
	body := benchBody(benchEvents)
	benchmark(b, body, func() error {
		var req stdRequest
		return json.Unmarshal(body, &req)
	})
}

// benchmark reports, besides time and allocations, events/s by wall time
// and the process CPU time per op, garbage collection included, since the
// ingest target is in events per server CPU-second.
func benchmark(b *testing.B, body []byte, decode func() error) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
	cpu1, _ := processCPU()
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpuOK {
		cpuPerOp := float64(cpu1-cpu0) / float64(b.N)
		b.ReportMetric(cpuPerOp, "cpu-ns/op")
		b.ReportMetric(float64(benchEvents)/cpuPerOp*1e9, "events/cpu-s")
	}
}
