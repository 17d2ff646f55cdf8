package report

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Normalised severities. A finding event's "severity" is one of these, or
// the document's own word in upper case when it is none of the synonyms
// below, or UNKNOWN when the finding has none.
const (
	Critical = "CRITICAL"
	High     = "HIGH"
	Medium   = "MEDIUM"
	Low      = "LOW"
	Info     = "INFO"
	Unknown  = "UNKNOWN"
)

// severityWords maps the words scanners use to the normalised severities.
var severityWords = map[string]string{
	"CRITICAL": Critical, "VERY_HIGH": Critical, "BLOCKER": Critical,
	"HIGH": High, "ERROR": High, "MAJOR": High, "SEVERE": High,
	"MEDIUM": Medium, "MODERATE": Medium, "WARNING": Medium, "WARN": Medium,
	"LOW": Low, "MINOR": Low, "NOTE": Low,
	"INFO": Info, "INFORMATIONAL": Info, "INFORMATION": Info, "NONE": Info, "NEGLIGIBLE": Info,
}

// normaliseWord maps a severity word, case-insensitively.
func normaliseWord(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if n, ok := severityWords[strings.ReplaceAll(s, " ", "_")]; ok {
		return n
	}
	return clip(s, 64) // a key of the summary's counts: keep it short
}

// fromScore maps a CVSS-like score (0–10), as SARIF's security-severity.
func fromScore(f float64) string {
	switch {
	case f >= 9:
		return Critical
	case f >= 7:
		return High
	case f >= 4:
		return Medium
	case f > 0:
		return Low
	}
	return Info
}

// severityOf reads a severity from a JSON value: a word, a score, a
// number in a string, or an object with a label (AWS Security Hub's
// {"Label": "HIGH"}). It returns "" when it finds none.
func severityOf(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return fromScore(f)
		}
		return normaliseWord(x)
	case float64:
		return fromScore(x)
	case map[string]any:
		for _, k := range []string{"label", "severity", "level"} {
			for key, val := range x {
				if strings.EqualFold(key, k) {
					b, _ := json.Marshal(val)
					if s := severityOf(b); s != "" {
						return s
					}
				}
			}
		}
	}
	return ""
}

// sarifLevel maps SARIF's result levels.
func sarifLevel(level string) string {
	switch level {
	case "error":
		return High
	case "warning":
		return Medium
	case "note":
		return Low
	case "none":
		return Info
	}
	return ""
}
