package report

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// brief renders a finding's fields for comparison.
func brief(f finding) string {
	var parts []string
	for _, p := range []string{f.severity, f.ruleID, f.location, f.message} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if f.suppressed {
		parts = append(parts, "(suppressed)")
	}
	return strings.Join(parts, " ")
}

func TestParseDocument(t *testing.T) {
	f := func(file, path, format, meta string, want ...string) {
		t.Helper()
		doc, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := parseDocument(doc, path, false)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if d.format != format {
			t.Errorf("%s: format %q, want %q", file, d.format, format)
		}
		if got := d.tool + "|" + d.version + "|" + d.target; got != meta {
			t.Errorf("%s: tool|version|target = %q, want %q", file, got, meta)
		}
		var got []string
		for _, f := range d.findings {
			got = append(got, brief(f))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: findings\n got %q\nwant %q", file, got, want)
		}
	}
	f("sarif.json", "", FormatSARIF, "bandit|1.7.9|",
		"LOW B105 app/config.py:12 Possible hardcoded password: 'hunter2'",
		"CRITICAL B602 app/run.py:40 subprocess call with shell=True",
		"HIGH B301 Pickle <unsafe> & slow (suppressed)",
		"MEDIUM X1 no rule, no level",
		"CRITICAL js.xss XSS")
	f("ash.json", "", FormatASH, "ASH|3.0.0|payments-api",
		"HIGH CKV_AWS_18 infra/s3.tf:3 S3 bucket without access logging",
		"LOW detect-secrets Base64 high entropy string")
	f("findings.json", "", FormatFindings, "trivy|0.50.1|registry/app:1.2",
		"HIGH CVE-2024-0001 usr/lib/libssl.so openssl overflow",
		"CRITICAL F2 Security Hub finding",
		"MEDIUM R3 src/a.go:7 thing",
		"LOW R4",
		"UNKNOWN",
		"UNKNOWN")
	f("results.json", "", FormatResults, "||", "LOW B101 t.py:5 assert used")
	f("array.json", "", FormatArray, "||", "INFO one", "CRITICAL two")
	f("custom.json", "scan.reports[].items", FormatPath, "||", "LOW", "MEDIUM", "HIGH")
	f("custom.json", "$.scan.reports.*.items", FormatPath, "||", "LOW", "MEDIUM", "HIGH")
	f("custom.json", "scan.reports.1.items", FormatPath, "||", "HIGH")
	// A path reads the same results as plain findings: SARIF's rules are
	// not consulted.
	f("sarif.json", "runs[].results", FormatPath, "||",
		"UNKNOWN B105 Possible hardcoded password: 'hunter2'",
		"HIGH B602 subprocess call with shell=True",
		"UNKNOWN B301 Pickle <unsafe> & slow",
		"UNKNOWN X1 no rule, no level",
		"MEDIUM XSS")
}

func TestParseDocumentRefuses(t *testing.T) {
	f := func(doc, path, want string) {
		t.Helper()
		_, err := parseDocument([]byte(doc), path, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s (path %q): error %v, want %q", doc, path, err, want)
		}
	}
	f(`{"a":`, "", "not valid JSON")
	f(``, "", "not valid JSON")
	f(`{"a": 1}`, "", "no findings found")
	f(`"text"`, "", "no findings found")
	f(`{"a": {"b": 1}}`, "a.b", "not an array")
	f(`{"a": {"b": 1}}`, "a.c", "matches nothing")
	f(`{"a": 1}`, "a..b", "empty part")
	f(`{"runs": 5}`, "", "SARIF runs")
	// --whole takes any JSON.
	if d, err := parseDocument([]byte(`{"a": 1}`), "", true); err != nil || len(d.findings) != 0 {
		t.Errorf("whole: %v", err)
	}
}

func TestSeverityOf(t *testing.T) {
	for in, want := range map[string]string{
		`"High"`: High, `"moderate"`: Medium, `"Very High"`: Critical, `"weird"`: "WEIRD", `""`: "",
		`9.0`: Critical, `7`: High, `"4.5"`: Medium, `0.1`: Low, `0`: Info,
		`{"Label": "LOW"}`: Low, `{"x": 1}`: "", `null`: "", `[1]`: "",
	} {
		if got := severityOf([]byte(in)); got != want {
			t.Errorf("severityOf(%s) = %q, want %q", in, got, want)
		}
	}
}
