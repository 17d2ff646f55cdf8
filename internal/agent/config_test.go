package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadConf(t *testing.T, name string) (*Config, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "awslogs", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b, name)
	if err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func TestAwslogsConf(t *testing.T) {
	type want struct {
		name, paths, group, stream, dtf, tz, initial, ml, fpLines, enc string
		flush                                                          time.Duration
		count                                                          int
		size                                                           Size
	}
	f := func(file, stateDir string, warnings int, ws ...want) {
		t.Helper()
		c, err := loadConf(t, file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if c.StateDir != stateDir {
			t.Errorf("%s: state dir %q, want %q", file, c.StateDir, stateDir)
		}
		if len(c.Warnings) != warnings {
			t.Errorf("%s: warnings %q, want %d", file, c.Warnings, warnings)
		}
		if len(c.Sources) != len(ws) {
			t.Fatalf("%s: %d sources, want %d", file, len(c.Sources), len(ws))
		}
		for i, w := range ws {
			s := c.Sources[i]
			got := want{s.Name, strings.Join(s.Paths, ","), s.Group, s.Stream, s.DatetimeFormat, s.TimeZone, s.InitialPosition,
				s.MultiLineStartPattern, s.FingerprintLines, s.Encoding, time.Duration(s.FlushInterval), s.BatchCount, s.BatchSize}
			if got != w {
				t.Errorf("%s source %d:\n got %+v\nwant %+v", file, i, got, w)
			}
			if s.Type != TypeFile {
				t.Errorf("%s source %d: type %s", file, i, s.Type)
			}
		}
	}
	f("quickstart.conf", "/var/awslogs/state", 1,
		want{"/var/log/messages", "/var/log/messages", "/var/log/messages", "{instance_id}", "%b %d %H:%M:%S", "", "start_of_file", "", "1", "", 5 * time.Second, 10000, 1048576})
	f("webserver.conf", "/var/awslogs/state", 2,
		want{"messages", "/var/log/messages", "messages", "{hostname} - {instance_id}", "%b %d %H:%M:%S", "", "start_of_file", "", "1", "", 5 * time.Second, 10000, 1048576},
		want{"nginx_access", "/var/log/nginx/access.log*", "nginx", "{instance_id}-access", "%d/%b/%Y:%H:%M:%S %z", "", "end_of_file", "", "1", "", 10 * time.Second, 10000, 1048576},
		want{"nginx_error", "/var/log/nginx/error.log", "nginx", "{instance_id}-error", "%Y/%m/%d %H:%M:%S", "", "start_of_file", "{datetime_format}", "1", "", time.Second, 10000, 1048576},
		want{"app", "/opt/app/logs/app.log", "/app/production", "{ip_address}", "%Y-%m-%d %H:%M:%S,%f", "UTC", "start_of_file", `^\d{4}-\d{2}-\d{2}`, "1-3", "utf_8", time.Second, 500, 65536})
	f("windows-crlf.conf", ".", 1,
		want{"iis", `C:\inetpub\logs\LogFiles\W3SVC1\u_ex*.log`, "iis", "{hostname}", "%Y-%m-%d %H:%M:%S", "", "start_of_file", "", "4", "latin_1", time.Second, 10000, 1048576})
	f("defaults-and-continuation.conf", "/var/lib/awslogs", 2,
		want{"syslog", "/var/log/syslog", "syslog", "{hostname}", "%b %d %H:%M:%S", "", "end_of_file", "", "1", "", 5 * time.Second, 10000, 1048576},
		want{"auth", "/var/log/auth.log", "auth", "{hostname}", "", "", "start_of_file", "^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\n\\s+\\d+", "1", "", 5 * time.Second, 10000, 1048576})

	for file, msg := range map[string]string{
		"bad-no-group.conf": "[orphan]: no log_group_name",
		"bad-syntax.conf":   "line 3: unterminated section header",
	} {
		if _, err := loadConf(t, file); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want one containing %q", file, err, msg)
		}
	}
}

func TestYAMLConfig(t *testing.T) {
	good := `
endpoint: http://127.0.0.1:9700
state_dir: /var/lib/logpond-agent
metrics_listen: 127.0.0.1:9701
spool:
  max_bytes: 64MiB
defaults:
  group: /hosts/{hostname}
  flush_interval: 2s
sources:
  - name: syslog
    paths: [/var/log/syslog, /var/log/syslog.1]
    datetime_format: "%b %d %H:%M:%S"
  - name: app
    paths: ["/srv/app/*.log"]
    group: app
    stream: "{hostname}-{filename}"
    multi_line_start_pattern: '^\d{4}-'
    oversize: truncate
    max_event_size: 64KiB
    batch_size: 512KB
    retention_in_days: 30
    format: cloudlog
  - name: journal
    type: journald
    units: [ssh.service, nginx.service]
    priority: warning
  - name: events
    type: windows_event_log
    channels: [System]
    levels: [1, 2, 3]
`
	c, err := ParseConfig([]byte(good), "agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Spool.MaxBytes != 64<<20 || c.Sources[0].Group != "/hosts/{hostname}" || c.Sources[0].FlushInterval != Duration(2*time.Second) ||
		c.Sources[1].BatchSize != 512000 || c.Sources[1].MaxEventSize != 64<<10 || c.Sources[1].Oversize != "truncate" ||
		c.Sources[2].Type != TypeJournald || c.Sources[2].Stream != "{hostname}" || c.Sources[3].Levels[2] != 3 {
		t.Errorf("parsed config: %+v", c)
	}
	var plan strings.Builder
	c.Plan(&plan)
	for _, want := range []string{"logpond at http://127.0.0.1:9700", `source "app" (file)`, "--unit=ssh.service", "--priority=warning", "*[System[(Level=1 or Level=2 or Level=3)]]", "groups created with a retention of 30 days"} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, plan.String())
		}
	}

	bad := map[string]string{
		"sources: []":                                                                      "no sources",
		"sources: [{paths: [/x], group: g}]":                                               "needs state_dir",
		"state_dir: /s\nsources: [{paths: [/x]}]":                                          "no group",
		"state_dir: /s\nsources: [{paths: [/x], group: 'a b'}]":                            "not a valid name",
		"state_dir: /s\nsources: [{paths: [/x], group: '{nope}'}]":                         "unknown placeholder {nope}",
		"state_dir: /s\nsources: [{paths: [/x], group: g, stream: 'a:b'}]":                 "not a valid name",
		"state_dir: /s\nsources: [{paths: [/x], group: g, retention_in_days: 2}]":          "retention_in_days 2",
		"state_dir: /s\nsources: [{paths: [/x], group: g, datetime_format: '%Q'}]":         "unsupported directive",
		"state_dir: /s\nsources: [{paths: [/x], group: g, multi_line_start_pattern: '('}]": "multi_line_start_pattern",
		"state_dir: /s\nsources: [{paths: [/x], group: g, encoding: ebcdic}]":              "unsupported encoding",
		"state_dir: /s\nsources: [{paths: [/x], group: g, batch_count: 20000}]":            "batch_count",
		"state_dir: /s\nsources: [{paths: [/x], group: g, flush_interval: fast}]":          "duration",
		"state_dir: /s\nsources: [{paths: [/x], group: g, typo: 1}]":                       "field typo not found",
		"state_dir: /s\nsources: [{type: journald, group: g, priority: loud}]":             "priority",
		"state_dir: /s\nsources: [{paths: [/x], group: g}, {paths: [/x], group: h}]":       "two sources are named",
		"endpoint: ftp://x\nsources: [{type: stdin, group: g}]":                            "not an http(s) URL",
	}
	for y, msg := range bad {
		c, err := ParseConfig([]byte(y), "bad.yaml")
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want one containing %q", y, err, msg)
		}
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]Size{"0": 0, "1024": 1024, "64KiB": 64 << 10, "1MB": 1e6, "256MiB": 256 << 20, "2g": 2 << 30, " 10 kb ": 10e3} {
		got, err := ParseSize(s)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "MB", "-1", "1TB", "x1"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
}

// TestDocsExample checks that the full example in docs/agent.md is a
// valid configuration.
func TestDocsExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "agent.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## Full example configuration\n\n```yaml\n")
	if !ok {
		t.Fatal("docs/agent.md has no full example")
	}
	example, _, _ := strings.Cut(rest, "```")
	c, err := ParseConfig([]byte(example), "docs/agent.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 5 || c.Sources[4].Format != "cloudlog" || c.Sources[1].RetentionInDays != 30 {
		t.Errorf("example parsed as %+v", c.Sources)
	}
}
