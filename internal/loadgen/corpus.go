// Package loadgen generates a realistic, deterministic log corpus and sends
// it to a CloudWatch Logs endpoint through signed PutLogEvents requests, for
// benchmarks of logpond (and of anything else that speaks the API).
package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Needles are rare terms planted in the corpus: event i carries needle k
// when i % Period == Offset.
var Needles = []struct {
	Term   string
	Period int
	Offset int
}{
	{"NEEDLE-f00d-cafe", 100_003, 17},
	{"NEEDLE-dead-beef", 1_000_003, 99},
}

// NeedleCount returns how many of the first n events carry needle k.
func NeedleCount(k, n int) int {
	nd := Needles[k]
	if n <= nd.Offset {
		return 0
	}
	return (n-1-nd.Offset)/nd.Period + 1
}

// Corpus produces the mixed web/JSON corpus: about half nginx "combined"
// access lines and half JSON application logs, ~230 bytes on average. The
// same seed always produces the same events.
type Corpus struct {
	rng *rand.Rand
	i   int
	buf []byte
}

// NewCorpus returns a corpus generator.
func NewCorpus(seed uint64) *Corpus {
	return &Corpus{rng: rand.New(rand.NewPCG(seed, 0x6c6f67706f6e64))}
}

var (
	methods  = []string{"GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"}
	paths    = []string{"/", "/api/v1/orders", "/api/v1/orders/%d", "/api/v1/users/%d/profile", "/static/app.%x.js", "/healthz", "/api/v1/search?q=item%d&page=2", "/checkout/%d/confirm"}
	statuses = []int{200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 500, 502, 503}
	agents   = []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"curl/8.5.0",
		"Go-http-client/2.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
	}
	levels   = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"}
	services = []string{"payments", "orders", "auth", "search", "inventory", "gateway"}
	actions  = []string{"charge created", "order placed", "token refreshed", "query executed", "stock reserved", "request proxied", "cache miss", "retrying upstream call", "user session started"}
	months   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// Next returns the next event's message for timestamp ts (milliseconds).
// The returned string is freshly allocated.
func (c *Corpus) Next(ts int64) string {
	r := c.rng
	b := c.buf[:0]
	if r.IntN(2) == 0 {
		b = c.access(b, ts)
	} else {
		b = c.app(b, ts)
	}
	for _, nd := range Needles {
		if c.i%nd.Period == nd.Offset {
			b = append(b, ' ')
			b = append(b, nd.Term...)
		}
	}
	c.i++
	c.buf = b
	return string(b)
}

func (c *Corpus) access(b []byte, ts int64) []byte {
	r := c.rng
	b = fmt.Appendf(b, "%d.%d.%d.%d - ", 10+r.IntN(200), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	if r.IntN(4) == 0 {
		b = fmt.Appendf(b, "user%d", r.IntN(5000))
	} else {
		b = append(b, '-')
	}
	sec := ts / 1000
	day := (sec / 86400) % 28
	b = fmt.Appendf(b, " [%02d/%s/2026:%02d:%02d:%02d +0000] \"%s ", 1+day, months[(sec/86400/28)%12], (sec/3600)%24, (sec/60)%60, sec%60, methods[r.IntN(len(methods))])
	b = fmt.Appendf(b, paths[r.IntN(len(paths))], r.IntN(100000))
	b = fmt.Appendf(b, " HTTP/1.1\" %d %d \"https://shop.example.com/\" \"%s\" rt=%d.%03d", statuses[r.IntN(len(statuses))], 200+r.IntN(50000), agents[r.IntN(len(agents))], r.IntN(3), r.IntN(1000))
	return b
}

func (c *Corpus) app(b []byte, ts int64) []byte {
	r := c.rng
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = fmt.Appendf(b, `,"level":"%s","service":"%s","host":"ip-10-0-%d-%d","msg":"%s","trace_id":"%016x%016x","user_id":%d,"latency_ms":%d,"http":{"method":"%s","status":%d}}`,
		levels[r.IntN(len(levels))], services[r.IntN(len(services))], r.IntN(16), r.IntN(256), actions[r.IntN(len(actions))],
		r.Uint64(), r.Uint64(), r.IntN(100000), 1+r.IntN(r.IntN(2000)+1), methods[r.IntN(len(methods))], statuses[r.IntN(len(statuses))])
	return b
}
