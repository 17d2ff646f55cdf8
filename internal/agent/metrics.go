package agent

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sourceStats count what one source did. Fields are updated atomically
// by the source and the pipelines it feeds.
type sourceStats struct {
	name, kind string

	lines    atomic.Int64 // lines (or entries) read
	bytes    atomic.Int64 // bytes read
	events   atomic.Int64 // events handed to pipelines
	acked    atomic.Int64 // of those, acknowledged, spooled, parked or dropped
	lagBytes atomic.Int64 // files: bytes in matched files not yet read
	ackLag   atomic.Int64 // nanoseconds from reading to acknowledgement, last batch
	files    atomic.Int64 // files: identities open for reading
	errors   atomic.Int64 // read errors
}

// destStats count what one pipeline (log group and stream) did.
type destStats struct {
	group, stream string

	events, bytes, batches atomic.Int64 // stored by the server
	retries                atomic.Int64 // calls repeated by the shipper
	sendErrors             atomic.Int64 // batches whose send failed
	tooOld, tooNew         atomic.Int64 // rejected for their timestamps
	expired                atomic.Int64 // rejected: older than the retention
	split, truncated       atomic.Int64 // oversize messages
	spooledEvents          atomic.Int64 // events written to the spool
	drainedEvents          atomic.Int64 // events sent from the spool
	droppedEvents          atomic.Int64 // events dropped: spool full
	droppedBytes           atomic.Int64
	parkedBatches          atomic.Int64 // batches refused by the server for good
	parkedEvents           atomic.Int64
	pendingSince           atomic.Int64 // Unix nanoseconds of the oldest unacknowledged read; 0: none
}

// metrics is the agent's registry. The maps only grow while the agent
// runs; a reload keeps the counts.
type metrics struct {
	mu      sync.Mutex // guards sources and dests
	sources map[string]*sourceStats
	dests   map[destKey]*destStats

	spoolBytes       atomic.Int64 // bytes in all spools
	spoolMax         atomic.Int64
	checkpointErrors atomic.Int64
	reloads          atomic.Int64
	reloadErrors     atomic.Int64
	started          time.Time
}

func newMetrics() *metrics {
	return &metrics{sources: map[string]*sourceStats{}, dests: map[destKey]*destStats{}, started: time.Now()}
}

func (m *metrics) source(name, kind string) *sourceStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sources[name]
	if s == nil {
		s = &sourceStats{name: name, kind: kind}
		m.sources[name] = s
	}
	return s
}

func (m *metrics) dest(k destKey) *destStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dests[k]
	if d == nil {
		d = &destStats{group: k.group, stream: k.stream}
		m.dests[k] = d
	}
	return d
}

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	m.write(w)
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	srcs := make([]*sourceStats, 0, len(m.sources))
	for _, s := range m.sources {
		srcs = append(srcs, s)
	}
	dests := make([]*destStats, 0, len(m.dests))
	for _, d := range m.dests {
		dests = append(dests, d)
	}
	m.mu.Unlock()
	slices.SortFunc(srcs, func(a, b *sourceStats) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(dests, func(a, b *destStats) int {
		return strings.Compare(a.group+"\x00"+a.stream, b.group+"\x00"+b.stream)
	})

	now := time.Now()
	type family struct {
		name, typ, help string
		src             func(*sourceStats) float64
		dst             func(*destStats) float64
	}
	ld := func(v *atomic.Int64) float64 { return float64(v.Load()) }
	families := []family{
		{"logpond_agent_lines_read_total", "counter", "Lines (or journal entries) read, per source.", func(s *sourceStats) float64 { return ld(&s.lines) }, nil},
		{"logpond_agent_bytes_read_total", "counter", "Bytes read, per source.", func(s *sourceStats) float64 { return ld(&s.bytes) }, nil},
		{"logpond_agent_source_events_total", "counter", "Events handed to pipelines, per source.", func(s *sourceStats) float64 { return ld(&s.events) }, nil},
		{"logpond_agent_source_unacked_events", "gauge", "Events read and not yet acknowledged (or spooled), per source.", func(s *sourceStats) float64 { return float64(s.events.Load() - s.acked.Load()) }, nil},
		{"logpond_agent_source_lag_bytes", "gauge", "File sources: bytes in matched files not yet read.", func(s *sourceStats) float64 { return ld(&s.lagBytes) }, nil},
		{"logpond_agent_source_ack_lag_seconds", "gauge", "Time from reading to acknowledgement of the oldest event of the last batch, per source.", func(s *sourceStats) float64 { return float64(s.ackLag.Load()) / 1e9 }, nil},
		{"logpond_agent_source_open_files", "gauge", "File sources: files open for reading.", func(s *sourceStats) float64 { return ld(&s.files) }, nil},
		{"logpond_agent_source_errors_total", "counter", "Read errors, per source.", func(s *sourceStats) float64 { return ld(&s.errors) }, nil},
		{"logpond_agent_events_shipped_total", "counter", "Events stored by the server, per stream.", nil, func(d *destStats) float64 { return ld(&d.events) }},
		{"logpond_agent_bytes_shipped_total", "counter", "Bytes stored by the server (message bytes plus 26 per event), per stream.", nil, func(d *destStats) float64 { return ld(&d.bytes) }},
		{"logpond_agent_batches_shipped_total", "counter", "Acknowledged PutLogEvents calls, per stream.", nil, func(d *destStats) float64 { return ld(&d.batches) }},
		{"logpond_agent_retries_total", "counter", "Calls repeated after throttling, 5xx or network errors, per stream.", nil, func(d *destStats) float64 { return ld(&d.retries) }},
		{"logpond_agent_send_errors_total", "counter", "Batches whose send failed (then spooled or parked), per stream.", nil, func(d *destStats) float64 { return ld(&d.sendErrors) }},
		{"logpond_agent_rejected_too_old_total", "counter", "Events the server rejected as too old, per stream.", nil, func(d *destStats) float64 { return ld(&d.tooOld) }},
		{"logpond_agent_rejected_too_new_total", "counter", "Events the server rejected as too new, per stream.", nil, func(d *destStats) float64 { return ld(&d.tooNew) }},
		{"logpond_agent_rejected_expired_total", "counter", "Events the server rejected as older than the retention, per stream.", nil, func(d *destStats) float64 { return ld(&d.expired) }},
		{"logpond_agent_split_total", "counter", "Oversize messages split into several events, per stream.", nil, func(d *destStats) float64 { return ld(&d.split) }},
		{"logpond_agent_truncated_total", "counter", "Oversize messages truncated, per stream.", nil, func(d *destStats) float64 { return ld(&d.truncated) }},
		{"logpond_agent_spooled_events_total", "counter", "Events written to the on-disk spool while the server was unreachable, per stream.", nil, func(d *destStats) float64 { return ld(&d.spooledEvents) }},
		{"logpond_agent_drained_events_total", "counter", "Events sent from the spool, per stream.", nil, func(d *destStats) float64 { return ld(&d.drainedEvents) }},
		{"logpond_agent_dropped_events_total", "counter", "Events dropped because the spool was full, per stream.", nil, func(d *destStats) float64 { return ld(&d.droppedEvents) }},
		{"logpond_agent_dropped_bytes_total", "counter", "Bytes dropped because the spool was full, per stream.", nil, func(d *destStats) float64 { return ld(&d.droppedBytes) }},
		{"logpond_agent_parked_batches_total", "counter", "Batches the server refused for good, kept in STATE_DIR/parked, per stream.", nil, func(d *destStats) float64 { return ld(&d.parkedBatches) }},
		{"logpond_agent_parked_events_total", "counter", "Events of parked batches, per stream.", nil, func(d *destStats) float64 { return ld(&d.parkedEvents) }},
		{"logpond_agent_pending_seconds", "gauge", "Age of the oldest event read for this stream and not yet acknowledged.", nil, func(d *destStats) float64 {
			if t := d.pendingSince.Load(); t != 0 {
				return now.Sub(time.Unix(0, t)).Seconds()
			}
			return 0
		}},
	}
	for _, f := range families {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.typ)
		if f.src != nil {
			for _, s := range srcs {
				fmt.Fprintf(w, "%s{source=%s,type=%s} %s\n", f.name, quoteLabel(s.name), quoteLabel(s.kind), formatFloat(f.src(s)))
			}
		}
		if f.dst != nil {
			for _, d := range dests {
				fmt.Fprintf(w, "%s{group=%s,stream=%s} %s\n", f.name, quoteLabel(d.group), quoteLabel(d.stream), formatFloat(f.dst(d)))
			}
		}
	}
	for _, g := range []struct {
		name, typ, help string
		v               float64
	}{
		{"logpond_agent_spool_bytes", "gauge", "Bytes in the on-disk spool.", float64(m.spoolBytes.Load())},
		{"logpond_agent_spool_max_bytes", "gauge", "The spool's size cap.", float64(m.spoolMax.Load())},
		{"logpond_agent_checkpoint_errors_total", "counter", "Checkpoint writes that failed (retried with the next).", float64(m.checkpointErrors.Load())},
		{"logpond_agent_reloads_total", "counter", "Configuration reloads (SIGHUP) applied.", float64(m.reloads.Load())},
		{"logpond_agent_reload_errors_total", "counter", "Configuration reloads refused (the old configuration stays).", float64(m.reloadErrors.Load())},
		{"logpond_agent_uptime_seconds", "gauge", "Seconds since the agent started.", now.Sub(m.started).Seconds()},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", g.name, g.help, g.name, g.typ, g.name, formatFloat(g.v))
	}
}

func quoteLabel(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
