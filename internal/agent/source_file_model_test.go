package agent

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	modelSeed  = flag.Uint64("model.seed", 0, "seed of TestFileModel's first run (0: the clock)")
	modelRuns  = flag.Int("model.runs", 0, "runs of TestFileModel (0: 60, or 15 with -short)")
	modelSteps = flag.Int("model.steps", 60, "operations per run of TestFileModel")
)

// captureSink keeps the events a source pushes; ack commits the
// checkpoints of those not yet acknowledged, as a pipeline does.
type captureSink struct {
	st      *state
	pending []event
	got     []event // every event ever pushed, in order
}

func (c *captureSink) push(_ context.Context, ch chunk) error {
	c.pending = append(c.pending, ch.evs...)
	c.got = append(c.got, ch.evs...)
	return nil
}

func (c *captureSink) ack(t *testing.T) {
	t.Helper()
	last := map[originKey]update{}
	var order []originKey
	for i := range c.pending {
		e := &c.pending[i]
		if u, ok := e.org.update(e, time.Unix(0, 0)); ok {
			k := e.org.key()
			if _, seen := last[k]; !seen {
				order = append(order, k)
			}
			last[k] = u
		}
	}
	var ups []update
	for _, k := range order {
		ups = append(ups, last[k])
	}
	if err := c.st.commit(context.Background(), ups...); err != nil {
		t.Fatal(err)
	}
	c.pending = nil
}

// fileModel drives a fileSource synchronously through random file
// operations and keeps what the files hold.
type fileModel struct {
	t     *testing.T
	rng   *rand.Rand
	dir   string
	path  string // the live file
	keep  int
	files map[string][]int // path → line numbers it holds
	next  int

	st    *state
	sink  *captureSink
	src   *fileSource
	clock time.Time
	log   []string

	mayLose  map[int]bool // destroyed before the agent emitted them
	mayDup   map[int]bool // emitted, not acknowledged, at a crash
	emitted  map[int]bool
	restarts int

	fpBytes int    // the source's fingerprint_bytes, or
	fpLines string // fingerprint_lines

	// mtime is the modification time the model gives the files it
	// changes, a millisecond later at each step: file systems keep coarse
	// times, and the runs must not depend on them.
	mtime time.Time
}

// touch sets path's modification time to the model's.
func (m *fileModel) touch(path string) {
	if err := os.Chtimes(path, m.mtime, m.mtime); err != nil && !os.IsNotExist(err) {
		m.t.Fatal(err)
	}
}

func (m *fileModel) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

func (m *fileModel) cfg() *SourceConfig {
	c := &SourceConfig{
		Name: "model", Type: TypeFile, Paths: []string{m.path + "*"}, Group: "g", Stream: "s",
		PollInterval: Duration(100 * time.Millisecond), ScanInterval: Duration(100 * time.Millisecond),
		RotateWait: Duration(300 * time.Millisecond), ForgetAfter: Duration(time.Second),
		FingerprintBytes: m.fpBytes, FingerprintLines: m.fpLines,
	}
	c.applyDefaults(&SourceConfig{})
	return c
}

func (m *fileModel) startSource() {
	env := &sourceEnv{
		state: m.st, stats: &sourceStats{}, log: testLogger(m.t), host: "h",
		dest: func(*SourceConfig, map[string]string) sink { return m.sink },
	}
	src, err := newFileSource(m.cfg(), env)
	if err != nil {
		m.t.Fatal(err)
	}
	src.now = func() time.Time { return m.clock }
	m.src = src
}

func (m *fileModel) poll() {
	m.clock = m.clock.Add(100 * time.Millisecond)
	n := len(m.sink.got)
	if err := m.src.poll(context.Background()); err != nil {
		m.t.Fatal(err)
	}
	for _, e := range m.sink.got[n:] {
		if num, ok := parseLine(e.msg); ok {
			m.emitted[num] = true
		}
	}
}

func parseLine(msg string) (int, bool) {
	f := strings.Fields(msg)
	if len(f) < 2 || f[0] != "line" {
		return 0, false
	}
	n, err := strconv.Atoi(f[1])
	return n, err == nil
}

// destroy records that the lines of path are gone, unless emitted.
func (m *fileModel) destroy(path string) {
	for _, n := range m.files[path] {
		if !m.emitted[n] {
			m.mayLose[n] = true
		}
	}
	delete(m.files, path)
}

func (m *fileModel) write(n int) {
	var b strings.Builder
	for range n {
		b.WriteString(lineText(m.next) + "\n")
		m.files[m.path] = append(m.files[m.path], m.next)
		m.next++
	}
	f, err := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		m.t.Fatal(err)
	}
	m.touch(m.path)
}

// shift renames path.i to path.i+1, dropping path.keep.
func (m *fileModel) shift() {
	m.destroy(fmt.Sprintf("%s.%d", m.path, m.keep))
	os.Remove(fmt.Sprintf("%s.%d", m.path, m.keep))
	for i := m.keep - 1; i >= 1; i-- {
		from, to := fmt.Sprintf("%s.%d", m.path, i), fmt.Sprintf("%s.%d", m.path, i+1)
		if _, ok := m.files[from]; ok {
			if err := os.Rename(from, to); err != nil {
				m.t.Fatal(err)
			}
			m.files[to] = m.files[from]
			delete(m.files, from)
		}
	}
}

func (m *fileModel) step() {
	m.mtime = m.mtime.Add(time.Millisecond)
	switch r := m.rng.IntN(100); {
	case r < 40:
		n := 1 + m.rng.IntN(40)
		m.logf("write %d", n)
		m.write(n)
	case r < 65:
		m.logf("poll")
		m.poll()
	case r < 72:
		m.logf("rotate by rename")
		m.shift()
		if err := os.Rename(m.path, m.path+".1"); err != nil && !os.IsNotExist(err) {
			m.t.Fatal(err)
		}
		m.files[m.path+".1"] = m.files[m.path]
		m.files[m.path] = nil
		m.write(0)
	case r < 79:
		m.logf("rotate by copy and truncate")
		m.shift()
		b, _ := os.ReadFile(m.path)
		if err := os.WriteFile(m.path+".1", b, 0o644); err != nil {
			m.t.Fatal(err)
		}
		m.touch(m.path + ".1")
		m.files[m.path+".1"] = slices.Clone(m.files[m.path])
		m.mtime = m.mtime.Add(time.Millisecond)
		if err := os.Truncate(m.path, 0); err != nil && !os.IsNotExist(err) {
			m.t.Fatal(err)
		}
		m.touch(m.path)
		m.files[m.path] = nil
	case r < 82:
		m.logf("truncate")
		m.destroy(m.path)
		os.Truncate(m.path, 0)
		m.touch(m.path)
		m.files[m.path] = nil
	case r < 85:
		m.logf("delete and recreate")
		m.destroy(m.path)
		os.Remove(m.path)
		m.write(0)
	case r < 88:
		m.logf("delete the oldest rotation")
		for i := m.keep; i >= 1; i-- {
			p := fmt.Sprintf("%s.%d", m.path, i)
			if _, ok := m.files[p]; ok {
				m.destroy(p)
				os.Remove(p)
				break
			}
		}
	case r < 94:
		m.logf("acknowledge")
		m.sink.ack(m.t)
	case r < 97:
		m.logf("restart")
		m.sink.ack(m.t)
		m.src.closeAll()
		m.startSource()
		m.restarts++
	default:
		m.logf("crash")
		for _, e := range m.sink.pending {
			if num, ok := parseLine(e.msg); ok {
				m.mayDup[num] = true
				delete(m.emitted, num)
			}
		}
		m.sink.pending = nil
		m.src.closeAll()
		m.startSource()
		m.restarts++
	}
}

// TestFileModel runs random sequences of writes, rotations (rename and
// copy-truncate), truncations, deletions, acknowledgements, restarts and
// crashes against the file source, polled synchronously, and checks what
// it emitted against a model of the files: every line that was not
// destroyed before it could be read arrives; a line arrives twice only if
// a crash caught it unacknowledged; lines arrive in the order written.
func TestFileModel(t *testing.T) {
	runs := *modelRuns
	if runs == 0 {
		runs = 60
		if testing.Short() {
			runs = 15
		}
	}
	seed := *modelSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	for r := range runs {
		s := seed + uint64(r)
		if !t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) { runFileModel(t, s, *modelSteps) }) {
			t.Logf("reproduce with: go test ./internal/agent -run TestFileModel -model.seed=%d -model.runs=1 -v", s)
			break
		}
	}
}

// newFileModel returns a model over a fresh directory and state (closed
// when the test ends), with no source started.
func newFileModel(t *testing.T, seed uint64) *fileModel {
	dir := t.TempDir()
	st, err := openState(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fileModel{
		t: t, rng: rand.New(rand.NewPCG(seed, 7)), dir: dir, path: filepath.Join(dir, "app.log"), keep: 3,
		files: map[string][]int{}, st: st, sink: &captureSink{st: st}, clock: time.Unix(1_700_000_000, 0), mtime: time.Unix(1_600_000_000, 0),
		mayLose: map[int]bool{}, mayDup: map[int]bool{}, emitted: map[int]bool{},
	}
}

func runFileModel(t *testing.T, seed uint64, steps int) {
	m := newFileModel(t, seed)
	m.fpBytes = 64 + m.rng.IntN(3)*480
	if m.rng.IntN(4) == 0 {
		m.fpBytes, m.fpLines = 0, []string{"1", "1-2"}[m.rng.IntN(2)]
	}
	m.write(m.rng.IntN(5))
	m.startSource()
	defer func() { m.src.closeAll() }()
	for range steps {
		m.step()
	}
	// Settle: read everything, let rotated files close, acknowledge.
	for range 8 {
		m.poll()
	}
	m.sink.ack(t)

	count := map[int]int{}
	var firsts []int
	for _, e := range m.sink.got {
		n, ok := parseLine(e.msg)
		if !ok || e.msg != lineText(n) {
			t.Errorf("unexpected event %q", e.msg)
			continue
		}
		if count[n] == 0 {
			firsts = append(firsts, n)
		}
		count[n]++
	}
	problems := 0
	report := func(format string, args ...any) {
		if problems++; problems <= 10 {
			t.Errorf(format, args...)
		}
	}
	for n := range m.next {
		switch c := count[n]; {
		case c == 0 && !m.mayLose[n]:
			report("line %d lost", n)
		case c > 1 && !m.mayDup[n]:
			report("line %d arrived %d times", n, c)
		}
	}
	if !slices.IsSorted(firsts) {
		for i := 1; i < len(firsts); i++ {
			if firsts[i] < firsts[i-1] {
				report("line %d arrived after line %d", firsts[i], firsts[i-1])
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("operations: %s", strings.Join(m.log, "; "))
		if testing.Verbose() {
			for _, e := range m.sink.got {
				t.Logf("event id=%d dev/ino=%d/%d fp=%d+%d off=%d %q", e.org.file.ID, e.org.file.Dev, e.org.file.Ino, e.org.file.FPOff, e.org.file.FPLen, e.off, e.msg[:min(len(e.msg), 12)])
			}
		}
	}
}

// TestCopyStartsEmpty is a copytruncate seen mid-copy: the copy exists but
// is still empty when the agent scans, then gets the live file's content,
// and the live file is truncated. The copy continues the live file's
// identity; nothing is read twice. (TestCrashShipping once read a whole
// file again after a scan had taken such an empty copy for a new file.)
func TestCopyStartsEmpty(t *testing.T) {
	m := newFileModel(t, 1)
	m.fpBytes = 64
	m.write(40)
	m.startSource()
	defer func() { m.src.closeAll() }()
	for range 3 {
		m.poll()
	}
	content, err := os.ReadFile(m.path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := m.path + ".1"
	if err := os.WriteFile(copyPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		m.poll() // scans see the empty copy
	}
	if err := os.WriteFile(copyPath, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(m.path, 0); err != nil {
		t.Fatal(err)
	}
	m.write(5)
	for range 8 {
		m.poll()
	}
	count := map[int]int{}
	for _, e := range m.sink.got {
		if n, ok := parseLine(e.msg); ok {
			count[n]++
		}
	}
	for n := range 45 {
		if count[n] != 1 {
			t.Errorf("line %d read %d times", n, count[n])
		}
	}
}
