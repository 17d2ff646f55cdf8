package agent

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
)

// cloudlog is the normalised event of CloudLog (seed 001), sent as the
// message with format: cloudlog.
//
//	os         "linux", "windows", ... (the agent's OS for files)
//	severity   0 (emergency) .. 7 (debug), as syslog
//	message    the text of the event
//	timestamp  Unix milliseconds
//	hostname   the machine that logged it
//	unit       the process or application that logged it
//	type       "system" or "application" (for the event log: the channel, lower case)
//	raw        the event as read: the line, the journal entry's JSON, the event's XML
type cloudlog struct {
	OS        string `json:"os"`
	Severity  int    `json:"severity"`
	Message   string `json:"message"`
	Timestamp int64  `json:"timestamp"`
	Hostname  string `json:"hostname"`
	Unit      string `json:"unit"`
	Type      string `json:"type"`
	Raw       string `json:"raw"`
}

// json encodes the event, without HTML escaping.
func (c cloudlog) json() string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return c.Raw // cannot happen: every field is a string or number
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Syslog severities.
const (
	sevEmerg = iota
	sevAlert
	sevCrit
	sevErr
	sevWarning
	sevNotice
	sevInfo
	sevDebug
)

// levelWords maps level words found in log lines to severities.
var levelWords = map[string]int{
	"emerg": sevEmerg, "emergency": sevEmerg, "panic": sevEmerg,
	"alert": sevAlert,
	"crit":  sevCrit, "critical": sevCrit, "fatal": sevCrit,
	"err": sevErr, "error": sevErr, "severe": sevErr,
	"warn": sevWarning, "warning": sevWarning,
	"notice": sevNotice,
	"info":   sevInfo, "information": sevInfo, "informational": sevInfo,
	"debug": sevDebug, "trace": sevDebug, "verbose": sevDebug, "fine": sevDebug,
}

// cloudlogFromLine maps a line of a file. A syslog line (RFC 3164 or
// 5424, with or without <PRI>) gives its host, tag and, from PRI, its
// severity, and is of type system; other lines are of type application
// with the file's name as unit. A level word among the first words
// (ERROR, [warn], level=info, ...) sets the severity when PRI does not;
// the default is 6 (info).
func cloudlogFromLine(line string, ts int64, host, file string) cloudlog {
	c := cloudlog{OS: runtime.GOOS, Severity: -1, Message: line, Timestamp: ts, Hostname: host, Unit: file, Type: "application", Raw: line}
	rest := line
	if len(rest) > 2 && rest[0] == '<' {
		if end := strings.IndexByte(rest[:min(len(rest), 6)], '>'); end > 1 {
			if pri, err := strconv.Atoi(rest[1:end]); err == nil && pri >= 0 && pri < 192 {
				c.Severity = pri & 7
				rest = rest[end+1:]
			}
		}
	}
	if sl, ok := parseSyslog(rest); ok {
		c.Hostname, c.Unit, c.Message, c.Type = sl.host, sl.tag, sl.msg, "system"
		if strings.Contains(sl.tag, "opt") || strings.Contains(sl.tag, "snap") {
			c.Type = "application"
		}
	}
	if c.Severity < 0 {
		c.Severity = levelWord(c.Message)
	}
	return c
}

// levelWord finds a level word among the first words of s.
func levelWord(s string) int {
	s = s[:min(len(s), 200)]
	words := 0
	for i := 0; i < len(s) && words < 12; {
		for i < len(s) && !isLetter(s[i]) {
			i++
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j > i {
			words++
			if sev, ok := levelWords[strings.ToLower(s[i:j])]; ok {
				return sev
			}
		}
		i = j
	}
	return sevInfo
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

type syslogLine struct{ host, tag, msg string }

// parseSyslog reads "Mmm dd hh:mm:ss host tag[pid]: msg" (RFC 3164),
// "2024-03-05T10:15:42.123+00:00 host tag[pid]: msg" (rsyslog's precise
// form) or "1 2024-03-05T10:15:42Z host app procid msgid sd msg" (RFC 5424).
func parseSyslog(s string) (syslogLine, bool) {
	f := strings.SplitN(s, " ", 8)
	switch {
	case len(f) >= 7 && f[0] == "1" && strings.Contains(f[1], "T"):
		// RFC 5424: VERSION TIMESTAMP HOST APP PROCID MSGID SD [MSG]
		msg := ""
		rest := strings.Join(f[6:], " ")
		if strings.HasPrefix(rest, "-") {
			msg = strings.TrimPrefix(strings.TrimPrefix(rest, "-"), " ")
		} else if i := strings.Index(rest, "] "); i >= 0 {
			msg = rest[i+2:]
		}
		return syslogLine{host: nilDash(f[2]), tag: nilDash(f[3]), msg: strings.TrimPrefix(msg, "\uFEFF")}, true
	case len(s) > 16 && monthAbbr(s[:3]) && s[3] == ' ':
		// RFC 3164: the timestamp is 15 characters ("Mar  5 10:15:42").
		rest := strings.TrimLeft(s[15:], " ")
		return splitHostTag(rest)
	case len(f) >= 3 && len(f[0]) >= 19 && f[0][4] == '-' && f[0][10] == 'T':
		return splitHostTag(strings.Join(f[1:], " "))
	}
	return syslogLine{}, false
}

func nilDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func monthAbbr(s string) bool {
	for _, m := range monthNames {
		if strings.EqualFold(s, m[:3]) {
			return true
		}
	}
	return false
}

// splitHostTag reads "host tag[pid]: msg" or "host tag: msg".
func splitHostTag(s string) (syslogLine, bool) {
	host, rest, ok := strings.Cut(s, " ")
	if !ok || host == "" {
		return syslogLine{}, false
	}
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok || tag == "" || strings.ContainsAny(tag, " ") {
		return syslogLine{host: host, msg: rest}, true
	}
	if i := strings.IndexByte(tag, '['); i > 0 {
		tag = tag[:i]
	}
	return syslogLine{host: host, tag: tag, msg: msg}, true
}
