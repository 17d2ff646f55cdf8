package store

import (
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// storeMetrics are the store's Prometheus metrics, registered in the set
// the server exposes at /metrics.
type storeMetrics struct {
	events, bytes                   *metrics.Counter
	tooOld, tooNew, expired         *metrics.Counter
	fsyncSeconds                    *metrics.Histogram
	fsyncs, syncedRecords, syncedBy *metrics.Counter
}

func newStoreMetrics(set *metrics.Set, s *Store) *storeMetrics {
	m := &storeMetrics{
		events:        set.NewCounter("logpond_ingested_events_total"),
		bytes:         set.NewCounter("logpond_ingested_bytes_total"),
		tooOld:        set.NewCounter(`logpond_rejected_events_total{reason="too_old"}`),
		tooNew:        set.NewCounter(`logpond_rejected_events_total{reason="too_new"}`),
		expired:       set.NewCounter(`logpond_rejected_events_total{reason="expired"}`),
		fsyncSeconds:  set.NewHistogram("logpond_wal_fsync_duration_seconds"),
		fsyncs:        set.NewCounter("logpond_wal_fsyncs_total"),
		syncedRecords: set.NewCounter("logpond_wal_synced_records_total"),
		syncedBy:      set.NewCounter("logpond_wal_synced_bytes_total"),
	}
	set.NewGauge("logpond_log_groups", func() float64 { g, _, _ := s.counts(); return float64(g) })
	set.NewGauge("logpond_log_streams", func() float64 { _, st, _ := s.counts(); return float64(st) })
	set.NewGauge("logpond_head_events", func() float64 { _, _, e := s.counts(); return float64(e) })
	set.NewGauge("logpond_wal_files", func() float64 {
		if w := s.wal; w != nil {
			return float64(w.Stats().Files)
		}
		return 0
	})
	set.NewGauge("logpond_wal_bytes", func() float64 {
		if w := s.wal; w != nil {
			return float64(w.Stats().Bytes)
		}
		return 0
	})
	return m
}

// onSync is the WAL's fsync hook.
func (m *storeMetrics) onSync(d time.Duration, records int, bytes int64) {
	m.fsyncSeconds.Update(d.Seconds())
	m.fsyncs.Inc()
	m.syncedRecords.Add(records)
	m.syncedBy.Add(int(bytes))
}

// put counts one PutLogEvents of n input events.
func (m *storeMetrics) put(r PutResult, n, bytes int) {
	m.events.Add(r.Accepted)
	m.bytes.Add(bytes)
	if r.TooOldEnd > 0 {
		m.tooOld.Add(r.TooOldEnd)
	}
	if r.ExpiredEnd > 0 {
		m.expired.Add(r.ExpiredEnd - max(r.TooOldEnd, 0))
	}
	if r.TooNewStart >= 0 {
		m.tooNew.Add(n - r.TooNewStart)
	}
}

// counts returns the number of groups, streams and head events.
func (s *Store) counts() (groups, streams, events int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sg := range s.groups {
		groups += len(sg.groups)
	}
	streams = len(s.streams)
	for _, st := range s.streams {
		st.mu.RLock()
		for _, ch := range st.chunks {
			events += len(ch)
		}
		st.mu.RUnlock()
	}
	return groups, streams, events
}
