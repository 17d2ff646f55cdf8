package query

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/logpond/logpond/internal/loadgen"
)

// fastNameSets are the sets of JSON names the differential tests read:
// each becomes a jsonExtractor (slots numbered in order).
var fastNameSets = [][]string{
	{"latency_ms", "service"},
	{"level"},
	{"a"},
	{"a", "b"},
	{"a", "b", "é", ""},
	{"http", "msg", "ts"},
	{"ts", "level", "service", "host", "msg", "trace_id", "user_id", "latency_ms", "http"},
	{"missing"},
	{"a.b"}, // a prefix: no fast path
}

func newTestExtractor(names []string) *jsonExtractor {
	slots := map[string]int{}
	for i, n := range names {
		slots[n] = i
	}
	return newJSONExtractor(slots)
}

// slowFields is what the general walk finds in msg, by slot.
func slowFields(f *flatScan, x *jsonExtractor, msg string) map[int]Value {
	got := map[int]Value{}
	f.extract(x, msg, func(slot int, v Value) { got[slot] = v })
	return got
}

// fastFields is what fastTop finds, by slot; ok as fastTop's.
func fastFields(f *flatScan, x *jsonExtractor, msg string) (map[int]Value, bool) {
	found, ok := f.fastTop(x, msg)
	if !ok {
		return nil, false
	}
	got := map[int]Value{}
	for i := range x.top {
		if found&(1<<i) != 0 {
			got[x.top[i].slot] = f.vals[i]
		}
	}
	return got, true
}

func sameValue(a, b Value) bool {
	return a.k == b.k && a.s == b.s && math.Float64bits(a.n) == math.Float64bits(b.n) && a.j == nil && b.j == nil
}

// inMessage reports whether s lies within msg's memory (no copy).
func inMessage(s, msg string) bool {
	if s == "" {
		return true
	}
	p, base := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(msg)))
	return p >= base && p+uintptr(len(s)) <= base+uintptr(len(msg))
}

// checkFastPath checks that, when fastTop accepts msg, it finds exactly
// what the general walk finds, as pieces of msg. It returns whether it
// accepted.
func checkFastPath(t testing.TB, x *jsonExtractor, msg string) bool {
	t.Helper()
	var f, g flatScan
	want := slowFields(&g, x, msg)
	if x.top == nil {
		return false
	}
	got, ok := fastFields(&f, x, msg)
	if !ok {
		return false
	}
	if len(got) != len(want) {
		t.Fatalf("%q (names %v): fast path found %v, general walk %v", msg, x.top, got, want)
	}
	for slot, w := range want {
		if v, ok := got[slot]; !ok || !sameValue(v, w) {
			t.Fatalf("%q (names %v): slot %d is %+v on the fast path, %+v by the general walk", msg, x.top, slot, got[slot], w)
		}
		if !inMessage(got[slot].s, msg) {
			t.Fatalf("%q: value %q of slot %d is a copy", msg, got[slot].s, slot)
		}
	}
	return true
}

// adversarialJSON are messages the fast path must either get exactly right
// or leave to the general walk.
var adversarialJSON = []string{
	`{}`, ` { } `, "\t\r\n{\"a\":1}\n", `{"a":1} x`, `{"a":1}}`, `{"a":1`, `{"a"`, `{"a":}`, `{"a"1}`,
	`{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{"a":1,"b":2}`, `{"b":2,"a":1}`, `{ "a" : "x" , "b" : true }`,
	`{"a":-}`, `{"a":-0}`, `{"a":-12}`, `{"a":1e5}`, `{"a":1.5}`, `{"a":+1}`, `{"a":0123}`, `{"a":.5}`,
	`{"a":123456789012345}`, `{"a":1234567890123456}`, `{"a":99999999999999999999}`, `{"a":12a}`, `{"a":1-2}`,
	`{"a":true}`, `{"a":false}`, `{"a":null}`, `{"a":tru}`, `{"a":nulls}`, `{"a":True}`, `{"a":nul`,
	`{"a":"x"}`, `{"a":""}`, `{"a":"pay\"ments"}`, `{"a":"\u00e9t\u00E9"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\x"}`,
	`{"a":"\u12"}`, `{"a":"tab	in"}`, "{\"a\":\"\xff\xfe\"}", "{\"a\":\"caf\xc3\xa9\"}", `{"a":"é"}`, `{"a":"x`,
	`{"lat\u0065ncy_ms":5,"service":"s"}`, `{"\u0061":1}`, `{"a\"":1,"a":2}`, `{"\x":1,"a":2}`, `{"é":3,"a":1}`,
	"{\"\xff\":1,\"a\":2}", `{"":1,"a":2}`, `{"":{"a":1},"a":2}`,
	`{"a":1,"a":2}`, `{"a":null,"a":2}`, `{"a":1,"a":+1}`, `{"a":1,"b":2,"a":3}`, `{"a":{"b":1},"a":2}`,
	`{"a":[1,2],"b":3}`, `{"a":{"b":1}}`, `{"a":{"b":"}"},"b":"]"}`, `{"x":[[[{"a":1}]]],"a":2}`, `{"x":[1,2}`,
	`{"x":"\\\"","a":1}`, `{"x":"\\","a":1}`, `{"x":"a\\\\","a":"b"}`, `{"x":{"y":"\"}"},"a":1}`, `{"x":{"a":1},"a":[]}`,
	`{"a.b":1}`, `{"a":{"b":2},"a.b":1}`, `[1]`, `"x"`, `1`, `x`, ``, `{`, `}`,
	`{"ts":1767225600000,"level":"INFO","service":"payments","host":"ip-10-0-3-4","msg":"charge created","trace_id":"0123456789abcdef0123456789abcdef","user_id":42,"latency_ms":17,"http":{"method":"GET","status":200}}`,
	`{"ts":1,"level":"INFO","service":"pay\u006dents","latency_ms":17}`,
	`{"service":"payments","latency_ms":17,"latency_ms":18,"service":"x"}`,
	`{"service":null,"latency_ms":null,"service":"a","latency_ms":"5"}`,
	`{"msg":"x","latency_ms":17.25e1,"service":"日本"}`,
	`{"level":"INFO"} NEEDLE-f00d-cafe`,
}

func TestJSONFastPathAdversarial(t *testing.T) {
	accepted := 0
	for _, names := range fastNameSets {
		x := newTestExtractor(names)
		for _, msg := range adversarialJSON {
			if checkFastPath(t, x, msg) {
				accepted++
			}
			// Longer messages reach the eight-bytes-at-a-time loops.
			pad := `{"padding_key_long":"` + strings.Repeat("p", 37) + `","n":12345678901234,` + strings.TrimPrefix(strings.TrimSpace(msg), "{")
			checkFastPath(t, x, pad)
		}
	}
	if accepted == 0 {
		t.Fatal("the fast path accepted no message")
	}
	if newTestExtractor([]string{"a.b"}).top != nil || newTestExtractor([]string{"a", "a.b"}).top != nil {
		t.Error("names with a '.' must not take the fast path")
	}
}

// TestJSONFastPathCorpus compares the fast path with the general walk over
// the loadgen corpus, and checks that it handles every well-formed JSON
// event of it.
func TestJSONFastPathCorpus(t *testing.T) {
	n := 50_000
	if testing.Short() {
		n = 5_000
	}
	for _, names := range fastNameSets {
		x := newTestExtractor(names)
		c := loadgen.NewCorpus(3)
		for i := 0; i < n; i++ {
			msg := c.Next(int64(1_767_225_600_000 + i))
			if !looksLikeJSON(msg) {
				continue
			}
			// Events with a needle after the object are malformed: the
			// fast path may leave them to the general walk.
			if ok := checkFastPath(t, x, msg); !ok && x.top != nil && strings.HasSuffix(msg, "}") {
				t.Fatalf("names %v: the fast path gave up on corpus event %q", names, msg)
			}
		}
	}
}

// TestJSONFastPathQueries runs queries over the corpus and the adversarial
// messages with and without the fast path: the results must be equal.
func TestJSONFastPathQueries(t *testing.T) {
	c := loadgen.NewCorpus(5)
	var events []*Event
	for i := 0; i < 20_000; i++ {
		ts := int64(1_767_225_600_000 + i*1000)
		events = append(events, &Event{Timestamp: ts, Ingestion: ts, Seq: uint64(i + 1), Message: c.Next(ts), Stream: "s", Group: "g"})
	}
	for i, msg := range adversarialJSON {
		ts := int64(1_767_225_600_000 + i)
		events = append(events, &Event{Timestamp: ts, Ingestion: ts, Seq: uint64(100_000 + i), Message: msg, Stream: "s", Group: "g"})
	}
	for _, src := range []string{
		"stats pct(latency_ms, 99) by service",
		"stats count(*), sum(latency_ms), avg(user_id) by level, service",
		"stats count_distinct(trace_id) by service | sort service",
		`filter level = "ERROR" | sort @timestamp desc | limit 100`,
		"fields a, b, service, latency_ms | sort @timestamp desc | limit 200",
		"stats count(*) by a",
		"fields http.status, service | filter ispresent(http.status) | limit 50",
	} {
		fast, err := ParseInsights(src)
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := ParseInsights(src)
		if slow.plan.json != nil {
			x := *slow.plan.json
			x.top = nil
			slow.plan.json = &x
			slow.plan.direct = nil // it reads json.top
		}
		want, err := slow.Execute(slices.Values(events), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := fast.Execute(slices.Values(events), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d rows with the fast path, %d without; first rows %v, %v", src, len(got.Rows), len(want.Rows), got.Rows[:min(3, len(got.Rows))], want.Rows[:min(3, len(want.Rows))])
		}
	}
}

func TestJSONFastPathAllocs(t *testing.T) {
	x := newTestExtractor([]string{"latency_ms", "service"})
	msg := adversarialJSON[slices.IndexFunc(adversarialJSON, func(s string) bool { return strings.HasPrefix(s, `{"ts":1767225600000`) })]
	var f flatScan
	f.fastTop(x, msg)
	if n := testing.AllocsPerRun(100, func() { f.fastTop(x, msg) }); n != 0 {
		t.Errorf("fastTop allocates %v times per message", n)
	}
}

func TestDigitRunEnd(t *testing.T) {
	for b := 0; b < 256; b++ {
		for pos := 0; pos < 12; pos++ {
			m := []byte(strings.Repeat("7", 12) + "12345")
			m[pos] = byte(b)
			want := pos
			if b >= '0' && b <= '9' {
				want = len(m)
			}
			if got := digitRunEnd(string(m), 0); got != want {
				t.Fatalf("%q: %d, want %d", m, got, want)
			}
		}
	}
}

// FuzzJSONFastPath checks the fast path against the general walk.
func FuzzJSONFastPath(f *testing.F) {
	for _, msg := range adversarialJSON {
		f.Add(msg)
	}
	xs := make([]*jsonExtractor, len(fastNameSets))
	for i, names := range fastNameSets {
		xs[i] = newTestExtractor(names)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, x := range xs {
			checkFastPath(t, x, msg)
		}
	})
}
