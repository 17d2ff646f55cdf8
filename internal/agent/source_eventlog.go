package agent

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Windows Event Log source (source_eventlog_windows.go) subscribes
// to channels through wevtapi.dll and renders each event as XML with its
// message (EvtFormatMessage with EvtFormatMessageXml, the same XML as
// `wevtutil qe CHANNEL /f:RenderedXml`). What it does with that XML is
// here, without a build tag, so that it is tested on every OS.

// winEvent is the part of an event's XML that the agent reads.
type winEvent struct {
	XMLName xml.Name `xml:"Event"`
	System  struct {
		Provider struct {
			Name            string `xml:"Name,attr"`
			EventSourceName string `xml:"EventSourceName,attr"`
		} `xml:"Provider"`
		EventID     int    `xml:"EventID"`
		Level       int    `xml:"Level"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		EventRecordID uint64 `xml:"EventRecordID"`
		Channel       string `xml:"Channel"`
		Computer      string `xml:"Computer"`
	} `xml:"System"`
	EventData struct {
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"Data"`
	} `xml:"EventData"`
	UserData struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"UserData"`
	RenderingInfo *struct {
		Message string `xml:"Message"`
		Level   string `xml:"Level"`
	} `xml:"RenderingInfo"`
}

func parseWinEvent(x string) (*winEvent, error) {
	var e winEvent
	if err := xml.Unmarshal([]byte(x), &e); err != nil {
		return nil, fmt.Errorf("event XML: %w", err)
	}
	return &e, nil
}

// timestamp returns TimeCreated in Unix milliseconds.
func (e *winEvent) timestamp(now time.Time) int64 {
	if t, err := time.Parse(time.RFC3339Nano, e.System.TimeCreated.SystemTime); err == nil {
		return t.UnixMilli()
	}
	return now.UnixMilli()
}

// message is the rendered message, or the event data when the provider
// has no message for it.
func (e *winEvent) message() string {
	if e.RenderingInfo != nil && strings.TrimSpace(e.RenderingInfo.Message) != "" {
		return strings.TrimSpace(e.RenderingInfo.Message)
	}
	var parts []string
	for _, d := range e.EventData.Data {
		if d.Name != "" {
			parts = append(parts, d.Name+"="+strings.TrimSpace(d.Value))
		} else if v := strings.TrimSpace(d.Value); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// severity maps an event log level to a syslog severity: Critical (1)
// → 2 crit, Error (2) → 3 err, Warning (3) → 4 warning, Information (4)
// and LogAlways (0) → 6 info, Verbose (5) → 7 debug. Security audit
// failures (level 0 with the audit-failure keyword) → 5 notice.
func (e *winEvent) severity() int {
	switch e.System.Level {
	case 1:
		return sevCrit
	case 2:
		return sevErr
	case 3:
		return sevWarning
	case 5:
		return sevDebug
	}
	if kw, err := strconv.ParseUint(strings.TrimPrefix(e.System.Keywords, "0x"), 16, 64); err == nil && kw&0x0010000000000000 != 0 {
		return sevNotice
	}
	return sevInfo
}

// cloudlogFromWinEvent maps an event as seed 001 does: severity from
// Level, message from Message, timestamp from TimeCreated, hostname from
// MachineName (Computer), unit from ProviderName, type from the
// container (the channel: "system", "application", "security", ...).
func cloudlogFromWinEvent(e *winEvent, raw string, now time.Time) cloudlog {
	return cloudlog{
		OS: "windows", Severity: e.severity(), Message: e.message(), Timestamp: e.timestamp(now),
		Hostname: e.System.Computer, Unit: e.System.Provider.Name,
		Type: strings.ToLower(e.System.Channel), Raw: raw,
	}
}

// winEventQuery is the XPath query of a subscription to levels (all when
// none are given).
func winEventQuery(levels []int) string {
	if len(levels) == 0 {
		return "*"
	}
	var or []string
	for _, l := range levels {
		or = append(or, fmt.Sprintf("Level=%d", l))
	}
	return "*[System[(" + strings.Join(or, " or ") + ")]]"
}

// winBookmark is the bookmark XML that resumes a channel after a record.
func winBookmark(channel string, record uint64) string {
	var b strings.Builder
	b.WriteString("<BookmarkList><Bookmark Channel='")
	xml.EscapeText(&b, []byte(channel))
	fmt.Fprintf(&b, "' RecordId='%d' IsCurrent='true'/></BookmarkList>", record)
	return b.String()
}

// winCursorKey is the checkpoint key of one channel of a source.
func winCursorKey(source, channel string) string { return source + "/" + channel }

// winEventToEvent turns an event's XML into an event for the pipeline.
func winEventToEvent(x string, format string, org *origin, now time.Time) (event, error) {
	e, err := parseWinEvent(x)
	if err != nil {
		return event{}, err
	}
	ts := e.timestamp(now)
	msg := x
	if format == "cloudlog" {
		msg = cloudlogFromWinEvent(e, x, now).json()
	}
	return event{ts: ts, msg: msg, org: org, cursor: strconv.FormatUint(e.System.EventRecordID, 10)}, nil
}
