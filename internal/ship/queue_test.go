package ship

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/logpond/logpond/internal/ship/shiptest"
)

// The Queue's tests run in synctest bubbles: the flush interval passes
// at once, and a forgotten goroutine makes the test fail as a deadlock.

func newTestQueue(t *testing.T, api API, o Options, qo QueueOptions) *Queue {
	t.Helper()
	q, err := NewQueue(newTestSender(t, api, o), qo)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQueueFlushesOnInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{}, QueueOptions{FlushInterval: time.Second})
		defer q.Close(t.Context())
		for i := range 3 {
			q.TryAdd(int64(i), []byte(fmt.Sprint("m", i)))
		}
		synctest.Wait()
		if n := len(fake.Messages()); n != 0 {
			t.Fatalf("%d events sent before the interval", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := fake.Messages(); strings.Join(got, ",") != "m0,m1,m2" {
			t.Fatalf("sent %q", got)
		}
	})
}

func TestQueueFlushesOnSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{MaxBatchBytes: 1000}, QueueOptions{FlushInterval: time.Hour})
		defer q.Close(t.Context())
		msg := []byte(strings.Repeat("x", 74)) // 100 bytes with the overhead
		for range 9 {
			q.TryAdd(1, msg)
		}
		synctest.Wait()
		if n := len(fake.Messages()); n != 0 {
			t.Fatalf("%d events sent below a batch's worth", n)
		}
		q.TryAdd(1, msg) // 1000 bytes: a batch's worth
		synctest.Wait()
		if n := len(fake.Messages()); n != 10 {
			t.Fatalf("%d events sent, want 10", n)
		}
	})
}

func TestQueueDropsWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		block := make(chan struct{})
		fake.Fail = func(op string, n int) error { <-block; return nil }
		q := newTestQueue(t, fake, Options{MaxBatchBytes: 1000}, QueueOptions{MaxBufferBytes: 1000, FlushInterval: time.Hour})
		msg := []byte(strings.Repeat("x", 74))
		for range 5 { // 500 bytes: half the buffer wakes the goroutine, whose send blocks
			if !q.TryAdd(1, msg) {
				t.Fatal("refused an event with room")
			}
		}
		synctest.Wait()
		taken := 0
		for range 20 {
			if q.TryAdd(2, msg) {
				taken++
			}
		}
		if taken != 10 || q.Stats().Dropped != 10 {
			t.Fatalf("took %d of 20 with 1000 bytes free, stats %+v", taken, q.Stats())
		}
		close(block)
		if err := q.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if st := q.Stats(); st.Events != 15 || st.Dropped != 10 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestQueueAddWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{MaxBatchBytes: 1000}, QueueOptions{MaxBufferBytes: 1000, FlushInterval: time.Hour})
		defer q.Close(t.Context())
		msg := []byte(strings.Repeat("x", 74))
		block := make(chan struct{})
		fake.Fail = func(op string, n int) error { <-block; return nil }
		for range 5 {
			q.TryAdd(1, msg)
		}
		synctest.Wait() // the goroutine is sending the 5 and blocks
		for range 10 {
			q.TryAdd(1, msg) // the buffer is full again
		}
		done := make(chan error)
		go func() { done <- q.Add(t.Context(), 3, []byte("late")) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Add returned %v with the buffer full", err)
		default:
		}
		close(block) // the send ends; the goroutine takes the full buffer
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := q.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if st := q.Stats(); st.Events != 16 || st.Dropped != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestQueueCloseFlushesAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{}, QueueOptions{FlushInterval: time.Hour})
		for i := range 100 {
			q.TryAdd(int64(i), []byte(fmt.Sprint(i)))
		}
		start := time.Now()
		if err := q.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) != 0 {
			t.Fatalf("Close waited %v", time.Since(start))
		}
		if n := len(fake.Messages()); n != 100 {
			t.Fatalf("%d events sent by Close, want 100", n)
		}
		if q.TryAdd(1, []byte("x")) {
			t.Fatal("TryAdd took an event after Close")
		}
		if err := q.Add(t.Context(), 1, []byte("x")); !errors.Is(err, ErrClosed) {
			t.Fatalf("Add after Close: %v", err)
		}
		if err := q.Flush(t.Context()); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush after Close: %v", err)
		}
		if err := q.Close(t.Context()); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if st := q.Stats(); st.Events != 100 || st.Dropped != 2 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestQueueCloseGivesUpAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		fake.Fail = func(string, int) error { return errThrottled }
		var errs []error
		q := newTestQueue(t, fake, Options{Retry: Retry{MaxAttempts: 1000}}, QueueOptions{
			FlushInterval: time.Hour,
			OnError:       func(err error) { errs = append(errs, err) },
		})
		q.TryAdd(1, []byte("x"))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		err := q.Close(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Close: %v", err)
		}
		if st := q.Stats(); st.Failed != 1 || st.Retries == 0 {
			t.Fatalf("stats %+v", st)
		}
		if len(errs) != 1 {
			t.Fatalf("OnError called %d times", len(errs))
		}
	})
}

func TestQueueKeepsOrderPerGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{MaxBatchEvents: 37}, QueueOptions{FlushInterval: time.Millisecond})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					if err := q.Add(t.Context(), 5, fmt.Appendf(nil, "%d %d", g, i)); err != nil {
						t.Error(err)
						return
					}
					if i%50 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		if err := q.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		next := make([]int, 8)
		for _, m := range fake.Messages() {
			var g, i int
			fmt.Sscanf(m, "%d %d", &g, &i)
			if i != next[g] {
				t.Fatalf("goroutine %d: event %d after %d", g, i, next[g]-1)
			}
			next[g]++
		}
		for g, n := range next {
			if n != 500 {
				t.Fatalf("goroutine %d: %d events arrived", g, n)
			}
		}
	})
}

func TestQueueOversize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := shiptest.NewFake("g", "s")
		q := newTestQueue(t, fake, Options{MaxEventBytes: 10}, QueueOptions{MaxBufferBytes: 1000})
		q.TryAdd(1, []byte("0123456789abcdefghij!"))
		q.TryAdd(1, []byte(""))
		q.TryAdd(1, []byte("bad \xff"))
		if err := q.Add(t.Context(), 1, make([]byte, 2000)); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Add of an event larger than the buffer: %v", err)
		}
		if err := q.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fake.Messages(), "|"); got != "0123456789|abcdefghij|!|bad \uFFFD" {
			t.Fatalf("sent %q", got)
		}
		if st := q.Stats(); st.Split != 1 || st.Empty != 1 || st.Events != 4 || st.Dropped != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}
