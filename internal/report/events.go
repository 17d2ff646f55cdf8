package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logpond/logpond/internal/ship"
)

// The event shapes are specified in docs/report.md; change both together.

// summaryEvent opens every report that is not --whole.
type summaryEvent struct {
	Type           string         `json:"type"` // "summary"
	RunID          string         `json:"runId"`
	Tool           string         `json:"tool,omitempty"`
	Version        string         `json:"version,omitempty"`
	Target         string         `json:"target,omitempty"`
	Timestamp      string         `json:"timestamp"`
	Format         string         `json:"format"`
	Findings       int            `json:"findings"`
	Suppressed     int            `json:"suppressed"`
	SeverityCounts map[string]int `json:"severityCounts"`
	Reporter       string         `json:"reporter"`
}

// findingEvent is one finding, self-contained.
type findingEvent struct {
	Type       string          `json:"type"` // "finding"
	RunID      string          `json:"runId"`
	Index      int             `json:"index"` // 1-based, in document order
	Tool       string          `json:"tool,omitempty"`
	Severity   string          `json:"severity"`
	RuleID     string          `json:"ruleId,omitempty"`
	Message    string          `json:"message,omitempty"`
	Location   string          `json:"location,omitempty"`
	Suppressed bool            `json:"suppressed,omitempty"`
	Finding    json.RawMessage `json:"finding,omitempty"`
	// When the event would exceed the event size limit, the finding's
	// JSON is left out and its size given instead.
	FindingOmitted bool `json:"findingOmitted,omitempty"`
	FindingBytes   int  `json:"findingBytes,omitempty"`
}

// partEvent is one part of a --whole document too large for one event.
type partEvent struct {
	Type  string `json:"type"` // "document-part"
	RunID string `json:"runId"`
	Tool  string `json:"tool,omitempty"`
	Part  int    `json:"part"` // 1-based
	Parts int    `json:"parts"`
	Data  string `json:"data"` // concatenated in part order: the compact document
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("report: marshal event: " + err.Error()) // only our own types, which always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// run is what the events of one report share.
type run struct {
	id       string
	tool     string
	now      time.Time
	maxEvent int
}

// maxSeverityKeys bounds the summary's severityCounts (the five
// normalised severities, UNKNOWN and unusual words); further words are
// counted as OTHER, so the summary stays small.
const maxSeverityKeys = 24

// findingEvents returns the summary event and one event per finding.
func (r *run) findingEvents(d *document) []ship.Event {
	ts := r.now.UnixMilli()
	sum := summaryEvent{
		Type: "summary", RunID: r.id, Tool: r.tool, Version: clip(d.version, 1024), Target: clip(d.target, 1024),
		Timestamp: r.now.UTC().Format(time.RFC3339Nano), Format: d.format, Findings: len(d.findings),
		SeverityCounts: map[string]int{Critical: 0, High: 0, Medium: 0, Low: 0, Info: 0},
		Reporter:       "logpond report",
	}
	evs := make([]ship.Event, 1, len(d.findings)+1)
	for i, f := range d.findings {
		if _, ok := sum.SeverityCounts[f.severity]; ok || len(sum.SeverityCounts) < maxSeverityKeys {
			sum.SeverityCounts[f.severity]++
		} else {
			sum.SeverityCounts["OTHER"]++
		}
		if f.suppressed {
			sum.Suppressed++
		}
		fe := findingEvent{
			Type: "finding", RunID: r.id, Index: i + 1, Tool: cmp.Or(f.tool, r.tool), Severity: f.severity,
			RuleID: f.ruleID, Message: f.message, Location: f.location, Suppressed: f.suppressed, Finding: f.raw,
		}
		msg := marshal(fe)
		if len(msg) > r.maxEvent {
			fe.Finding, fe.FindingOmitted, fe.FindingBytes = nil, true, len(f.raw)
			for _, s := range []*string{&fe.Tool, &fe.Severity, &fe.RuleID, &fe.Message, &fe.Location} {
				*s = clip(*s, 1024)
			}
			msg = marshal(fe)
		}
		evs = append(evs, ship.Event{Timestamp: ts, Message: msg})
	}
	evs[0] = ship.Event{Timestamp: ts, Message: marshal(sum)}
	return evs
}

// wholeEvents returns the document as one event, or as numbered parts when
// it is larger than an event may be.
func (r *run) wholeEvents(doc []byte) []ship.Event {
	ts := r.now.UnixMilli()
	text := strings.ToValidUTF8(string(compact(doc)), "\uFFFD")
	if len(text) <= r.maxEvent {
		return []ship.Event{{Timestamp: ts, Message: text}}
	}
	frame := len(marshal(partEvent{Type: "document-part", RunID: r.id, Tool: r.tool, Part: 1 << 30, Parts: 1 << 30}))
	chunks := splitEscaped(text, r.maxEvent-frame)
	evs := make([]ship.Event, len(chunks))
	for i, c := range chunks {
		evs[i] = ship.Event{Timestamp: ts, Message: marshal(partEvent{Type: "document-part", RunID: r.id, Tool: r.tool, Part: i + 1, Parts: len(chunks), Data: c})}
	}
	return evs
}

// splitEscaped cuts s into pieces whose JSON string encodings (without
// the quotes) are at most budget bytes. It counts each character at the
// most encoding/json may spend on it.
func splitEscaped(s string, budget int) []string {
	var out []string
	for len(s) > 0 {
		n, size := 0, 0
		for n < len(s) {
			r, w := utf8.DecodeRuneInString(s[n:])
			c := w
			switch {
			case r == '"' || r == '\\':
				c = 2
			case r < 0x20 || r == '\u2028' || r == '\u2029' || r == utf8.RuneError && w == 1:
				c = 6
			}
			if size+c > budget && n > 0 { // at least one character per piece
				break
			}
			size += c
			n += w
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// clip shortens s to at most max bytes and the truncation marker.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:cutRune(s, max)] + ship.DefaultTruncateMarker
}

// cutRune returns the largest n ≤ max at a character boundary of s.
func cutRune(s string, max int) int {
	if len(s) <= max {
		return len(s)
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return max
}
