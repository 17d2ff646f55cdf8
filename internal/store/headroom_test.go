package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHeadBackpressure fills the head while seals fail: a put that finds
// the head at twice HeadMaxBytes waits HeadWait and fails with ErrBusy,
// storing nothing; once seals succeed again, puts go on and every event
// acknowledged before is readable.
func TestHeadBackpressure(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	ffs := &faultFS{fail: "write"}
	opts := Options{Dir: dir, Now: c.now, HeadMaxBytes: 64 << 10, SealInterval: -1, CacheBytes: 1 << 20,
		HeadWait: 200 * time.Millisecond, MaintainInterval: 20 * time.Millisecond, segFS: ffs}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	s.CreateLogGroup(sc, "g", GroupOptions{})
	s.CreateLogStream(sc, "g", "a")
	msg := strings.Repeat("m", 1000)
	base := c.now().UnixMilli() - 1000
	acked := 0
	var busy error
	for i := 0; i < 1000 && busy == nil; i++ {
		_, err := s.PutLogEvents(sc, "g", "a", []InputEvent{{base + int64(i), fmt.Sprintf("%04d%s", i, msg)}})
		switch {
		case err == nil:
			acked++
		case errors.Is(err, ErrBusy):
			busy = err
		default:
			t.Fatal(err)
		}
	}
	if busy == nil {
		t.Fatalf("1000 puts of 1 KB into a 64 KiB head whose seals fail: no ErrBusy")
	}
	if limit := 2 * opts.HeadMaxBytes; int64(acked)*1004 < limit || int64(acked)*1004 > limit+2*1004 {
		t.Errorf("ErrBusy after %d events of 1004 bytes; want the head at its limit of %d bytes", acked, limit)
	}
	if got := s.headBytes.Load(); got > 2*opts.HeadMaxBytes+1004 {
		t.Errorf("head holds %d bytes, over its limit", got)
	}

	ffs.mu.Lock()
	ffs.fail = ""
	ffs.mu.Unlock()
	// The background loop seals now; a waiting put is released by it.
	if _, err := s.PutLogEvents(sc, "g", "a", []InputEvent{{base + 5000, "after"}}); err != nil {
		t.Fatalf("put after seals work again: %v", err)
	}
	r, err := s.GetLogEvents(sc, "g", "a", GetQuery{Range: AllTime})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Events) != acked+1 {
		t.Fatalf("%d events readable, want the %d acknowledged", len(r.Events), acked+1)
	}
	for i, e := range r.Events[:acked] {
		if !strings.HasPrefix(e.Message, fmt.Sprintf("%04d", i)) {
			t.Fatalf("event %d is %.10q", i, e.Message)
		}
	}
}

// TestHeadBytesAfterDelete checks that deleting a stream or a group gives
// its head bytes back, so that the head limit does not drift.
func TestHeadBytesAfterDelete(t *testing.T) {
	s, c := openSealTestGroup(t, "a", "b")
	base := c.now().UnixMilli()
	mustPut(t, s, "g", "a", InputEvent{base, "12345"})
	mustPut(t, s, "g", "b", InputEvent{base, "123"})
	if got := s.headBytes.Load(); got != 8 {
		t.Fatalf("head bytes %d, want 8", got)
	}
	if err := s.DeleteLogStream(sc, "g", "a"); err != nil {
		t.Fatal(err)
	}
	if got := s.headBytes.Load(); got != 3 {
		t.Fatalf("after deleting a stream: head bytes %d, want 3", got)
	}
	if err := s.DeleteLogGroup(sc, "g"); err != nil {
		t.Fatal(err)
	}
	if got := s.headBytes.Load(); got != 0 {
		t.Fatalf("after deleting the group: head bytes %d, want 0", got)
	}
}
