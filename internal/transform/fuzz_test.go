package transform

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRun runs arbitrary transformers on arbitrary events: nothing may
// panic, and an event comes back unchanged or as a JSON object.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("testdata/cases/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var c goldenCase
		if err := json.Unmarshal(b, &c); err != nil {
			f.Fatal(err)
		}
		for _, m := range c.LogEventMessages {
			f.Add(string(c.TransformerConfig), m)
		}
	}
	f.Add(`[{"grok":{"match":"%{IP:a.b} %{GREEDYDATA:a}"}}]`, "10.0.0.1 x")
	f.Add(`[{"csv":{"quoteCharacter":"'","columns":["a"]}},{"moveKeys":{"entries":[{"source":"a","target":"a.a"}]}}]`, "'x',y")
	f.Add(`[{"parseKeyValue":{"nonMatchValue":"?"}},{"renameKeys":{"entries":[{"key":"a","renameTo":"a.b"}]}}]`, "a=1&b")
	f.Fuzz(func(t *testing.T, config, event string) {
		p, err := Parse(json.RawMessage(config))
		if err != nil {
			return
		}
		out, err := p.Run([]string{event})
		if err != nil {
			return
		}
		if len(out) != 1 {
			t.Fatalf("%d results", len(out))
		}
		if out[0] != event && !json.Valid([]byte(out[0])) {
			t.Fatalf("not JSON: %q", out[0])
		}
	})
}

// FuzzDateTime reads arbitrary values with arbitrary patterns.
func FuzzDateTime(f *testing.F) {
	f.Add("yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX", "2024-05-01T10:00:00.123+02:00", "EEE, d MMM yyyy HH:mm:ss zzz")
	f.Add("EEEE dd. MMMM yyyy HH:mm:ss", "Samstag 05. Dezember 1998 11:00:00", "yyyy-MM-dd'T'HH:mm:ss z")
	f.Add("dd/MMM/yyyy:HH:mm:ss Z", "10/Oct/2000:13:55:36 -0700", "ZZZZ VV x")
	f.Add("yyyy-MM-dd HH:mm z", "2024-07-04 09:00 Europe/Paris", "h a")
	f.Fuzz(func(t *testing.T, pattern, value, target string) {
		for _, loc := range []string{"", "de"} {
			c, err := newDateTimeConverter(dateTimeConfig{MatchPatterns: []string{pattern}, TargetFormat: target, Locale: loc})
			if err != nil {
				return
			}
			c.convert(value)
		}
	})
}
