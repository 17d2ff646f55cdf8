package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logpond/logpond/internal/server/servertest"
)

// The test binary is re-executed as other programs: the agent (for the
// crash test and the benchmark) and a fake journalctl.
const (
	roleEnv      = "LOGPOND_AGENTTEST_ROLE" // "agent" or "journalctl"
	agentCfgEnv  = "LOGPOND_AGENTTEST_CONFIG"
	fakeJournal  = "LOGPOND_AGENTTEST_JOURNAL"  // file of recorded entries, one JSON per line
	fakeArgsFile = "LOGPOND_AGENTTEST_ARGSFILE" // where the fake journalctl appends its arguments
	// cpuProfileEnv names a file for a CPU profile of the agent process
	// (benchmarks): LOGPOND_AGENTTEST_CPUPROFILE=/tmp/agent.prof go test -bench AgentThroughput
	cpuProfileEnv = "LOGPOND_AGENTTEST_CPUPROFILE"
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "agent":
		os.Exit(agentMain())
	case "journalctl":
		os.Exit(fakeJournalctlMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// agentMain runs the agent of a re-executed test binary with the YAML
// configuration in $LOGPOND_AGENTTEST_CONFIG, until SIGTERM.
func agentMain() int {
	// The test holds our stdin open; if it dies without killing us, end.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	b, err := os.ReadFile(os.Getenv(agentCfgEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg, err := ParseConfig(b, os.Getenv(agentCfgEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200) // as cmd/logpond's agent command does
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(ctx, Options{Config: cfg, Logger: log, Retry: fastRetry})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if path := os.Getenv(cpuProfileEnv); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	fmt.Fprintln(os.Stderr, "agent started")
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// fakeJournalctlMain prints the recorded entries after --after-cursor
// (all of them without it), as `journalctl -o json --follow` would, then
// waits to be killed, like --follow. It appends its arguments, as a JSON
// array, to $LOGPOND_AGENTTEST_ARGSFILE.
func fakeJournalctlMain(args []string) int {
	if f := os.Getenv(fakeArgsFile); f != "" {
		b, _ := json.Marshal(args)
		af, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			af.Write(append(b, '\n'))
			af.Close()
		}
	}
	after := ""
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--after-cursor="); ok {
			after = v
		}
	}
	f, err := os.Open(os.Getenv(fakeJournal))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	printing := after == ""
	w := bufio.NewWriter(os.Stdout)
	for sc.Scan() {
		line := sc.Text()
		if printing {
			w.WriteString(line + "\n")
			continue
		}
		var e struct {
			Cursor string `json:"__CURSOR"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Cursor == after {
			printing = true
		}
	}
	w.Flush()
	time.Sleep(time.Hour) // --follow: nothing more
	return 0
}

// agentProcStates keeps the state of every agent process that ended, by
// process id (benchmarks read its resource usage).
var agentProcStates = struct {
	mu sync.Mutex // guards m
	m  map[int]*os.ProcessState
}{m: map[int]*os.ProcessState{}}

// agentProc is the agent as a child process (this test binary), started
// again and again with one configuration; it is killed when the test ends.
type agentProc struct {
	t       testing.TB
	cfgPath string
	env     []string

	mu     sync.Mutex // guards cmd, exited, out
	cmd    *exec.Cmd
	exited chan struct{}
	out    strings.Builder
	starts int
}

// newAgentProc writes cfg for child agents that ship to the server at url
// as account A.
func newAgentProc(t testing.TB, cfg *Config, url string) *agentProc {
	t.Helper()
	cfg.Endpoint = url
	cfg.Region = "us-east-1"
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/agent.yaml"
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	p := &agentProc{t: t, cfgPath: path, env: append(os.Environ(),
		roleEnv+"=agent", agentCfgEnv+"="+path,
		"AWS_ACCESS_KEY_ID="+servertest.KeyA.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+servertest.KeyA.SecretAccessKey,
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials",
		"AWS_EC2_METADATA_DISABLED=true", "HOME="+home,
	)}
	t.Cleanup(func() { p.kill() })
	return p
}

// start starts the agent and returns once it runs.
func (p *agentProc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatal("agent already running")
	}
	p.starts++
	fmt.Fprintf(&p.out, "=== agent process %d\n", p.starts)
	cmd := exec.Command(os.Args[0])
	cmd.Env = p.env
	cmd.Stdout = &lockedWriter{mu: &p.mu, w: &p.out}
	started := make(chan struct{})
	cmd.Stderr = &watchWriter{lockedWriter: lockedWriter{mu: &p.mu, w: &p.out}, want: "agent started", seen: started}
	if _, err := cmd.StdinPipe(); err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		agentProcStates.mu.Lock()
		agentProcStates.m[cmd.Process.Pid] = cmd.ProcessState
		agentProcStates.mu.Unlock()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	defer p.mu.Lock()
	select {
	case <-started:
	case <-exited:
		p.t.Fatalf("agent exited while starting:\n%s", p.output())
	case <-time.After(20 * time.Second):
		p.t.Fatalf("agent did not start within 20s:\n%s", p.output())
	}
}

// kill SIGKILLs the agent, if it runs, and waits for it.
func (p *agentProc) kill() { p.signal(syscall.SIGKILL) }

// term asks the agent to stop (SIGTERM) and waits for it.
func (p *agentProc) term() { p.signal(syscall.SIGTERM) }

func (p *agentProc) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// pid returns the running agent's process id (0 if none).
func (p *agentProc) process() *os.Process {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	return p.cmd.Process
}

func (p *agentProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.out.String()
	return s[max(0, len(s)-6000):]
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// watchWriter closes seen when the output contains want.
type watchWriter struct {
	lockedWriter
	want string
	seen chan struct{}
	line []byte
	once sync.Once
}

func (w *watchWriter) Write(b []byte) (int, error) {
	w.line = append(w.line, b...)
	if strings.Contains(string(w.line), w.want) {
		w.once.Do(func() { close(w.seen) })
		w.line = nil
	} else if len(w.line) > 4096 {
		w.line = w.line[len(w.line)-100:]
	}
	return w.lockedWriter.Write(b)
}
