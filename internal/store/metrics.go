package store

import (
	"fmt"
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

	seals, merges, mergedBytes   *metrics.Counter
	blocksCopied, blocksDecoded  *metrics.Counter
	expiredSegments, quarantined *metrics.Counter
	sealSeconds, mergeSeconds    *metrics.Histogram
	headWaits, headBusy          *metrics.Counter
	readReleases                 *metrics.Counter
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

		seals:           set.NewCounter("logpond_seals_total"),
		sealSeconds:     set.NewHistogram("logpond_seal_duration_seconds"),
		merges:          set.NewCounter("logpond_merges_total"),
		mergedBytes:     set.NewCounter("logpond_merged_bytes_total"),
		blocksCopied:    set.NewCounter("logpond_merge_blocks_copied_total"),
		blocksDecoded:   set.NewCounter("logpond_merge_blocks_decoded_total"),
		mergeSeconds:    set.NewHistogram("logpond_merge_duration_seconds"),
		expiredSegments: set.NewCounter("logpond_expired_segments_total"),
		quarantined:     set.NewCounter("logpond_quarantined_segments_total"),
		headWaits:       set.NewCounter("logpond_head_full_waits_total"),
		headBusy:        set.NewCounter("logpond_head_full_rejections_total"),
		readReleases:    set.NewCounter("logpond_read_block_releases_total"),
	}
	for level := 0; level <= maxMergeLevel; level++ {
		set.NewGauge(fmt.Sprintf(`logpond_segments{level="%d"}`, level), func() float64 { n, _ := s.segmentFigures(level); return float64(n) })
		set.NewGauge(fmt.Sprintf(`logpond_segment_bytes{level="%d"}`, level), func() float64 { _, b := s.segmentFigures(level); return float64(b) })
	}
	set.NewGauge("logpond_head_bytes", func() float64 { return float64(s.headBytes.Load()) })
	set.NewGauge("logpond_block_cache_bytes", func() float64 { return float64(s.cache.Stats().Bytes) })
	set.NewGauge("logpond_block_cache_hit_ratio", func() float64 {
		st := s.cache.Stats()
		if st.Hits+st.Misses == 0 {
			return 0
		}
		return float64(st.Hits) / float64(st.Hits+st.Misses)
	})
	set.NewGauge("logpond_block_cache_hits", func() float64 { return float64(s.cache.Stats().Hits) })
	set.NewGauge("logpond_block_cache_misses", func() float64 { return float64(s.cache.Stats().Misses) })
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

// segmentFigures returns the number and bytes of the segments at a level.
func (s *Store) segmentFigures(level int) (n int, bytes int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			for _, f := range g.segs {
				if f.rec.Level == level {
					n++
					bytes += f.rec.Size
				}
			}
		}
	}
	return n, bytes
}
