package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// journaldSource follows the systemd journal through
// `journalctl -o json --follow`, without cgo. It resumes after the cursor
// of the last acknowledged entry (--after-cursor), and restarts journalctl
// with backoff if it exits.
type journaldSource struct {
	cfg   *SourceConfig
	env   *sourceEnv
	stats *sourceStats
	log   *slog.Logger
	dest  sink
	org   *origin
	now   func() time.Time

	cursor string // of the last entry read
}

func newJournaldSource(cfg *SourceConfig, env *sourceEnv) *journaldSource {
	j := &journaldSource{
		cfg: cfg, env: env, stats: env.stats, log: env.log, now: time.Now,
		org: &origin{source: cfg.Name, kind: originCursor, cursor: cfg.Name},
	}
	j.cursor = env.state.cursor(cfg.Name)
	j.dest = env.destFor(cfg, nil)
	return j
}

// args returns journalctl's arguments (after the command itself).
func (j *journaldSource) args() []string {
	a := append([]string{}, j.cfg.Journalctl[1:]...)
	a = append(a, "--output=json", "--follow", "--all", "--no-pager", "--quiet")
	switch {
	case j.cursor != "":
		a = append(a, "--after-cursor="+j.cursor)
	case j.cfg.InitialPosition == "end_of_file":
		a = append(a, "--lines=0")
	default:
		a = append(a, "--no-tail")
	}
	for _, u := range j.cfg.Units {
		a = append(a, "--unit="+u)
	}
	if j.cfg.Priority != "" {
		a = append(a, "--priority="+j.cfg.Priority)
	}
	if j.cfg.Directory != "" {
		a = append(a, "--directory="+j.cfg.Directory)
	}
	return a
}

func (j *journaldSource) run(ctx context.Context) error {
	wait := time.Duration(0)
	for {
		started := j.now()
		err := j.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if j.now().Sub(started) > time.Minute {
			wait = 0
		}
		wait = min(max(2*wait, time.Second), 30*time.Second)
		j.stats.errors.Add(1)
		j.log.Warn("journalctl ended; restarting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// follow runs journalctl once, until it exits or ctx ends.
func (j *journaldSource) follow(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, j.cfg.Journalctl[0], j.args()...)
	cmd.WaitDelay = 2 * time.Second
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start journalctl: %w", err)
	}
	rerr := j.consume(ctx, bufio.NewReaderSize(out, 256<<10))
	werr := cmd.Wait()
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return rerr
	}
	if werr != nil {
		return fmt.Errorf("journalctl: %w: %s", werr, stderr.String())
	}
	return fmt.Errorf("journalctl exited: %s", stderr.String())
}

// consume reads entries and pushes them in chunks: whatever is buffered,
// up to 1,000 entries at a time.
func (j *journaldSource) consume(ctx context.Context, r *bufio.Reader) error {
	var evs []event
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			j.stats.lines.Add(1)
			j.stats.bytes.Add(int64(len(line)))
			if e, ok := j.entry(line); ok {
				evs = append(evs, e)
			} else {
				j.stats.errors.Add(1)
			}
		}
		if err != nil || r.Buffered() == 0 || len(evs) >= 1000 {
			if len(evs) > 0 {
				if perr := j.dest.push(ctx, chunk{evs: evs, at: j.now(), src: j.stats}); perr != nil {
					return perr
				}
				evs = nil
			}
		}
		if err != nil {
			return err
		}
	}
}

// entry turns one line of journalctl's JSON into an event.
func (j *journaldSource) entry(line []byte) (event, bool) {
	fields, err := decodeJournalEntry(line)
	if err != nil {
		j.log.Warn("journalctl: undecodable entry", "err", err)
		return event{}, false
	}
	cur := fields["__CURSOR"]
	if cur == "" {
		return event{}, false
	}
	j.cursor = cur
	ts := journalTimestamp(fields, j.now())
	msg := fields["MESSAGE"]
	if j.cfg.Format == "cloudlog" {
		msg = cloudlogFromJournal(fields, ts, strings.TrimRight(string(line), "\r\n")).json()
	}
	return event{ts: ts, msg: msg, org: j.org, cursor: cur}, true
}

// decodeJournalEntry decodes one entry of `journalctl -o json`: values
// are strings, arrays of bytes (binary values), arrays of either (a field
// given more than once; the first is kept), or null.
func decodeJournalEntry(line []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = journalValue(v)
	}
	return out, nil
}

func journalValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) != nil || len(arr) == 0 {
		return ""
	}
	var b []byte
	for _, e := range arr {
		var n int
		if json.Unmarshal(e, &n) != nil || n < 0 || n > 255 {
			return journalValue(arr[0]) // an array of values
		}
		b = append(b, byte(n))
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// journalTimestamp is __REALTIME_TIMESTAMP (microseconds) in milliseconds.
func journalTimestamp(f map[string]string, now time.Time) int64 {
	if us, err := strconv.ParseInt(f["__REALTIME_TIMESTAMP"], 10, 64); err == nil && us > 0 {
		return us / 1000
	}
	return now.UnixMilli()
}

// cloudlogFromJournal maps a journal entry as seed 001 does: severity
// from PRIORITY, message from MESSAGE, timestamp from
// __REALTIME_TIMESTAMP, hostname from _HOSTNAME, unit from _EXE (else
// SYSLOG_IDENTIFIER, _SYSTEMD_UNIT or _COMM: kernel entries have no
// _EXE), and type application if _EXE contains "opt" or "snap", else
// system.
func cloudlogFromJournal(f map[string]string, ts int64, raw string) cloudlog {
	sev := sevInfo
	if p, err := strconv.Atoi(f["PRIORITY"]); err == nil && p >= 0 && p <= 7 {
		sev = p
	}
	exe := f["_EXE"]
	unit := exe
	for _, k := range []string{"SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "_COMM"} {
		if unit == "" {
			unit = f[k]
		}
	}
	typ := "system"
	if strings.Contains(exe, "opt") || strings.Contains(exe, "snap") {
		typ = "application"
	}
	return cloudlog{OS: "linux", Severity: sev, Message: f["MESSAGE"], Timestamp: ts, Hostname: f["_HOSTNAME"], Unit: unit, Type: typ, Raw: raw}
}

// parsePriority checks a journalctl priority: a level (0-7 or a name) or
// a range FROM..TO.
func parsePriority(p string) (string, error) {
	names := []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	one := func(s string) bool {
		if n, err := strconv.Atoi(s); err == nil {
			return n >= 0 && n <= 7
		}
		for _, n := range names {
			if s == n {
				return true
			}
		}
		return false
	}
	lo, hi, isRange := strings.Cut(p, "..")
	if !one(lo) || isRange && !one(hi) {
		return "", fmt.Errorf("priority %q: want 0-7, emerg..debug, or a range such as 0..4", p)
	}
	return p, nil
}

// tailBuffer keeps the last 2 KB written to it.
type tailBuffer struct {
	mu sync.Mutex // guards b
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
