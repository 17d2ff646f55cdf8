package agent

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/server/servertest"
)

// TestJournald feeds recorded journalctl JSON through a fake journalctl
// (this test binary, see TestMain): the entries arrive, the cursor of the
// last one is kept, and a restart asks journalctl for what follows it.
func TestJournald(t *testing.T) {
	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "journald", "entries.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(src)), "\n")
	// Recorded in 2024: move them to now, or the server drops them as
	// too old.
	rt := regexp.MustCompile(`"__REALTIME_TIMESTAMP":"\d+"`)
	base := time.Now().Add(-time.Minute).UnixMicro()
	for i := range lines {
		lines[i] = rt.ReplaceAllString(lines[i], fmt.Sprintf(`"__REALTIME_TIMESTAMP":"%d"`, base+int64(i)*1000))
	}
	journal := filepath.Join(dir, "journal.json")
	argsFile := filepath.Join(dir, "args.json")
	if err := os.WriteFile(journal, []byte(strings.Join(lines[:4], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(roleEnv, "journalctl")
	t.Setenv(fakeJournal, journal)
	t.Setenv(fakeArgsFile, argsFile)

	cfg := &Config{
		StateDir: filepath.Join(dir, "state"),
		Sources: []SourceConfig{
			{Name: "journal", Type: TypeJournald, Group: "journal", Stream: "raw", Journalctl: []string{os.Args[0]},
				Units: []string{"ssh.service", "billing.service"}, Priority: "0..6", FlushInterval: Duration(50 * time.Millisecond)},
			{Name: "journal-cl", Type: TypeJournald, Group: "journal", Stream: "cloudlog", Format: "cloudlog", Journalctl: []string{os.Args[0]},
				FlushInterval: Duration(50 * time.Millisecond)},
		},
		ShutdownTimeout: Duration(5 * time.Second),
	}
	ra := startAgent(t, cfg, c)
	got := waitStream(t, c, "journal", "raw", 4, 10*time.Second)
	want := []string{
		"Accepted publickey for alice from 203.0.113.9 port 51234 ssh2: ED25519 SHA256:abc",
		"EXT4-fs (sda1): warning: mounting fs with errors, running e2fsck is recommended",
		`time="2024-03-10T09:08:07Z" level=error msg="Failed to update instance types"`,
		"database unreachable: \uFFFD",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("raw stream:\n got %q\nwant %q", got, want)
	}
	cl := waitStream(t, c, "journal", "cloudlog", 4, 10*time.Second)
	var first cloudlog
	if err := json.Unmarshal([]byte(cl[0]), &first); err != nil || first.Unit != "/usr/sbin/sshd" || first.Severity != 6 || first.Type != "system" || first.OS != "linux" {
		t.Errorf("cloudlog event %q: %v", cl[0], err)
	}
	ra.stop(t)

	// Two more entries (one without a MESSAGE, which only moves the
	// cursor); the restarted agent must ask for what follows the cursor.
	if err := os.WriteFile(journal, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	ra = startAgent(t, cfg, c)
	got = waitStream(t, c, "journal", "raw", 5, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	got = waitStream(t, c, "journal", "raw", 5, 0)
	if len(got) != 5 || got[4] != "Finished logrotate.service - Rotate log files." {
		t.Errorf("after restart: %q", got)
	}
	ra.stop(t)

	lastCursor := func(line string) string {
		var e struct {
			C string `json:"__CURSOR"`
		}
		json.Unmarshal([]byte(line), &e)
		return e.C
	}
	st, err := openState(cfg.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if cur := st.cursor("journal"); cur != lastCursor(lines[5]) {
		t.Errorf("kept cursor %q, want the last entry's %q", cur, lastCursor(lines[5]))
	}
	st.Close()

	f, err := os.Open(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a []string
		json.Unmarshal(sc.Bytes(), &a)
		calls = append(calls, a)
	}
	var raw [][]string
	for _, a := range calls {
		if strings.Contains(strings.Join(a, " "), "--unit=ssh.service") {
			raw = append(raw, a)
		}
	}
	if len(raw) != 2 {
		t.Fatalf("journalctl calls of the raw source: %q", raw)
	}
	for _, want := range []string{"--output=json", "--follow", "--no-tail", "--unit=ssh.service", "--unit=billing.service", "--priority=0..6"} {
		if !strings.Contains(strings.Join(raw[0], " "), want) {
			t.Errorf("first call %q lacks %s", raw[0], want)
		}
	}
	if a := strings.Join(raw[1], " "); !strings.Contains(a, "--after-cursor="+lastCursor(lines[3])) || strings.Contains(a, "--no-tail") {
		t.Errorf("second call %q does not resume after the cursor %s", a, lastCursor(lines[3]))
	}
}
