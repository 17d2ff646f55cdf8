package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logpond/logpond/internal/api/model"
)

// coverage is one row of docs/api-coverage.md.
type coverage struct {
	status    string // implemented, configuration, unsupported or planned
	exception string // for unsupported: the exception answered
}

// readCoverage parses the table of docs/api-coverage.md and checks it
// against the model: every operation exactly once, no other rows, known
// statuses.
func readCoverage(t *testing.T) map[string]coverage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "api-coverage.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]coverage{}
	for i, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(line, "| ") {
			continue
		}
		name, status := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if name == "operation" || strings.HasPrefix(name, "---") {
			continue
		}
		if _, ok := model.Lookup(name); !ok {
			t.Errorf("api-coverage.md:%d: %q is not an operation of the model", i+1, name)
			continue
		}
		if _, dup := out[name]; dup {
			t.Errorf("api-coverage.md:%d: %s listed twice", i+1, name)
		}
		c := coverage{status: status}
		if exc, ok := strings.CutPrefix(status, "unsupported: "); ok {
			c = coverage{status: "unsupported", exception: exc}
		}
		switch c.status {
		case "implemented", "configuration", "planned":
		case "unsupported":
			if op, _ := model.Lookup(name); !strings.HasSuffix(c.exception, "Exception") {
				t.Errorf("api-coverage.md:%d: %s: unsupported needs an exception, got %q", i+1, op.Name, c.exception)
			}
		default:
			t.Errorf("api-coverage.md:%d: %s: unknown status %q", i+1, name, status)
		}
		out[name] = c
	}
	for _, op := range model.Operations() {
		if _, ok := out[op.Name]; !ok {
			t.Errorf("api-coverage.md does not list %s", op.Name)
		}
	}
	return out
}

// TestCoverageDoc checks docs/api-coverage.md against the server: planned
// operations are exactly those without a handler. (Unsupported operations
// are checked to answer their exception by TestConformanceMinimalRequests.)
func TestCoverageDoc(t *testing.T) {
	cov := readCoverage(t)
	if len(cov) != len(model.Operations()) {
		t.Errorf("api-coverage.md lists %d operations, the model has %d", len(cov), len(model.Operations()))
	}
	s := startConf(t)
	for _, op := range model.Operations() {
		// A request with an invalid body reaches validation only if the
		// operation is routed; unrouted ones answer UnknownOperationException
		// whatever the body.
		r := post(s.h, op.Name, []any{})
		routed := r.typ != "UnknownOperationException"
		if planned := cov[op.Name].status == "planned"; planned == routed {
			t.Errorf("%s: documented as %s, but the server answers %v", op.Name, cov[op.Name].status, r)
		}
	}
}
