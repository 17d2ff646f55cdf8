package agent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/logpond/logpond/internal/ship"
)

func testBatch(first, n int) []ship.Event {
	evs := make([]ship.Event, n)
	for i := range evs {
		evs[i] = ship.Event{Timestamp: int64(1000 + first + i), Message: fmt.Sprintf("event %d %s", first+i, "é")}
	}
	return evs
}

func TestSpool(t *testing.T) {
	root := t.TempDir()
	d := destKey{"group/a", "stream:1"}
	used := &atomic.Int64{}
	budget := &spoolBudget{max: 1 << 30, used: used}
	sp, err := openSpool(root, d, spoolPos{}, budget)
	if err != nil {
		t.Fatal(err)
	}
	if !sp.empty() {
		t.Fatal("new spool not empty")
	}
	for b := range 5 {
		if err := sp.append(testBatch(b*10, 10), d); err != nil {
			t.Fatal(err)
		}
	}
	if used.Load() != sp.bytes() || sp.bytes() == 0 {
		t.Fatalf("budget %d, spool %d bytes", used.Load(), sp.bytes())
	}
	// Read two, then "crash": reopen at the committed head.
	var head spoolPos
	for b := range 2 {
		evs, next, err := sp.peek()
		if err != nil || len(evs) != 10 || evs[0].Message != testBatch(b*10, 1)[0].Message || evs[9].Timestamp != int64(1000+b*10+9) {
			t.Fatalf("batch %d: %v %v", b, evs, err)
		}
		sp.advance(next)
		head = next
	}
	sp.close()
	keys, err := listSpools(root)
	if err != nil || len(keys) != 1 || keys[0] != d {
		t.Fatalf("listSpools: %v %v", keys, err)
	}
	// A torn record at the end, as a crash mid-write leaves it.
	seg := filepath.Join(root, spoolName(d), segName(head.Seg))
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 'x'})
	f.Close()

	used.Store(0)
	sp, err = openSpool(root, d, head, budget)
	if err != nil {
		t.Fatal(err)
	}
	for b := 2; b < 5; b++ {
		evs, next, err := sp.peek()
		if err != nil || evs[0].Timestamp != int64(1000+b*10) {
			t.Fatalf("after reopen, batch %d: %v %v", b, evs, err)
		}
		sp.advance(next)
	}
	if _, _, err := sp.peek(); !errors.Is(err, io.EOF) || !sp.empty() {
		t.Fatalf("drained spool: %v, empty %v", err, sp.empty())
	}
	// Appending after the torn tail was cut works.
	if err := sp.append(testBatch(50, 3), d); err != nil {
		t.Fatal(err)
	}
	evs, next, err := sp.peek()
	if err != nil || len(evs) != 3 || evs[0].Timestamp != 1050 {
		t.Fatalf("appended after reopen: %v %v", evs, err)
	}
	sp.advance(next)
	sp.reset()
	if sp.bytes() != 0 || used.Load() != 0 {
		t.Errorf("reset spool: %d bytes, budget %d", sp.bytes(), used.Load())
	}
	sp.close()
}

func TestSpoolCapAndSegments(t *testing.T) {
	root := t.TempDir()
	d := destKey{"g", "s"}
	used := &atomic.Int64{}
	big := make([]ship.Event, 1)
	big[0] = ship.Event{Timestamp: 1, Message: string(make([]byte, 1<<20))}
	budget := &spoolBudget{max: 20 << 20, used: used}
	sp, err := openSpool(root, d, spoolPos{}, budget)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	n := 0
	for {
		err := sp.append(big, d)
		if errors.Is(err, errSpoolFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 19 || len(sp.segs) < 2 {
		t.Fatalf("%d batches of 1 MiB fit in 20 MiB, in %d segments", n, len(sp.segs))
	}
	// Sending frees whole segments.
	for range 10 {
		_, next, err := sp.peek()
		if err != nil {
			t.Fatal(err)
		}
		sp.advance(next)
	}
	if used.Load() >= 19<<20 || len(sp.segs) >= 3 {
		t.Errorf("after sending 10: budget %d, %d segments", used.Load(), len(sp.segs))
	}
	if err := sp.append(big, d); err != nil {
		t.Errorf("room was made, append: %v", err)
	}
}

func TestBatchCodec(t *testing.T) {
	evs := append(testBatch(0, 3), ship.Event{Timestamp: -5, Message: ""})
	got, err := decodeBatch(encodeBatch(evs))
	if err != nil || len(got) != 4 || got[3].Timestamp != -5 || got[1] != evs[1] {
		t.Fatalf("round trip: %v %v", got, err)
	}
	p := encodeBatch(evs)
	for i := range len(p) - 1 {
		if _, err := decodeBatch(p[:i]); err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
}

// TestSpoolDamaged skips a record whose checksum or framing is broken
// and goes on with the next segment.
func TestSpoolDamaged(t *testing.T) {
	root := t.TempDir()
	d := destKey{"g", "s"}
	budget := &spoolBudget{max: 1 << 30, used: &atomic.Int64{}}
	sp, err := openSpool(root, d, spoolPos{}, budget)
	if err != nil {
		t.Fatal(err)
	}
	for b := range 3 {
		if err := sp.append(testBatch(b*10, 10), d); err != nil {
			t.Fatal(err)
		}
	}
	seg := filepath.Join(root, spoolName(d), segName(sp.segs[0].n))
	f, _ := os.OpenFile(seg, os.O_WRONLY, 0)
	f.WriteAt([]byte{0xFF, 0xFF, 0xFF, 0x7F}, 0) // the first record's length
	f.Close()
	_, next, err := sp.peek()
	if err == nil || next.Off != sp.segs[0].size {
		t.Fatalf("damaged record: next %+v, err %v", next, err)
	}
	sp.advance(next)
	if !sp.empty() {
		t.Error("the damaged segment was not skipped")
	}
	sp.close()
}
