package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logpond/logpond/internal/store"
)

// histogramMaxScan bounds the events one histogram examines; past it the
// answer says it is incomplete. histogramPageScan bounds one store call,
// so that a cancelled request stops soon.
const (
	histogramMaxScan  = 50_000_000
	histogramPageScan = 2_000_000
)

type histogramRequest struct {
	selection
	StartTime *int64 `json:"startTime"`
	EndTime   *int64 `json:"endTime"` // inclusive, as FilterLogEvents' endTime
	Buckets   int    `json:"buckets"`
}

// histogramResponse counts the matching events per bucket: bucket i covers
// [startTime + i*bucketMs, startTime + (i+1)*bucketMs), clipped to the
// requested range.
type histogramResponse struct {
	StartTime int64   `json:"startTime"`
	BucketMs  int64   `json:"bucketMs"`
	Counts    []int64 `json:"counts"`
	Total     int64   `json:"total"`
	Scanned   int64   `json:"scanned"`
	// Complete is false when the scan stopped at its bound: Total and
	// Counts then cover only the oldest events of the range.
	Complete  bool  `json:"complete"`
	ElapsedMs int64 `json:"elapsedMs"`
}

// niceSteps are the bucket widths a histogram uses, so that bars start at
// round times.
var niceSteps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
	20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
	15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour,
	14 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// bucketWidth returns the smallest nice width that covers span
// milliseconds in at most n buckets.
func bucketWidth(span int64, n int) int64 {
	for _, d := range niceSteps {
		if w := d.Milliseconds(); w*int64(n) >= span {
			return w
		}
	}
	w := niceSteps[len(niceSteps)-1].Milliseconds()
	return (span/int64(n)/w + 1) * w
}

// histogram counts the events that match a filter pattern over a time
// range, across groups: POST /ui/api/histogram.
func (h *Handler) histogram(w http.ResponseWriter, r *http.Request, s *session) {
	var in histogramRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "Could not parse the request.")
		return
	}
	res, err := h.countEvents(r.Context(), s.scope, in)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		writeRequestError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *Handler) countEvents(ctx context.Context, sc store.Scope, in histogramRequest) (histogramResponse, error) {
	started := time.Now()
	match, err := in.check()
	if err != nil {
		return histogramResponse{}, err
	}
	if in.StartTime == nil || in.EndTime == nil || *in.EndTime < *in.StartTime {
		return histogramResponse{}, badRequest("startTime and endTime are required, with startTime <= endTime.")
	}
	if *in.EndTime-*in.StartTime > 20*365*24*3600*1000 {
		return histogramResponse{}, badRequest("The time range is longer than 20 years.")
	}
	switch {
	case in.Buckets == 0:
		in.Buckets = 60
	case in.Buckets < 1 || in.Buckets > 1000:
		return histogramResponse{}, badRequest("buckets must be between 1 and 1000.")
	}
	start, end := *in.StartTime, *in.EndTime+1
	width := bucketWidth(end-start, in.Buckets)
	first := floorDiv(start, width) * width
	res := histogramResponse{StartTime: first, BucketMs: width, Counts: make([]int64, (end-first+width-1)/width), Complete: true}
	var streams []streamRef
	for _, g := range in.LogGroupNames {
		ss, err := h.streamsInRange(sc, g, &in.selection, start, end)
		if err != nil {
			return histogramResponse{}, err
		}
		streams = append(streams, ss...)
	}
	// Streams are counted one by one, by as many workers as there are
	// CPUs: the order of events does not matter here, so no merge.
	c := &counter{store: h.opts.Store, scope: sc, match: match, rng: store.TimeRange{Start: start, End: end}, first: first, width: width}
	next := make(chan streamRef)
	workers := min(len(streams), runtime.GOMAXPROCS(0), 4)
	parts := make([]histogramResponse, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		parts[w].Counts = make([]int64, len(res.Counts))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for st := range next {
				if errs[w] == nil {
					errs[w] = c.count(ctx, st, &parts[w])
				}
			}
		}()
	}
	for _, st := range streams {
		next <- st
	}
	close(next)
	wg.Wait()
	for w := range workers {
		if errs[w] != nil {
			return histogramResponse{}, errs[w]
		}
		for i, n := range parts[w].Counts {
			res.Counts[i] += n
		}
		res.Total += parts[w].Total
	}
	res.Scanned = c.scanned.Load()
	res.Complete = !c.truncated.Load()
	res.ElapsedMs = time.Since(started).Milliseconds()
	return res, nil
}

type streamRef struct{ group, stream string }

// streamsInRange lists the selected streams of a group that have events in
// [start, end).
func (h *Handler) streamsInRange(sc store.Scope, group string, sel *selection, start, end int64) ([]streamRef, error) {
	var all []store.Stream
	if len(sel.LogStreamNames) > 0 {
		for _, n := range sel.LogStreamNames {
			st, err := h.opts.Store.GetStream(sc, group, n)
			if errors.Is(err, store.ErrStreamNotFound) {
				continue // as FilterLogEvents: a missing stream has no events
			}
			if err != nil {
				return nil, err
			}
			all = append(all, st)
		}
	} else {
		var err error
		if all, _, err = h.opts.Store.ListStreams(sc, group, store.StreamFilter{Prefix: sel.LogStreamNamePrefix}); err != nil {
			return nil, err
		}
	}
	var out []streamRef
	for _, st := range all {
		if st.StoredBytes > 0 && st.LastEventTimestamp >= start && st.FirstEventTimestamp < end {
			out = append(out, streamRef{group, st.Name})
		}
	}
	return out, nil
}

// counter counts the matching events of streams into histograms. Its
// methods may run concurrently; scanned and truncated are shared.
type counter struct {
	store        *store.Store
	scope        store.Scope
	match        func(string) bool
	rng          store.TimeRange
	first, width int64

	scanned   atomic.Int64
	truncated atomic.Bool
}

// count adds the matching events of one stream to res. The store copies
// only the events that match (the pattern is its Match), and a call
// examines at most histogramPageScan events, so that cancelling the
// request stops the scan soon.
func (c *counter) count(ctx context.Context, st streamRef, res *histogramResponse) error {
	var examined int
	q := store.FilterQuery{Range: c.rng, StreamNames: []string{st.stream}, Limit: store.MaxBatchEvents,
		Match: func(msg string) bool {
			examined++
			return c.match == nil || c.match(msg)
		}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := histogramMaxScan - c.scanned.Load()
		if left <= 0 {
			c.truncated.Store(true)
			return nil
		}
		q.MaxScan = int(min(histogramPageScan, left))
		examined = 0
		page, err := c.store.FilterLogEvents(c.scope, st.group, q)
		if err != nil {
			return err
		}
		for i := range page.Events {
			res.Counts[(page.Events[i].Timestamp-c.first)/c.width]++
		}
		res.Total += int64(len(page.Events))
		// A page that ended full had matched one more event, which the
		// next page matches again.
		if page.Next != nil && examined < q.MaxScan {
			examined--
		}
		c.scanned.Add(int64(examined))
		if page.Next == nil {
			return nil
		}
		q.After = page.Next
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
