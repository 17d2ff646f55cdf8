package query

import (
	"os"
	"path/filepath"
	"testing"
)

// runScripts runs every script file matching glob through run, which
// returns the script as the code would write it; with -update the files are
// rewritten with that output.
func runScripts(t *testing.T, glob string, run func(t *testing.T, file, script string) string) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out := run(t, file, string(data))
			if *update && out != string(data) {
				if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
