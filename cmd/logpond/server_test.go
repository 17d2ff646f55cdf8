package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var addrRE = regexp.MustCompile(`msg="logpond listening" addr=(\S+)`)

// TestServerGeneratesKeysAndShutsDownGracefully runs the server subcommand
// with no identity configured: it must print a generated key pair, serve,
// and return nil when its context ends (as on SIGTERM).
func TestServerGeneratesKeysAndShutsDownGracefully(t *testing.T) {
	for _, k := range []string{"LOGPOND_ACCESS_KEY_ID", "LOGPOND_SECRET_ACCESS_KEY", "LOGPOND_ACCOUNT_ID"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"server", "--listen", "127.0.0.1:0", "--data-dir", dir}, &stdout, &stderr)
	}()
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("server did not start: %s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "export AWS_ACCESS_KEY_ID=LPAK") {
		t.Fatalf("no generated key printed: %q", stdout.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	// A second start reuses the generated key instead of printing a new one.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var out2, err2 syncBuffer
	done2 := make(chan error, 1)
	go func() {
		done2 <- run(ctx2, []string{"server", "--listen", "127.0.0.1:0", "--data-dir", dir}, &out2, &err2)
	}()
	for i := 0; i < 200 && !addrRE.MatchString(err2.String()); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out2.String(), "generated") {
		t.Fatal("second start generated another key")
	}
}

func TestCommandLineErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"nope"},
		{"server", "--auth", "maybe", "--data-dir", "x"},
		{"server", "extra-arg"},
	}
	for _, args := range cases {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, &out, &errb)
		if _, ok := err.(usageError); !ok {
			t.Errorf("%q: want a usage error, got %v", args, err)
		}
	}
}
