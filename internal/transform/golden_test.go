package transform

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenCase is a file of testdata/cases: a transformer and sample events
// (in the formats AWS documents). Its golden file has one transformed
// event a line.
type goldenCase struct {
	TransformerConfig json.RawMessage `json:"transformerConfig"`
	LogEventMessages  []string        `json:"logEventMessages"`
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c goldenCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			p, err := Parse(c.TransformerConfig)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := p.Run(c.LogEventMessages)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := strings.Join(out, "\n") + "\n"
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			if len(gotLines) != len(wantLines) {
				t.Fatalf("%d lines, golden has %d:\n%s", len(gotLines), len(wantLines), got)
			}
			for i := range gotLines {
				if gotLines[i] != wantLines[i] {
					t.Errorf("event %d:\n got %s\nwant %s", i+1, gotLines[i], wantLines[i])
				}
			}
		})
	}
}
