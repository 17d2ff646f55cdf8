package report

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func TestFindingEvents(t *testing.T) {
	doc, err := os.ReadFile("testdata/sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDocument(doc, "", false)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{id: "0123456789abcdef", tool: d.tool, now: testNow, maxEvent: 1 << 18}
	evs := r.findingEvents(d)
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6", len(evs))
	}
	for _, e := range evs {
		if e.Timestamp != testNow.UnixMilli() {
			t.Fatalf("timestamp %d", e.Timestamp)
		}
	}
	wantSummary := `{"type":"summary","runId":"0123456789abcdef","tool":"bandit","version":"1.7.9","timestamp":"2025-03-04T05:06:07.89Z",` +
		`"format":"sarif","findings":5,"suppressed":1,"severityCounts":{"CRITICAL":2,"HIGH":1,"INFO":0,"LOW":1,"MEDIUM":1},"reporter":"logpond report"}`
	if evs[0].Message != wantSummary {
		t.Errorf("summary\n got %s\nwant %s", evs[0].Message, wantSummary)
	}
	wantFinding := `{"type":"finding","runId":"0123456789abcdef","index":3,"tool":"bandit","severity":"HIGH","ruleId":"B301",` +
		`"message":"Pickle <unsafe> & slow","suppressed":true,"finding":{"ruleId":"B301","message":{"text":"Pickle <unsafe> & slow"},"suppressions":[{"kind":"inSource"}]}}`
	if evs[3].Message != wantFinding {
		t.Errorf("finding\n got %s\nwant %s", evs[3].Message, wantFinding)
	}
	if !strings.Contains(evs[5].Message, `"tool":"semgrep"`) {
		t.Errorf("the second run's finding names its own tool: %s", evs[5].Message)
	}
}

func TestFindingTooLarge(t *testing.T) {
	big := strings.Repeat("x", 5000)
	doc := `{"findings": [{"severity": "HIGH", "message": "` + big + `", "blob": "` + big + `"}]}`
	d, err := parseDocument([]byte(doc), "", false)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{id: "id", now: testNow, maxEvent: 2000}
	evs := r.findingEvents(d)
	var fe findingEvent
	if err := json.Unmarshal([]byte(evs[1].Message), &fe); err != nil {
		t.Fatal(err)
	}
	if len(evs[1].Message) > 2000 || !fe.FindingOmitted || fe.FindingBytes != len(d.findings[0].raw) || fe.Severity != High || !strings.HasSuffix(fe.Message, "…[truncated]") {
		t.Fatalf("event of %d bytes: %+v", len(evs[1].Message), fe)
	}
}

func TestWholeEvents(t *testing.T) {
	r := &run{id: "id", tool: "t", now: testNow, maxEvent: 300}
	small := `{ "a" : [1, 2] }`
	if evs := r.wholeEvents([]byte(small)); len(evs) != 1 || evs[0].Message != `{"a":[1,2]}` {
		t.Fatalf("small document: %+v", evs)
	}
	var items []string
	for i := range 100 {
		items = append(items, `{"k":"quote \" back \\ tab \t é € \u2028 <&>","i":`+strings.Repeat("9", i%7+1)+`}`)
	}
	doc := `[` + strings.Join(items, ",") + `]`
	evs := r.wholeEvents([]byte(doc))
	if len(evs) < 10 {
		t.Fatalf("%d parts", len(evs))
	}
	var joined strings.Builder
	for i, e := range evs {
		if len(e.Message) > 300 {
			t.Fatalf("part %d has %d bytes", i+1, len(e.Message))
		}
		var p partEvent
		if err := json.Unmarshal([]byte(e.Message), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "document-part" || p.Part != i+1 || p.Parts != len(evs) || p.RunID != "id" || p.Tool != "t" {
			t.Fatalf("part %d: %+v", i+1, p)
		}
		joined.WriteString(p.Data)
	}
	if joined.String() != string(compact([]byte(doc))) {
		t.Fatalf("the parts do not join into the document")
	}
}

func TestStreamName(t *testing.T) {
	for tool, want := range map[string]string{
		"bandit":                               "bandit-20250304T050607Z-01234567",
		"AWS Labs - Automated Security Helper": "aws-labs-automated-security-helper-20250304T050607Z-01234567",
		"a:b*c":                                "a-b-c-20250304T050607Z-01234567",
		"":                                     "report-20250304T050607Z-01234567",
		"***":                                  "report-20250304T050607Z-01234567",
	} {
		if got := streamName(tool, testNow, "0123456789abcdef"); got != want {
			t.Errorf("streamName(%q) = %q, want %q", tool, got, want)
		}
	}
}

func TestApplyEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	f := func(c Config, getenv func(string) string, region, group string) {
		t.Helper()
		c.ApplyEnv(getenv)
		if c.Region != region || c.LogGroup != group {
			t.Errorf("region %q group %q, want %q %q", c.Region, c.LogGroup, region, group)
		}
	}
	all := env("AWS_REGION", "r1", "AWS_DEFAULT_REGION", "r2", "LOGPOND_LOG_GROUP_NAME", "g1", "ASH_CLOUDWATCH_LOG_GROUP_NAME", "g2")
	f(Config{Region: "flag", LogGroup: "flag"}, all, "flag", "flag")
	f(Config{}, all, "r1", "g1")
	f(Config{}, env("AWS_DEFAULT_REGION", "r2", "ASH_CLOUDWATCH_LOG_GROUP_NAME", "g2"), "r2", "g2")
	f(Config{}, env("AWS_REGION", " ", "LOGPOND_LOG_GROUP_NAME", ""), "", "")
}

func TestHugeFieldsStayWithinLimits(t *testing.T) {
	huge := strings.Repeat("t", 10_000)
	doc := `{"tool": "` + huge + `", "version": "` + huge + `", "findings": [{"severity": "` + huge + `", "id": "` + huge + `", "file": "` + huge + `"}]}`
	d, err := parseDocument([]byte(doc), "", false)
	if err != nil {
		t.Fatal(err)
	}
	d.tool = clip(d.tool, 256)
	r := &run{id: "id", tool: d.tool, now: testNow, maxEvent: 8000}
	for _, e := range append(r.findingEvents(d), r.wholeEvents([]byte(doc))...) {
		if len(e.Message) > 8000 || !json.Valid([]byte(e.Message)) {
			t.Fatalf("event of %d bytes: %.200s", len(e.Message), e.Message)
		}
	}
}

func TestManySeverityWords(t *testing.T) {
	var items []string
	for i := range 100 {
		items = append(items, `{"severity": "word`+strings.Repeat("x", i)+`"}`)
	}
	d, err := parseDocument([]byte(`[`+strings.Join(items, ",")+`]`), "", false)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{id: "id", now: testNow, maxEvent: 1 << 18}
	var sum summaryEvent
	if err := json.Unmarshal([]byte(r.findingEvents(d)[0].Message), &sum); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range sum.SeverityCounts {
		total += n
	}
	if len(sum.SeverityCounts) > maxSeverityKeys+1 || total != 100 || sum.SeverityCounts["OTHER"] != 100-(maxSeverityKeys-5) {
		t.Fatalf("counts %v", sum.SeverityCounts)
	}
}
