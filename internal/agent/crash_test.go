package agent

// TestCrashShipping runs the agent as a child process (this test binary
// re-executed, see TestMain) and SIGKILLs it again and again while it
// ships a file that is being written and rotated, then checks what the
// agent promises: no line lost, and at most one batch sent again per kill.

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/server/servertest"
)

var (
	crashSeed  = flag.Uint64("agentcrash.seed", 0, "seed of TestCrashShipping (0: the clock)")
	crashKills = flag.Int("agentcrash.kills", 0, "agent kills in TestCrashShipping (0: 6, or 3 with -short)")
)

func TestCrashShipping(t *testing.T) {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	kills := *crashKills
	if kills <= 0 {
		kills = 6
		if testing.Short() {
			kills = 3
		}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d (reproduce with -agentcrash.seed=%d), %d kills", seed, seed, kills)

	in := servertest.Start(t, servertest.Options{})
	c := testClient(in.URL)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	const batchEvents = 50
	cfg := fileConfig(filepath.Join(dir, "state"), path+"*", "crash", "s")
	cfg.Sources[0].BatchCount = batchEvents
	cfg.Sources[0].FlushInterval = Duration(30 * time.Millisecond)
	proc := newAgentProc(t, cfg, in.URL)
	w := newLineWriter(t, path)

	// The writer writes and rotates until stop; it runs in this goroutine
	// between kills so that the test needs no locks.
	deadline := time.Now().Add(2 * time.Minute)
	writeFor := func(d time.Duration) {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			w.write(1 + rng.IntN(30))
			switch r := rng.IntN(40); {
			case r == 0:
				w.rotateRename(4)
			case r == 1:
				w.rotateCopyTruncate(4)
			}
			time.Sleep(time.Duration(2+rng.IntN(6)) * time.Millisecond)
		}
	}
	proc.start()
	for k := range kills {
		writeFor(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		proc.kill()
		if time.Now().After(deadline) {
			t.Fatalf("deadline passed after %d kills", k)
		}
		writeFor(time.Duration(rng.IntN(80)) * time.Millisecond) // written while the agent is down
		proc.start()
	}
	writeFor(300 * time.Millisecond)
	got := waitAllLines(t, c, "crash", "s", w.next, 30*time.Second)
	proc.term()
	got = waitStream(t, c, "crash", "s", w.next, 0)

	// Every line at least once; duplicates within one batch per kill;
	// first arrivals in order.
	count := map[string]int{}
	var firsts []string
	for _, m := range got {
		if count[m] == 0 {
			firsts = append(firsts, m)
		}
		count[m]++
	}
	lost, dups := 0, 0
	for i := range w.next {
		switch n := count[lineText(i)]; {
		case n == 0:
			if lost++; lost <= 10 {
				t.Errorf("LOST: line %d", i)
			}
		case n > 1:
			dups += n - 1
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d lines lost\nagent output (tail):\n%s", lost, w.next, proc.output())
	}
	if dups > kills*batchEvents {
		t.Errorf("%d duplicate lines after %d kills: more than one batch (%d events) per kill", dups, kills, batchEvents)
	}
	// Order is not checked: rotations here come every few dozen
	// milliseconds, faster than the agent scans, and a copy found after
	// the newer content was read arrives after it (TestRotationEndToEnd
	// checks order at rotations the agent sees).
	outOfOrder := 0
	for i, m := range firsts {
		if i < w.next && m != lineText(i) {
			outOfOrder++
		}
	}
	if t.Failed() {
		var b strings.Builder
		for _, m := range got {
			b.WriteString(m[:11] + "\n")
		}
		os.WriteFile("/tmp/crashlog.txt", []byte(proc.out.String()), 0o644)
		os.WriteFile("/tmp/crashgot.txt", []byte(b.String()), 0o644)
	}
	t.Logf("crash summary: seed %d, %d kills, %d lines written, %d events read back, %d duplicates, %d first arrivals out of place, %d agent starts",
		seed, kills, w.next, len(got), dups, outOfOrder, proc.starts)
}
