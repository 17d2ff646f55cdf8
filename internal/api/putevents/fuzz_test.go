package putevents

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// FuzzDecode checks Decode against encoding/json.Unmarshal into the
// equivalent struct: both must accept or both refuse, and accepted bodies
// must decode to the same Request, into a fresh Request and into one that
// already held a request.
func FuzzDecode(f *testing.F) {
	// The nesting-limit bodies are left out: at 20 KB they slow every
	// mutation and minimization, and the table tests cover them.
	const maxSeed = 8 << 10
	for _, tt := range goodBodies {
		if len(tt.body) <= maxSeed {
			f.Add([]byte(tt.body))
		}
	}
	for _, tt := range badBodies {
		if len(tt.body) <= maxSeed {
			f.Add([]byte(tt.body))
		}
	}
	f.Add(benchBody(3))
	f.Add(benchBody(20))
	f.Add([]byte(`{"logGroupName":"/aws/lambda/orders","logStreamName":"2023/11/14/[$LATEST]0123456789abcdef","logEvents":[` +
		`{"timestamp":1700000000000,"message":"START RequestId: 8f0e1c2a Version: $LATEST\n"},` +
		`{"timestamp":1700000000001,"message":"{\"level\":\"error\",\"err\":\"dial tcp: i/o timeout\",\"path\":\"C:\\\\tmp\"}"},` +
		`{"timestamp":1700000000002,"message":"caf\u00e9 \ud83d\ude00 \u001b[31mred\u001b[0m"}]}`))

	used := benchBody(5)
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		var fresh Request
		err := Decode(body, &fresh)
		if !bytes.Equal(body, orig) {
			t.Fatal("Decode modified the body")
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("Decode error %v (%T) is not a *SyntaxError", err, err)
		}

		var pooled Request
		if err := Decode(used, &pooled); err != nil {
			t.Fatal(err)
		}
		pooledErr := Decode(body, &pooled)
		if (err == nil) != (pooledErr == nil) {
			t.Fatalf("Decode into a fresh Request: %v; into a used one: %v", err, pooledErr)
		}
		if err == nil {
			if d := diffRequest(&pooled, &fresh); d != "" {
				t.Fatalf("Decode into a used Request differs from a fresh one:%s", d)
			}
		}

		if foldsToMember(body) {
			return // encoding/json matches keys case-insensitively, Decode does not
		}
		std, stdErr := stdDecode(body)
		switch {
		case err != nil && stdErr != nil:
		case err != nil:
			t.Fatalf("Decode refuses a body encoding/json accepts: %v", err)
		case stdErr != nil:
			t.Fatalf("Decode accepts a body encoding/json refuses: %v", stdErr)
		default:
			if d := diffRequest(&fresh, &std); d != "" {
				t.Fatalf("Decode differs from encoding/json:%s", d)
			}
		}
	})
}

// TestDecodeRandomBodies runs the comparison of FuzzDecode on bodies from a
// generator that knows the request's shape, which reaches duplicate
// members, nulls, wrong types and odd strings far more often than byte
// mutation does.
func TestDecodeRandomBodies(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range n {
		g := bodyGen{rng: rng}
		g.request()
		body := g.corrupt()
		var req Request
		err := Decode(body, &req)
		if foldsToMember(body) {
			continue
		}
		std, stdErr := stdDecode(body)
		switch {
		case err != nil && stdErr != nil:
		case err != nil:
			t.Fatalf("Decode refuses a body encoding/json accepts: %v\n%q", err, body)
		case stdErr != nil:
			t.Fatalf("Decode accepts a body encoding/json refuses: %v\n%q", stdErr, body)
		default:
			if d := diffRequest(&req, &std); d != "" {
				t.Fatalf("Decode differs from encoding/json:%s\n%q", d, body)
			}
		}
	}
}

// bodyGen writes random PutLogEvents-like bodies.
type bodyGen struct {
	rng *rand.Rand
	b   []byte
}

func (g *bodyGen) one(n int) bool { return g.rng.IntN(n) == 0 }

func (g *bodyGen) pick(s ...string) string { return s[g.rng.IntN(len(s))] }

func (g *bodyGen) space() {
	for g.one(4) {
		g.b = append(g.b, g.pick(" ", "\t", "\n", "\r", "  ")...)
	}
}

func (g *bodyGen) raw(s string) {
	g.space()
	g.b = append(g.b, s...)
	g.space()
}

// object writes an object whose members come from member, which writes
// one member's value for a key.
func (g *bodyGen) object(keys []string, value func(key string)) {
	g.raw("{")
	n := g.rng.IntN(5)
	for i := range n {
		if i > 0 {
			g.raw(",")
		}
		k := keys[g.rng.IntN(len(keys))]
		g.str(k, true)
		g.raw(":")
		value(k)
	}
	g.raw("}")
}

func (g *bodyGen) request() {
	g.object([]string{"logGroupName", "logGroupIdentifier", "logStreamName", "sequenceToken", "logEvents", "logEvents", "entity", "unknown", "LogGroupName"}, func(k string) {
		switch {
		case g.one(8):
			g.raw("null")
		case g.one(12):
			g.value(0)
		case k == "logEvents":
			g.events()
		case k == "entity":
			g.object([]string{"keyAttributes", "attributes", "other"}, func(k string) {
				if k == "other" || g.one(8) {
					g.value(0)
					return
				}
				g.object([]string{"a", "b", "c", "\xff", "d\u00e9"}, func(string) {
					if g.one(6) {
						g.value(0)
					} else {
						g.randomString()
					}
				})
			})
		case k == "unknown":
			g.value(0)
		default:
			g.randomString()
		}
	})
}

func (g *bodyGen) events() {
	g.raw("[")
	n := g.rng.IntN(5)
	for i := range n {
		if i > 0 {
			g.raw(",")
		}
		if g.one(10) {
			g.value(0)
			continue
		}
		g.object([]string{"timestamp", "message", "timestamp", "message", "other", "Message"}, func(k string) {
			switch {
			case g.one(8):
				g.raw("null")
			case g.one(10) || k == "other":
				g.value(0)
			case k == "timestamp":
				g.number()
			default:
				g.randomString()
			}
		})
	}
	g.raw("]")
}

// value writes any JSON value.
func (g *bodyGen) value(depth int) {
	switch g.rng.IntN(7) {
	case 0:
		g.raw(g.pick("true", "false", "null"))
	case 1:
		g.number()
	case 2, 3:
		g.randomString()
	case 4:
		if depth > 4 {
			g.raw("[]")
			return
		}
		g.raw("[")
		for i := range g.rng.IntN(4) {
			if i > 0 {
				g.raw(",")
			}
			g.value(depth + 1)
		}
		g.raw("]")
	default:
		if depth > 4 {
			g.raw("{}")
			return
		}
		g.object([]string{"k", "message", "timestamp", ""}, func(string) { g.value(depth + 1) })
	}
}

func (g *bodyGen) number() {
	g.raw(g.pick("0", "-0", "1", "-1", "1700000000000", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.5", "1e3", "1E-2", "-0.0", "10", "123456789"))
}

// str writes s as a JSON string, escaping some characters at random.
func (g *bodyGen) str(s string, key bool) {
	g.space()
	g.b = append(g.b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			g.b = append(g.b, '\\', c)
		case c < 0x20 || (c < 0x80 && g.one(12)):
			g.b = fmt.Appendf(g.b, `\u%04x`, c)
		default:
			g.b = append(g.b, c)
		}
	}
	g.b = append(g.b, '"')
	g.space()
}

// randomString writes a string made of pieces that exercise decoding.
func (g *bodyGen) randomString() {
	g.space()
	g.b = append(g.b, '"')
	for range g.rng.IntN(8) {
		g.b = append(g.b, g.pick(
			"plain text ", "0123456789abcdef", `\"`, `\\`, `\/`, `\b\f\n\r\t`, `\u0041`, `\u00e9`, `\u20ac`,
			`\ud83d\ude00`, `\ud83d`, `\ude00`, `\uD83D\uDE00`, `\ud83d\u0041`, `\u0000`,
			"\u00e9", "\u20ac", "\U0001F600", "\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\ufffd", "\x7f",
		)...)
	}
	g.b = append(g.b, '"')
	g.space()
}

// corrupt returns the body, now and then with a byte changed, removed or
// added, so that both decoders see invalid JSON too.
func (g *bodyGen) corrupt() []byte {
	b := g.b
	if len(b) == 0 || !g.one(4) {
		return b
	}
	i := g.rng.IntN(len(b))
	const junk = "{}[]\",:\\ n0-.e\x01\xff"
	c := junk[g.rng.IntN(len(junk))]
	switch g.rng.IntN(3) {
	case 0:
		b[i] = c
	case 1:
		b = append(b[:i], b[i+1:]...)
	default:
		b = append(b[:i], append([]byte{c}, b[i:]...)...)
	}
	return b
}
