package store

import (
	"fmt"
)

// loadMeta builds the in-memory groups and streams from the metadata DB.
func (s *Store) loadMeta() error {
	byID := map[uint64]*group{}
	err := s.meta.load(func(m *groupMeta) error {
		byID[m.ID] = s.addGroupLocked(m)
		return nil
	}, func(m *streamMeta) error {
		g := byID[m.GroupID]
		if g == nil {
			s.log.Warn("stream of unknown log group ignored", "stream", m.Name, "group_id", m.GroupID)
			return nil
		}
		s.addStreamLocked(g, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load metadata: %w", err)
	}
	return nil
}

// replayWAL loads the WAL records not yet sealed into the head. Records of
// streams that no longer exist are skipped, and so are records whose events
// are all at or below sealedSeq (they are in segments; a record's sequence
// numbers are contiguous and a seal never splits one).
func (s *Store) replayWAL() error {
	var maxSeq uint64
	var skipped, bad, sealed int
	stats, err := s.wal.Replay(func(b []byte) error {
		r, err := decodeEventsRecord(b)
		if err != nil {
			// The WAL checksum passed, so the payload was written like
			// this: a bug or a format from the future. Keep going.
			bad++
			return nil
		}
		n := len(r.events)
		if n > 0 && r.events[n-1].Seq > maxSeq {
			maxSeq = r.events[n-1].Seq
		}
		if n > 0 && r.events[n-1].Seq <= s.sealedSeq {
			sealed++ // in a segment already
			return nil
		}
		st := s.streams[r.streamID]
		if st == nil {
			skipped++
			return nil
		}
		st.insert(r.events, r.ingestion)
		var size int64
		for i := range r.events {
			size += int64(len(r.events[i].Message))
		}
		s.headBytes.Add(size)
		return nil
	})
	if err != nil {
		return fmt.Errorf("replay wal: %w", err)
	}
	s.seq.Store(max(maxSeq, s.sealedSeq))
	s.replay = stats
	s.log.Info("wal replayed", "records", stats.Records, "bytes", stats.Bytes, "torn_tails", stats.TornTails,
		"corrupt_records", stats.CorruptRecords, "skipped_deleted", skipped, "skipped_sealed", sealed, "undecodable", bad)
	return nil
}
