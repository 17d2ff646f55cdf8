package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Formats of input documents, as the summary event names them.
const (
	FormatSARIF    = "sarif"    // SARIF 2.1: runs[].results[]
	FormatASH      = "ash"      // ASH aggregated results: sarif.runs[].results[] and metadata
	FormatFindings = "findings" // an object with a top-level "findings" array
	FormatResults  = "results"  // an object with a top-level "results" array
	FormatArray    = "array"    // the document is an array of findings
	FormatPath     = "path"     // findings where FindingsPath says
)

// document is an input document read for its findings.
type document struct {
	format                string
	tool, version, target string
	findings              []finding
}

// finding is one finding: its JSON as the document has it, compacted, and
// the fields every finding event carries.
type finding struct {
	raw        json.RawMessage
	tool       string
	severity   string
	ruleID     string
	message    string
	location   string
	suppressed bool
}

// errNoFindings says that a document has none of the known shapes.
var errNoFindings = errors.New("no findings found: expected SARIF (runs[].results[]), ASH aggregated results, " +
	"a top-level findings or results array, or an array of findings; name another place with --findings-path, or send the document whole with --whole")

// parseDocument reads doc's metadata and, unless whole is set, its
// findings.
func parseDocument(doc []byte, findingsPath string, whole bool) (*document, error) {
	doc = bytes.TrimSpace(doc)
	if !json.Valid(doc) {
		return nil, errors.New("the document is not valid JSON")
	}
	d := &document{}
	var top map[string]json.RawMessage
	isObject := len(doc) > 0 && doc[0] == '{'
	if isObject {
		if err := json.Unmarshal(doc, &top); err != nil {
			return nil, err
		}
		d.describe(top)
	}
	var err error
	switch {
	case findingsPath != "":
		d.format = FormatPath
		if !whole {
			err = d.readPath(doc, findingsPath)
		}
	case isObject && top["runs"] != nil:
		d.format = FormatSARIF
		err = d.readSARIF(top["runs"], whole)
	case isObject && isSARIF(top["sarif"]):
		d.format = FormatASH
		var ash struct{ Runs json.RawMessage }
		json.Unmarshal(top["sarif"], &ash)
		err = d.readSARIF(ash.Runs, whole)
	case isObject && isArray(lookup(top, "findings")):
		d.format = FormatFindings
		if !whole {
			err = d.readPlain(lookup(top, "findings"))
		}
	case isObject && isArray(lookup(top, "results")):
		d.format = FormatResults
		if !whole {
			err = d.readPlain(lookup(top, "results"))
		}
	case !isObject && isArray(doc):
		d.format = FormatArray
		if !whole {
			err = d.readPlain(doc)
		}
	case !whole:
		err = errNoFindings
	}
	return d, err
}

// describe takes the tool, version and target from a document's top level:
// ASH's metadata, or plain keys.
func (d *document) describe(top map[string]json.RawMessage) {
	if isSARIF(top["sarif"]) {
		var meta struct {
			ToolName    string `json:"tool_name"`
			ToolVersion string `json:"tool_version"`
			ProjectName string `json:"project_name"`
		}
		json.Unmarshal(top["metadata"], &meta)
		d.tool, d.version, d.target = cmp.Or(meta.ToolName, "ASH"), meta.ToolVersion, meta.ProjectName
		return
	}
	tool := lookup(top, "tool", "scanner", "tool_name", "scanner_name")
	d.tool = nameOf(tool)
	var toolObj struct{ Version string }
	json.Unmarshal(tool, &toolObj)
	d.version = cmp.Or(stringOf(lookup(top, "tool_version", "scanner_version")), toolObj.Version)
	d.target = stringOf(lookup(top, "target", "project", "project_name", "repository", "repo"))
}

func isSARIF(raw json.RawMessage) bool {
	var s struct{ Runs json.RawMessage }
	return len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &s) == nil && isArray(s.Runs)
}

func isArray(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '['
}

// SARIF, as much of it as the finding events use.
type sarifRun struct {
	Tool struct {
		Driver struct {
			Name    string
			Version string
			Rules   []sarifRule
		}
	}
	Results []json.RawMessage
}

type sarifRule struct {
	ID                   string
	DefaultConfiguration struct{ Level string }
	Properties           map[string]json.RawMessage
}

type sarifResult struct {
	RuleID    string
	RuleIndex *int
	Rule      *struct {
		ID    string
		Index *int
	}
	Level     string
	Message   struct{ Text, Markdown string }
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct{ URI string }
			Region           struct{ StartLine int }
		}
	}
	Suppressions []json.RawMessage
	Properties   map[string]json.RawMessage
}

func (d *document) readSARIF(runsRaw json.RawMessage, whole bool) error {
	var runs []sarifRun
	if err := json.Unmarshal(runsRaw, &runs); err != nil {
		return fmt.Errorf("SARIF runs: %w", err)
	}
	if d.tool == "" && len(runs) > 0 {
		d.tool, d.version = runs[0].Tool.Driver.Name, runs[0].Tool.Driver.Version
	}
	if whole {
		return nil
	}
	for ri, run := range runs {
		rules := map[string]*sarifRule{}
		for i := range run.Tool.Driver.Rules {
			rules[run.Tool.Driver.Rules[i].ID] = &run.Tool.Driver.Rules[i]
		}
		for i, raw := range run.Results {
			var r sarifResult
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("SARIF runs[%d].results[%d]: %w", ri, i, err)
			}
			f := finding{raw: compact(raw), tool: run.Tool.Driver.Name, ruleID: r.RuleID, message: cmp.Or(r.Message.Text, r.Message.Markdown)}
			var rule *sarifRule
			idx := r.RuleIndex
			if r.Rule != nil {
				f.ruleID = cmp.Or(f.ruleID, r.Rule.ID)
				if idx == nil {
					idx = r.Rule.Index
				}
			}
			if idx != nil && *idx >= 0 && *idx < len(run.Tool.Driver.Rules) {
				rule = &run.Tool.Driver.Rules[*idx]
			} else if f.ruleID != "" {
				rule = rules[f.ruleID]
			}
			if rule != nil {
				f.ruleID = cmp.Or(f.ruleID, rule.ID)
			}
			f.severity = sarifSeverity(&r, rule)
			if len(r.Locations) > 0 {
				pl := r.Locations[0].PhysicalLocation
				f.location = pl.ArtifactLocation.URI
				if pl.Region.StartLine > 0 {
					f.location += ":" + strconv.Itoa(pl.Region.StartLine)
				}
			}
			f.suppressed = len(r.Suppressions) > 0
			d.findings = append(d.findings, f)
		}
	}
	return nil
}

// sarifSeverity takes, in order: the result's or its rule's
// security-severity score (as GitHub code scanning does), a "severity"
// property, then the level (result, rule default, SARIF's default
// "warning").
func sarifSeverity(r *sarifResult, rule *sarifRule) string {
	var ruleProps map[string]json.RawMessage
	if rule != nil {
		ruleProps = rule.Properties
	}
	for _, props := range []map[string]json.RawMessage{r.Properties, ruleProps} {
		if s := severityOf(props["security-severity"]); s != "" {
			return s
		}
	}
	for _, props := range []map[string]json.RawMessage{r.Properties, ruleProps} {
		if s := severityOf(lookup(props, "severity")); s != "" {
			return s
		}
	}
	level := r.Level
	if level == "" && rule != nil {
		level = rule.DefaultConfiguration.Level
	}
	if s := sarifLevel(cmp.Or(level, "warning")); s != "" {
		return s
	}
	return normaliseWord(level)
}

// readPlain reads an array of findings in no particular schema.
func (d *document) readPlain(arr json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(arr, &items); err != nil {
		return err
	}
	for _, raw := range items {
		f := finding{raw: compact(raw), tool: d.tool, severity: Unknown}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			f.fillPlain(m)
		}
		d.findings = append(d.findings, f)
	}
	return nil
}

// fillPlain takes a finding's fields from the keys scanners commonly use.
func (f *finding) fillPlain(m map[string]json.RawMessage) {
	for _, k := range []string{"severity", "level", "risk", "priority", "impact", "issue_severity"} {
		if s := severityOf(lookup(m, k)); s != "" {
			f.severity = s
			break
		}
	}
	f.ruleID = stringOf(lookup(m, "ruleId", "rule_id", "rule", "check_id", "checkId", "test_id", "id", "type"))
	f.message = textOf(lookup(m, "message", "title", "description", "issue_text", "msg"))
	file := stringOf(lookup(m, "location", "file", "path", "file_path", "filename", "uri"))
	if file != "" {
		line := intOf(lookup(m, "line", "line_number", "start_line", "startLine"))
		if line == 0 {
			var start struct{ Line int }
			json.Unmarshal(lookup(m, "start"), &start)
			line = start.Line
		}
		if line > 0 {
			file += ":" + strconv.Itoa(line)
		}
	}
	f.location = file
	f.tool = cmp.Or(nameOf(lookup(m, "tool", "scanner", "tool_name", "scanner_name")), f.tool)
}

// readPath reads the findings at a path such as "scan.vulns",
// "runs.*.results" or "reports[].items": keys separated by dots, "*" or
// a "[]" suffix for every element of an array, a number for one.
func (d *document) readPath(doc []byte, path string) error {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	var segs []string
	for _, s := range strings.Split(path, ".") {
		if k, ok := strings.CutSuffix(s, "[]"); ok {
			if k != "" {
				segs = append(segs, k)
			}
			segs = append(segs, "*")
			continue
		}
		if s == "" {
			return fmt.Errorf("findings path %q has an empty part", path)
		}
		segs = append(segs, s)
	}
	vals := []json.RawMessage{doc}
	for _, seg := range segs {
		var next []json.RawMessage
		for _, v := range vals {
			switch {
			case isArray(v):
				var arr []json.RawMessage
				json.Unmarshal(v, &arr)
				if seg == "*" {
					next = append(next, arr...)
				} else if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(arr) {
					next = append(next, arr[i])
				}
			case len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '{':
				var m map[string]json.RawMessage
				json.Unmarshal(v, &m)
				if seg == "*" {
					for _, x := range m {
						next = append(next, x)
					}
				} else if x := lookup(m, seg); x != nil {
					next = append(next, x)
				}
			}
		}
		vals = next
	}
	if len(vals) == 0 {
		return fmt.Errorf("findings path %q matches nothing in the document", path)
	}
	for _, v := range vals {
		if !isArray(v) {
			return fmt.Errorf("findings path %q leads to a value that is not an array", path)
		}
		if err := d.readPlain(v); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the first of keys in m, matched exactly, else ignoring
// case.
func lookup(m map[string]json.RawMessage, keys ...string) json.RawMessage {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	for _, k := range keys {
		for mk, v := range m {
			if strings.EqualFold(mk, k) {
				return v
			}
		}
	}
	return nil
}

// stringOf returns a JSON string's or number's text, else "".
func stringOf(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// textOf returns a string, or the "text" of an object (SARIF's message).
func textOf(raw json.RawMessage) string {
	if s := stringOf(raw); s != "" {
		return s
	}
	var m struct{ Text string }
	json.Unmarshal(raw, &m)
	return m.Text
}

// nameOf returns a string, or the "name" of an object (a tool).
func nameOf(raw json.RawMessage) string {
	if s := stringOf(raw); s != "" {
		return s
	}
	var m struct{ Name string }
	json.Unmarshal(raw, &m)
	return m.Name
}

func intOf(raw json.RawMessage) int {
	n, _ := strconv.Atoi(stringOf(raw))
	return n
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
