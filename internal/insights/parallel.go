package insights

import (
	"context"
	"errors"
	"sync"

	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// Parallel scans. A mergeable query (query.Insights.Mergeable: its first
// command that holds rows is stats) gives the same result when its events
// are split into consecutive time ranges, each run on its own, and the
// runs merged in time order (query.Run.Merge). The manager splits each
// log group's scan into Options.Parallel ranges of equal time over the
// group's events (SpanSource), scans them at once, and merges. Partial
// results published while they run come from the first range only.

// splitRange returns the ranges a scan of group g within r is split into:
// r itself unless the source knows the group's span and the part of it
// within r is long enough. The ranges cover r exactly, in time order.
func (m *Manager) splitRange(sc store.Scope, g string, r store.TimeRange) []store.TimeRange {
	parts := []store.TimeRange{r}
	ss, ok := m.opts.Source.(SpanSource)
	if !ok || m.opts.Parallel < 2 {
		return parts
	}
	first, last, ok, err := ss.TimeSpan(sc, g)
	if err != nil || !ok {
		return parts
	}
	lo, hi := max(r.Start, first), min(r.End, last+1)
	k := int64(m.opts.Parallel)
	if hi-lo < k {
		return parts
	}
	parts = parts[:0]
	start := r.Start
	for i := int64(1); i < k; i++ {
		b := lo + (hi-lo)/k*i
		parts = append(parts, store.TimeRange{Start: start, End: b})
		start = b
	}
	return append(parts, store.TimeRange{Start: start, End: r.End})
}

// scanParts runs scanPart over each range: the first with run, on this
// goroutine and publishing, the others at once, each with a run of its own
// from newRun, merged into run in order. It returns when every scan has
// ended; the first error (other than the cancellation it caused) wins.
func scanParts(ctx context.Context, parts []store.TimeRange, run *query.Run, newRun func() *query.Run,
	scanPart func(ctx context.Context, run *query.Run, r store.TimeRange, publish bool) error) error {
	if len(parts) == 1 {
		return scanPart(ctx, run, parts[0], true)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runs := make([]*query.Run, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i := 1; i < len(parts); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = newRun() // here: its memory then comes from this goroutine's processor, apart from the others'
			if errs[i] = scanPart(ctx, runs[i], parts[i], false); errs[i] != nil {
				cancel()
			}
		}()
	}
	if errs[0] = scanPart(ctx, run, parts[0], true); errs[0] != nil {
		cancel()
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return first
	}
	for _, o := range runs[1:] {
		if err := run.Merge(o); err != nil {
			return err
		}
	}
	return nil
}
