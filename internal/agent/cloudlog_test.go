package agent

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCloudlogJournald maps recorded journalctl -o json entries.
func TestCloudlogJournald(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "journald", "entries.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type want struct {
		sev                  int
		msg, host, unit, typ string
		ts                   int64
	}
	wants := []want{
		{6, "Accepted publickey for alice from 203.0.113.9 port 51234 ssh2: ED25519 SHA256:abc", "web-01", "/usr/sbin/sshd", "system", 1710061687123},
		{4, "EXT4-fs (sda1): warning: mounting fs with errors, running e2fsck is recommended", "web-01", "kernel", "system", 1710061687205},
		{3, `time="2024-03-10T09:08:07Z" level=error msg="Failed to update instance types"`, "web-01", "/snap/lxd/27037/bin/lxd", "application", 1710061687237},
		{2, "database unreachable: \uFFFD", "web-01", "/opt/billing/bin/billing", "application", 1710061687306},
		{6, "Finished logrotate.service - Rotate log files.", "web-01", "/usr/lib/systemd/systemd", "system", 1710061687371},
		{7, "", "web-01", "/usr/local/bin/app", "system", 1710061687441},
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		line := sc.Text()
		fields, err := decodeJournalEntry([]byte(line))
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		c := cloudlogFromJournal(fields, journalTimestamp(fields, time.Now()), line)
		w := wants[i]
		got := want{c.Severity, c.Message, c.Hostname, c.Unit, c.Type, c.Timestamp}
		if got != w || c.OS != "linux" || c.Raw != line {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got, w)
		}
		// The JSON is seed 001's format, in its field order.
		js := c.json()
		if !strings.HasPrefix(js, `{"os":"linux","severity":`) || !json.Valid([]byte(js)) {
			t.Errorf("entry %d: JSON %s", i, js)
		}
		var back cloudlog
		if err := json.Unmarshal([]byte(js), &back); err != nil || back != c {
			t.Errorf("entry %d: JSON does not round-trip: %v", i, err)
		}
	}
	if i != len(wants) {
		t.Errorf("%d entries, want %d", i, len(wants))
	}
	// A field given twice keeps its first value.
	fields, _ := decodeJournalEntry([]byte(`{"__CURSOR":"c","TAG":["first","second"],"MESSAGE":"m"}`))
	if fields["TAG"] != "first" {
		t.Errorf("repeated field: %q", fields["TAG"])
	}
}

// TestCloudlogWindows maps recorded events (the XML of EvtFormatMessage,
// as wevtutil qe /f:RenderedXml prints it).
func TestCloudlogWindows(t *testing.T) {
	type want struct {
		sev                  int
		msg, host, unit, typ string
		ts                   int64
		record               string
	}
	f := func(file string, w want) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "eventlog", file))
		if err != nil {
			t.Fatal(err)
		}
		x := strings.TrimSpace(string(b))
		e, err := parseWinEvent(x)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		c := cloudlogFromWinEvent(e, x, time.Now())
		got := want{c.Severity, c.Message, c.Hostname, c.Unit, c.Type, c.Timestamp, ""}
		ev, err := winEventToEvent(x, "cloudlog", &origin{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got.record = ev.cursor
		if got != w || c.OS != "windows" || c.Raw != x {
			t.Errorf("%s:\n got %+v\nwant %+v", file, got, w)
		}
		if ev.msg != c.json() || ev.ts != w.ts {
			t.Errorf("%s: event %d %q", file, ev.ts, ev.msg)
		}
		raw, _ := winEventToEvent(x, "raw", &origin{}, time.Now())
		if raw.msg != x {
			t.Errorf("%s: raw format is not the XML", file)
		}
	}
	ms := func(s string) int64 { tm, _ := time.Parse(time.RFC3339Nano, s); return tm.UnixMilli() }
	f("scm-7036.xml", want{6, "The Windows Update service entered the running state.", "DESKTOP-7Q2L9KF", "Service Control Manager", "system", ms("2024-03-10T09:08:07.1234567Z"), "128934"})
	f("app-error-1000.xml", want{3, "Faulting application name: billing.exe, version: 2.4.1.0, time stamp: 0x65ee1a2b\nFaulting module name: KERNELBASE.dll, version: 10.0.19041.3996\nException code: 0xc0000409",
		"DESKTOP-7Q2L9KF", "Application Error", "application", ms("2024-03-10T09:10:11.5Z"), "55021"})
	f("security-4625.xml", want{5, "An account failed to log on.\n\nAccount For Which Logon Failed:\n\tAccount Name:\t\tadministrator\n\tAccount Domain:\t\tCORP",
		"DC01.corp.example.com", "Microsoft-Windows-Security-Auditing", "security", ms("2024-03-10T09:11:00Z"), "990112"})
	f("kernel-power-41.xml", want{2, "BugcheckCode=0 BugcheckParameter1=0x0 SleepInProgress=0 PowerButtonTimestamp=0",
		"DESKTOP-7Q2L9KF", "Microsoft-Windows-Kernel-Power", "system", ms("2024-03-10T07:00:01.0012345Z"), "128001"})
	f("dotnet-warning.xml", want{4, "Application: worker.exe & friends\nFramework Version: v4.0.30319\nDescription: The process was terminated due to an unhandled exception.",
		"DESKTOP-7Q2L9KF", ".NET Runtime", "application", ms("2024-03-10T09:12:13.25Z"), "55022"})

	if q := winEventQuery(nil); q != "*" {
		t.Errorf("query %q", q)
	}
	if b := winBookmark("Microsoft-Windows-Sysmon/Operational", 42); b != "<BookmarkList><Bookmark Channel='Microsoft-Windows-Sysmon/Operational' RecordId='42' IsCurrent='true'/></BookmarkList>" {
		t.Errorf("bookmark %s", b)
	}
}

func TestCloudlogLines(t *testing.T) {
	type want struct {
		sev                  int
		msg, host, unit, typ string
	}
	f := func(line string, w want) {
		t.Helper()
		c := cloudlogFromLine(line, 1710061687000, "agent-host", "app.log")
		got := want{c.Severity, c.Message, c.Hostname, c.Unit, c.Type}
		if got != w || c.Raw != line || c.Timestamp != 1710061687000 {
			t.Errorf("%q:\n got %+v\nwant %+v", line, got, w)
		}
	}
	f("Mar  5 10:15:42 web-01 sshd[4242]: Accepted publickey for alice", want{6, "Accepted publickey for alice", "web-01", "sshd", "system"})
	f("Mar  5 10:15:42 web-01 kernel: EXT4-fs error (device sda1): bad block", want{3, "EXT4-fs error (device sda1): bad block", "web-01", "kernel", "system"})
	f("<11>Mar  5 10:15:42 web-01 app[1]: it went fine", want{3, "it went fine", "web-01", "app", "system"})
	f("<165>1 2024-03-05T10:15:42.123Z web-01 billing 2210 ID47 [exampleSDID@32473 iut=\"3\"] payment declined", want{5, "payment declined", "web-01", "billing", "system"})
	f("2024-03-05T10:15:42.123456+00:00 web-01 snapd[77]: WARNING: cannot refresh", want{4, "WARNING: cannot refresh", "web-01", "snapd", "application"})
	f("2024-03-10 09:08:07,123 ERROR [main] Service - request failed", want{3, "2024-03-10 09:08:07,123 ERROR [main] Service - request failed", "agent-host", "app.log", "application"})
	f(`time="2024-03-10T09:08:07Z" level=warning msg="disk almost full"`, want{4, `time="2024-03-10T09:08:07Z" level=warning msg="disk almost full"`, "agent-host", "app.log", "application"})
	f("[Sun Mar 10 09:08:07.123 2024] [core:crit] [pid 1] AH00060: seg fault", want{2, "[Sun Mar 10 09:08:07.123 2024] [core:crit] [pid 1] AH00060: seg fault", "agent-host", "app.log", "application"})
	f("plain words without a level", want{6, "plain words without a level", "agent-host", "app.log", "application"})
	f("D 12:00 debug: trace on", want{7, "D 12:00 debug: trace on", "agent-host", "app.log", "application"})
}
