package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDocument feeds any bytes to the reader and the event builders: no
// panic, and every event is valid JSON within the size limit.
func FuzzDocument(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "", false)
		}
	}
	f.Add([]byte(`{"a":{"b":[{"severity":9.5}]}}`), "a.b", false)
	f.Add([]byte(`[1,"x",null,{"severity":{"label":"high"}}]`), "", true)
	f.Fuzz(func(t *testing.T, doc []byte, path string, whole bool) {
		d, err := parseDocument(doc, path, whole)
		if err != nil {
			return
		}
		r := &run{id: "id", tool: d.tool, now: testNow, maxEvent: 400}
		evs := r.findingEvents(d)
		if whole {
			evs = r.wholeEvents(doc)
		}
		for _, e := range evs {
			if len(e.Message) > 400 && !whole {
				// A finding event over the limit only if its fixed fields are.
				var fe findingEvent
				json.Unmarshal([]byte(e.Message), &fe)
				if fe.Finding != nil {
					t.Fatalf("event of %d bytes kept its finding", len(e.Message))
				}
			}
			if whole && len(e.Message) > 400 {
				t.Fatalf("whole part of %d bytes", len(e.Message))
			}
			if !json.Valid([]byte(e.Message)) {
				t.Fatalf("event is not JSON: %s", e.Message)
			}
		}
	})
}
