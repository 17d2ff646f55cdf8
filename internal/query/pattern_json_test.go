package query

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// refJSONMatch is a reference for jsonPattern.match built on encoding/json:
// it decodes the whole message into a tree and walks the selectors over it.
// It shares the comparisons with the streaming matcher, so what it checks is
// the scanner: validation, selector navigation, duplicates, unescaping.
//
// defined is false where the two are allowed to differ: a pattern with a
// wildcard over an event with a repeated property, where encoding/json keeps
// one value and the scanner sees every occurrence.
func refJSONMatch(p *jsonPattern, msg string) (ok bool, vals map[string]string, defined bool) {
	if !json.Valid([]byte(msg)) {
		return false, nil, true
	}
	wildcard := false
	for _, s := range p.selectors {
		wildcard = wildcard || s.wildcard
	}
	if wildcard && hasDuplicateKeys(msg) {
		return false, nil, false
	}
	dec := json.NewDecoder(strings.NewReader(msg))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		panic("json.Valid accepted what Decode refuses: " + err.Error())
	}
	resolved := make([][]any, len(p.selectors))
	for i, s := range p.selectors {
		resolved[i] = refResolve(root, s.steps)
	}
	if !refEval(p, p.expr.root, resolved) {
		return false, nil, true
	}
	for i, s := range p.selectors {
		if s.wildcard || len(resolved[i]) != 1 {
			continue
		}
		if text, ok := refText(resolved[i][0]); ok {
			if vals == nil {
				vals = map[string]string{}
			}
			vals[s.text] = text
		}
	}
	return true, vals, true
}

func refResolve(v any, steps []selStep) []any {
	cur := []any{v}
	for _, st := range steps {
		var next []any
		for _, c := range cur {
			m, isMap := c.(map[string]any)
			a, isArray := c.([]any)
			switch {
			case st.kind == stepField && isMap:
				if x, ok := m[st.name]; ok {
					next = append(next, x)
				}
			case st.kind == stepIndex && isArray && st.index < len(a):
				next = append(next, a[st.index])
			case st.kind == stepAnyField && isMap:
				for _, x := range m {
					next = append(next, x)
				}
			case st.kind == stepAnyIndex && isArray:
				next = append(next, a...)
			}
		}
		cur = next
	}
	return cur
}

func refText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

func refEval(p *jsonPattern, n int, resolved [][]any) bool {
	nd := p.expr.nodes[n]
	switch nd.op {
	case exprAnd:
		return refEval(p, nd.l, resolved) && refEval(p, nd.r, resolved)
	case exprOr:
		return refEval(p, nd.l, resolved) || refEval(p, nd.r, resolved)
	}
	c := p.conds[nd.leaf]
	vals := resolved[c.sel]
	if c.kind == condNotExists {
		return len(vals) == 0
	}
	for _, v := range vals {
		switch c.kind {
		case condIsNull:
			if v == nil {
				return true
			}
		case condIsTrue:
			if v == true {
				return true
			}
		case condIsFalse:
			if v == false {
				return true
			}
		case condCompare:
			if text, ok := refText(v); ok && c.cmp.test(text) {
				return true
			}
		}
	}
	return false
}

// hasDuplicateKeys reports whether an object in the valid JSON msg repeats
// a property name.
func hasDuplicateKeys(msg string) bool {
	dec := json.NewDecoder(strings.NewReader(msg))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if len(stack) > 0 && stack[len(stack)-1].isObject && stack[len(stack)-1].wantKey {
			top := &stack[len(stack)-1]
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, isObject: true, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value (or the end of a container) finished: the enclosing
		// object wants a key next.
		if len(stack) > 0 && stack[len(stack)-1].isObject {
			stack[len(stack)-1].wantKey = true
		}
	}
}

var jsonReferencePatterns = []string{
	`{ $.eventType = "UpdateTrail" }`,
	`{ $.a.b = 1 }`,
	`{ $.a.b NOT EXISTS }`,
	`{ $.a[0] IS NULL || $.a[1] IS TRUE || $.a[2] IS FALSE }`,
	`{ $.* = %x% }`,
	`{ $.a[*].b > 2 }`,
	`{ $.a.* != "q" && $.c = * }`,
	`{ $.['k.x'] = "v" || $[0] = 1 }`,
	`{ ($.n >= 1e-3 && $.n < 10) || $.s = "caf*" }`,
	`{ $.a.b = 1 && $.*.c = 2 && $.a.* = 3 }`,
}

var jsonReferenceMessages = []string{
	`{"eventType":"UpdateTrail"}`,
	`{"a":{"b":1},"a":{"c":2}}`,
	`{"a":{"b":2,"b":1}}`,
	`{"a":[null,true,false]}`,
	`{"a":"x","b":"yxy"}`,
	`{"a":[{"b":1},{"b":3}],"c":null}`,
	`{"a":{"p":"q","r":"s"},"c":0}`,
	`{"k.x":"v"}`, `[1]`, `[0,1]`,
	`{"n":0.001}`, `{"n":"5"}`, `{"s":"café"}`, `{"s":"caf\u00e9"}`, `{"s":"caf\ud800"}`,
	"{\"s\":\"caf\xff\"}", `{"\u0061":{"b":1}}`, `{"a":{"b":1,"c":2,"d":3}}`,
	`{"a" : { "b" : 1 } } `, `{"a":{"b":1}`, `{"a":{"b":01}}`, `{"a":{"b":1}}x`, ``, ` `, `nul`,
	`{"a":{"b":-0.0e+00}}`, `{"a":{"b":1E400}}`, `{"a":[[[[]]]]}`, `"\ud83d\ude00"`,
}

func TestJSONMatchesReference(t *testing.T) {
	for _, ps := range jsonReferencePatterns {
		p, err := ParseFilterPattern(ps)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range jsonReferenceMessages {
			compareWithReference(t, p, msg)
		}
	}
}

func compareWithReference(t *testing.T, p *FilterPattern, msg string) {
	t.Helper()
	want, wantVals, defined := refJSONMatch(p.json, msg)
	if !defined {
		return
	}
	got, gotVals := p.MatchExtract(msg)
	if got != want || !maps.Equal(gotVals, wantVals) {
		t.Errorf("pattern %s, message %q: got %v %q, reference %v %q", p, msg, got, gotVals, want, wantVals)
	}
}

func TestJSONNestingLimit(t *testing.T) {
	p, err := ParseFilterPattern(`{ $.a NOT EXISTS }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, depth := range []int{maxJSONDepth, maxJSONDepth + 1} {
		msg := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		if got, want := p.Match(msg), json.Valid([]byte(msg)); got != want {
			t.Errorf("depth %d: Match = %v, json.Valid = %v", depth, got, want)
		}
	}
}

func TestAppendUnquotedMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`plain`, `tab\tnew\nline`, `\"\\\/\b\f\r`, `\u00e9\u4e16`, `\ud83d\ude00`, `\ud83d`, `\ud83dx`,
		`\ude00\ud83d`, `\ud83d\u0041`, "bad\xffutf8\xc3", `\u0000`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &want); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := string(appendUnquoted(nil, s)); got != want {
			t.Errorf("appendUnquoted(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzJSONMatch compares the streaming JSON matcher with the encoding/json
// reference on fuzzed patterns and events.
func FuzzJSONMatch(f *testing.F) {
	for _, p := range jsonReferencePatterns {
		for _, m := range jsonReferenceMessages {
			f.Add(p, m)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		p, err := ParseFilterPattern(pattern)
		if err != nil || p.Kind() != PatternJSON {
			return
		}
		compareWithReference(t, p, msg)
		// The message as a value inside an object exercises unescaping of
		// arbitrary text.
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(map[string]string{"s": msg, msg: "k"}); err == nil {
			compareWithReference(t, p, buf.String())
		}
	})
}
