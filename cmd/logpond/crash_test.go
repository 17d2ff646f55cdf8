package main

// TestCrashRecovery runs the real server as a child process (this test binary
// re-executed, see TestMain), SIGKILLs it at random moments while four
// writers put batches, restarts it on the same port and data dir, and checks
// what PutLogEvents promises: every acknowledged event survives, and events
// are duplicated only when the client retried a batch whose first attempt
// may have landed (at-least-once, as with CloudWatch Logs).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/logpond/logpond/internal/server/servertest"
)

// The environment of a re-executed test binary that is to be the server.
const (
	crashServerEnv = "LOGPOND_CRASHTEST_SERVER" // "1": run the server instead of the tests
	crashArgsEnv   = "LOGPOND_CRASHTEST_ARGS"   // the arguments of run, as a JSON array
	crashSeedEnv   = "LOGPOND_CRASHTEST_SEED"   // seed, when -crash.seed is not given
)

var (
	crashSeed  = flag.Uint64("crash.seed", 0, "seed of TestCrashRecovery (0: $"+crashSeedEnv+", else the clock)")
	crashKills = flag.Int("crash.kills", 0, "server kills in TestCrashRecovery (0: 8, or 3 with -short)")
)

const (
	crashWriters       = 4
	crashGroup         = "crash"
	crashDeadline      = 45 * time.Second // the whole test, server starts and read-back included
	crashStartTimeout  = 15 * time.Second // one server start: exec, WAL replay, listen
	crashRequestTime   = 10 * time.Second // one API call
	crashMaxAttempts   = 100              // attempts of one batch before the writer gives up
	crashQuietWriting  = 300 * time.Millisecond
	crashListeningLine = `msg="logpond listening"`
)

func TestMain(m *testing.M) {
	if os.Getenv(crashServerEnv) == "1" {
		os.Exit(crashServerMain())
	}
	os.Exit(m.Run())
}

// crashServerMain is main for a test binary re-executed as the server.
func crashServerMain() int {
	// The test holds our stdin open; if the test binary dies without
	// killing us (a -timeout panic), end too instead of lingering.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(crashArgsEnv)), &args); err != nil {
		fmt.Fprintf(os.Stderr, "crash test server: %s: %v\n", crashArgsEnv, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "logpond:", err)
		return 1
	}
	return 0
}

func TestCrashRecovery(t *testing.T) {
	seed := crashTestSeed(t)
	kills := *crashKills
	if kills <= 0 {
		kills = 8
		if testing.Short() {
			kills = 3
		}
	}
	t.Logf("seed %d (reproduce with -crash.seed=%d or %s=%d), %d kills", seed, seed, crashSeedEnv, seed, kills)
	began := time.Now()

	ctx, cancel := context.WithTimeoutCause(context.Background(), crashDeadline, errors.New("crash test deadline"))
	defer cancel()
	srv := newCrashServer(t, crashFreeAddr(t), t.TempDir())
	if err := srv.start(ctx); err != nil {
		t.Fatal(err)
	}
	setup := crashClient(srv.url())
	if _, err := setup.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(crashGroup)}); err != nil {
		t.Fatal(err)
	}
	for w := range crashWriters {
		in := &cwl.CreateLogStreamInput{LogGroupName: aws.String(crashGroup), LogStreamName: aws.String(crashStreamName(w))}
		if _, err := setup.CreateLogStream(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	// Writers put until stop is closed; the killer kills and restarts the
	// server, then lets the writers run undisturbed for a moment and closes
	// stop. A failing goroutine cancels the others through ctx.
	base := time.Now().Add(-time.Hour).UnixMilli()
	writers := make([]*crashWriter, crashWriters)
	for w := range writers {
		writers[w] = &crashWriter{
			id: w, client: crashClient(srv.url()), health: srv.url() + "/healthz",
			rng: rand.New(rand.NewPCG(seed, uint64(w))), nextTS: base,
		}
	}
	var (
		inflight atomic.Int64 // PutLogEvents calls under way, of all writers
		stop     = make(chan struct{})
		errs     = make([]error, crashWriters+1)
		wg       sync.WaitGroup
	)
	wctx, wcancel := context.WithCancelCause(ctx)
	defer wcancel(nil)
	killer := &crashKiller{srv: srv, rng: rand.New(rand.NewPCG(seed, crashWriters)), inflight: &inflight}
	for w, cw := range writers {
		wg.Go(func() {
			if errs[w] = cw.run(wctx, stop, &inflight); errs[w] != nil {
				wcancel(errs[w])
			}
		})
	}
	wg.Go(func() {
		defer close(stop)
		if errs[crashWriters] = killer.run(wctx, kills); errs[crashWriters] != nil {
			wcancel(errs[crashWriters])
		}
	})
	wg.Wait()
	if errors.Join(errs...) != nil {
		// The first failure is the cause; the others were cancelled by it.
		t.Fatalf("%v\nserver output (tail):\n%s", context.Cause(wctx), srv.logTail())
	}

	// One more crash, this time with nothing in flight, then read back.
	if err := srv.kill(); err != nil {
		t.Fatal(err)
	}
	if err := srv.start(ctx); err != nil {
		t.Fatal(err)
	}
	read := crashClient(srv.url())
	got := make([][]crashEvent, crashWriters)
	for w := range got {
		evs, err := crashReadStream(ctx, read, crashStreamName(w))
		if err != nil {
			t.Fatalf("read back stream %s: %v", crashStreamName(w), err)
		}
		got[w] = evs
	}

	sum := crashCheck(t, writers, got)
	sum.kills, sum.killsInFlight = killer.kills, killer.killsInFlight
	for _, cw := range writers {
		sum.failedAttempts += cw.failed
	}
	logs := srv.logs()
	sum.starts = strings.Count(logs, "msg=\"wal replayed\"")
	sum.tornTails = crashSumField(logs, "torn_tails")
	sum.corrupt = crashSumField(logs, "corrupt_records")
	if n := crashSumField(logs, "undecodable"); n > 0 {
		t.Errorf("replay found %d records whose checksum passed but whose payload did not decode", n)
	}
	// The server sealed its head into segment files while being killed, so
	// kills also landed around seals and merges.
	if segs, _ := filepath.Glob(filepath.Join(srv.dir, "segments", "*")); len(segs) == 0 {
		t.Errorf("no segment files in %s: the run never sealed", srv.dir)
	} else {
		t.Logf("%d segment files at the end", len(segs))
	}
	// Without a kill that caught requests in flight the test proves nothing.
	if sum.killsInFlight == 0 || sum.failedAttempts == 0 {
		t.Errorf("no kill interrupted a request (kills in flight %d, failed attempts %d): the test was vacuous",
			sum.killsInFlight, sum.failedAttempts)
	}
	t.Logf("crash summary: seed %d, %d kills (%d with requests in flight), %d server starts, %d torn WAL tails, %d corrupt WAL records; "+
		"%d batches (%d acknowledged, %d retried, %d landed more than once), %d events sent, %d read back, %d duplicate events; "+
		"%d failed attempts; mean server start %v; %.1fs",
		seed, sum.kills, sum.killsInFlight, sum.starts, sum.tornTails, sum.corrupt,
		sum.batches, sum.acked, sum.retried, sum.dupBatches, sum.sent, sum.read, sum.dupEvents,
		sum.failedAttempts, srv.startTime().Round(time.Millisecond), time.Since(began).Seconds())
	if t.Failed() {
		t.Logf("reproduce with: go test ./cmd/logpond -run CrashRecovery -v -crash.seed=%d -crash.kills=%d", seed, kills)
	}
}

// crashTestSeed returns -crash.seed, else $LOGPOND_CRASHTEST_SEED, else a
// seed from the clock.
func crashTestSeed(t *testing.T) uint64 {
	t.Helper()
	if *crashSeed != 0 {
		return *crashSeed
	}
	if s := os.Getenv(crashSeedEnv); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", crashSeedEnv, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// crashFreeAddr returns a loopback address that was free a moment ago; the
// server is restarted on it every time.
func crashFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// crashClient returns an SDK client of account A for the server at url. It
// makes one attempt per call: the writers do their own retries.
func crashClient(url string) *cwl.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return (&servertest.Instance{URL: url}).Client(servertest.KeyA, func(o *cwl.Options) {
		o.RetryMaxAttempts = 1
		o.HTTPClient = &http.Client{Transport: servertest.CopyBodies(tr)}
	})
}

func crashStreamName(w int) string { return fmt.Sprintf("writer-%d", w) }

// crashBatch is one PutLogEvents batch: events writer/num/0 .. writer/num/n-1
// with timestamps firstTS, firstTS+1, ...
type crashBatch struct {
	num      int
	firstTS  int64
	n        int
	attempts int  // PutLogEvents calls made with it
	acked    bool // one of them succeeded
}

func crashMessage(w, b, i int) string {
	// A varying tail gives the events different sizes.
	return fmt.Sprintf("crash w%d b%d i%d %s", w, b, i, strings.Repeat("x", (b*7+i)%48))
}

// crashParse returns the writer, batch and index of a crashMessage.
func crashParse(msg string) (w, b, i int, ok bool) {
	f := strings.Fields(msg)
	if len(f) < 4 || f[0] != "crash" {
		return 0, 0, 0, false
	}
	var nums [3]int
	for k, prefix := range []string{"w", "b", "i"} {
		s, found := strings.CutPrefix(f[k+1], prefix)
		n, err := strconv.Atoi(s)
		if !found || err != nil || n < 0 {
			return 0, 0, 0, false
		}
		nums[k] = n
	}
	return nums[0], nums[1], nums[2], msg == crashMessage(nums[0], nums[1], nums[2])
}

// crashWriter puts batches to its own stream. Its fields other than the
// client are owned by run's goroutine until run returns.
type crashWriter struct {
	id      int
	client  *cwl.Client
	health  string // URL of the server's health check
	rng     *rand.Rand
	nextTS  int64
	batches []*crashBatch // index = batch number
	failed  int           // attempts that returned an error
}

// run puts batches of 50 to 500 events until stop is closed. A batch whose
// attempt fails is sent again, unchanged, once the server answers again.
func (cw *crashWriter) run(ctx context.Context, stop <-chan struct{}, inflight *atomic.Int64) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		b := &crashBatch{num: len(cw.batches), firstTS: cw.nextTS, n: 50 + cw.rng.IntN(451)}
		cw.batches = append(cw.batches, b)
		cw.nextTS += int64(b.n)
		in := &cwl.PutLogEventsInput{
			LogGroupName:  aws.String(crashGroup),
			LogStreamName: aws.String(crashStreamName(cw.id)),
			LogEvents:     make([]types.InputLogEvent, b.n),
		}
		for i := range b.n {
			in.LogEvents[i] = types.InputLogEvent{Timestamp: aws.Int64(b.firstTS + int64(i)), Message: aws.String(crashMessage(cw.id, b.num, i))}
		}
		for !b.acked {
			if b.attempts == crashMaxAttempts {
				return fmt.Errorf("writer %d: batch %d failed %d times", cw.id, b.num, b.attempts)
			}
			b.attempts++
			rctx, cancel := context.WithTimeout(ctx, crashRequestTime)
			inflight.Add(1)
			out, err := cw.client.PutLogEvents(rctx, in)
			inflight.Add(-1)
			cancel()
			if err == nil {
				if out.RejectedLogEventsInfo != nil {
					return fmt.Errorf("writer %d: batch %d: events rejected: %+v", cw.id, b.num, *out.RejectedLogEventsInfo)
				}
				b.acked = true
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("writer %d: batch %d: %w (%w)", cw.id, b.num, err, context.Cause(ctx))
			}
			// The server answering with an API error is a bug in the test
			// or the server, never an effect of a kill.
			if ae, ok := errors.AsType[smithy.APIError](err); ok {
				return fmt.Errorf("writer %d: batch %d: server refused it: %w", cw.id, b.num, ae)
			}
			cw.failed++
			if err := crashAwaitHealthy(ctx, cw.health); err != nil {
				return fmt.Errorf("writer %d: batch %d: %w", cw.id, b.num, err)
			}
		}
	}
}

// crashAwaitHealthy polls the health check until it answers 200.
func crashAwaitHealthy(ctx context.Context, url string) error {
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the server to answer: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// crashKiller SIGKILLs and restarts the server. kills and killsInFlight
// are owned by run's goroutine until run returns.
type crashKiller struct {
	srv           *crashServer
	rng           *rand.Rand
	inflight      *atomic.Int64
	kills         int
	killsInFlight int // kills while a writer had a PutLogEvents call under way
}

// run kills the server n times, 100 to 700 ms apart, restarting it each
// time, then lets the writers run without disturbance for a moment.
func (k *crashKiller) run(ctx context.Context, n int) error {
	for range n {
		if err := crashSleep(ctx, time.Duration(100+k.rng.IntN(601))*time.Millisecond); err != nil {
			return err
		}
		if k.inflight.Load() > 0 {
			k.killsInFlight++
		}
		if err := k.srv.kill(); err != nil {
			return err
		}
		k.kills++
		// Sometimes stay down a little, so that writers also meet a
		// refused connection rather than only a dropped one.
		if err := crashSleep(ctx, time.Duration(k.rng.IntN(50))*time.Millisecond); err != nil {
			return err
		}
		if err := k.srv.start(ctx); err != nil {
			return err
		}
	}
	return crashSleep(ctx, crashQuietWriting)
}

func crashSleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-tm.C:
		return nil
	}
}

// crashServer is the server child process, started again and again on one
// address and data dir. It is killed when the test ends.
type crashServer struct {
	addr, dir string
	out       crashOutput

	mu       sync.Mutex    // guards the fields below
	proc     *crashProc    // nil while no process runs
	n        int           // processes started
	starting time.Duration // spent in start, summed
}

// crashProc is one server process.
type crashProc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait has returned
	err    error         // cmd.Wait's result, set before exited is closed
}

func newCrashServer(t *testing.T, addr, dir string) *crashServer {
	s := &crashServer{addr: addr, dir: dir}
	t.Cleanup(func() {
		if err := s.kill(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func (s *crashServer) url() string { return "http://" + s.addr }

// start starts a server process and returns once it listens.
func (s *crashServer) start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("start: server already running")
	}
	s.n++
	defer func(t0 time.Time) { s.starting += time.Since(t0) }(time.Now())
	// Small seal thresholds: kills land during seals and merges too.
	args, err := json.Marshal([]string{"server", "--listen", s.addr, "--data-dir", s.dir, "--head-max-bytes", "262144", "--seal-interval", "300ms"})
	if err != nil {
		return err
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(),
		crashServerEnv+"=1",
		crashArgsEnv+"="+string(args),
		"LOGPOND_ACCESS_KEY_ID="+servertest.KeyA.AccessKeyID,
		"LOGPOND_SECRET_ACCESS_KEY="+servertest.KeyA.SecretAccessKey,
		"LOGPOND_ACCOUNT_ID="+servertest.KeyA.AccountID,
	)
	ready := s.out.begin(s.n)
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	// Never written to; closed by cmd.Wait, or by the exit of this process.
	if _, err := cmd.StdinPipe(); err != nil {
		return fmt.Errorf("start server %d: %w", s.n, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server %d: %w", s.n, err)
	}
	p := &crashProc{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	s.proc = p

	tm := time.NewTimer(crashStartTimeout)
	defer tm.Stop()
	select {
	case <-ready:
		return nil
	case <-p.exited:
		s.proc = nil
		return fmt.Errorf("server %d exited while starting: %v\n%s", s.n, p.err, s.out.tail())
	case <-tm.C:
		err = fmt.Errorf("server %d did not listen within %v\n%s", s.n, crashStartTimeout, s.out.tail())
	case <-ctx.Done():
		err = fmt.Errorf("server %d: %w", s.n, context.Cause(ctx))
	}
	s.killLocked()
	return err
}

// kill SIGKILLs the server process and waits for it. It fails if the
// process had already exited on its own; without a process it does nothing.
func (s *crashServer) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.procExited():
		err := fmt.Errorf("server %d exited on its own: %v\n%s", s.n, s.proc.err, s.out.tail())
		s.proc = nil
		return err
	default:
	}
	s.killLocked()
	return nil
}

// procExited returns the exited channel of the process, or nil (never
// ready) without one; s.mu must be held.
func (s *crashServer) procExited() <-chan struct{} {
	if s.proc == nil {
		return nil
	}
	return s.proc.exited
}

// killLocked kills the process, if any, and waits for it; s.mu must be held.
func (s *crashServer) killLocked() {
	if s.proc == nil {
		return
	}
	s.proc.cmd.Process.Kill() // fails only if it has exited already
	<-s.proc.exited
	s.proc = nil
}

// startTime returns the mean time a start took.
func (s *crashServer) startTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starting / time.Duration(max(s.n, 1))
}

func (s *crashServer) logs() string    { return s.out.String() }
func (s *crashServer) logTail() string { return s.out.tail() }

// crashOutput collects the stdout and stderr of every server process and
// tells when the current one logs that it listens.
type crashOutput struct {
	mu    sync.Mutex // guards the fields below
	buf   bytes.Buffer
	from  int           // offset in buf where the current process's output starts
	ready chan struct{} // closed at the current process's listening line; nil once closed
}

// begin marks the start of process n's output and returns the channel
// closed when it logs that it listens.
func (o *crashOutput) begin(n int) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(&o.buf, "=== server process %d\n", n)
	o.from = o.buf.Len()
	ready := make(chan struct{})
	o.ready = ready
	return ready
}

func (o *crashOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.ready != nil && bytes.Contains(o.buf.Bytes()[o.from:], []byte(crashListeningLine)) {
		close(o.ready)
		o.ready = nil
	}
	return len(p), nil
}

func (o *crashOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// tail returns the last few KB of output.
func (o *crashOutput) tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buf.Bytes()
	return string(b[max(0, len(b)-4096):])
}

// crashSumField adds up the numeric values of key=N in the server's logs.
func crashSumField(logs, key string) int {
	n := 0
	for _, m := range regexp.MustCompile(`\b`+regexp.QuoteMeta(key)+`=(\d+)`).FindAllStringSubmatch(logs, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// crashEvent is an event as read back.
type crashEvent struct {
	ts  int64
	msg string
}

// crashReadStream reads a whole stream from the oldest event on.
func crashReadStream(ctx context.Context, c *cwl.Client, stream string) ([]crashEvent, error) {
	in := &cwl.GetLogEventsInput{LogGroupName: aws.String(crashGroup), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)}
	p := cwl.NewGetLogEventsPaginator(c, in, func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var out []crashEvent
	for pages := 0; p.HasMorePages(); pages++ {
		if pages == 100_000 {
			return out, fmt.Errorf("still not at the end after %d pages", pages)
		}
		rctx, cancel := context.WithTimeout(ctx, crashRequestTime)
		page, err := p.NextPage(rctx)
		cancel()
		if err != nil {
			return out, err
		}
		for _, e := range page.Events {
			out = append(out, crashEvent{ts: aws.ToInt64(e.Timestamp), msg: aws.ToString(e.Message)})
		}
	}
	return out, nil
}

// crashSummary counts what the test did and found.
type crashSummary struct {
	kills, killsInFlight, starts, tornTails, corrupt int
	batches, acked, retried, dupBatches              int
	sent, read, dupEvents, failedAttempts            int
}

// crashCheck compares what the writers sent with what was read back.
func crashCheck(t *testing.T, writers []*crashWriter, got [][]crashEvent) crashSummary {
	t.Helper()
	var sum crashSummary
	problems := 0
	report := func(format string, args ...any) {
		t.Helper()
		if problems++; problems <= 20 {
			t.Errorf(format, args...)
		}
	}
	for w, cw := range writers {
		// counts[b][i]: how often event w/b/i was read back.
		counts := make([][]int, len(cw.batches))
		for b, bt := range cw.batches {
			counts[b] = make([]int, bt.n)
		}
		var prev int64
		for k, e := range got[w] {
			sum.read++
			if k > 0 && e.ts < prev {
				report("stream %s: event %d (%q) has timestamp %d, before its predecessor's %d", crashStreamName(w), k, e.msg, e.ts, prev)
			}
			prev = e.ts
			ew, b, i, ok := crashParse(e.msg)
			if !ok || ew != w || b >= len(cw.batches) || i >= cw.batches[b].n {
				report("stream %s: event %d (%q) was never sent to this stream", crashStreamName(w), k, e.msg)
				continue
			}
			if want := cw.batches[b].firstTS + int64(i); e.ts != want {
				report("stream %s: event %q has timestamp %d, sent with %d", crashStreamName(w), e.msg, e.ts, want)
			}
			counts[b][i]++
		}
		for b, bt := range cw.batches {
			sum.batches++
			sum.sent += bt.n
			if bt.acked {
				sum.acked++
			}
			if bt.attempts > 1 {
				sum.retried++
			}
			lo, hi := counts[b][0], counts[b][0]
			for _, c := range counts[b] {
				lo, hi = min(lo, c), max(hi, c)
				if c > 1 {
					sum.dupEvents += c - 1
				}
			}
			if hi > 1 {
				sum.dupBatches++
			}
			name := fmt.Sprintf("writer %d batch %d (%d events, %d attempts, acknowledged %v)", w, b, bt.n, bt.attempts, bt.acked)
			switch {
			case bt.acked && lo == 0:
				missing := 0
				for _, c := range counts[b] {
					if c == 0 {
						missing++
					}
				}
				report("LOST: %s: %d of its events are missing", name, missing)
			case hi > bt.attempts:
				report("DUPLICATED: %s: an event is stored %d times, more than the batch was sent", name, hi)
			}
			// A batch is one WAL record: it is stored whole or not at all.
			if lo != hi {
				report("PARTIAL: %s: its events are stored between %d and %d times", name, lo, hi)
			}
		}
	}
	if problems > 20 {
		t.Errorf("... and %d more problems", problems-20)
	}
	return sum
}
