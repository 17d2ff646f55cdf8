package store

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/logpond/logpond/internal/store/segment"
)

// Sealing moves the head's events into segment files and truncates the WAL.
//
//  1. With the gate held for writing (PutLogEvents holds it for reading
//     from sequence assignment through head insert): idx := wal.Rotate(),
//     S := the last sequence number handed out. Every event with seq <= S
//     is now in the head and in WAL files < idx; every later event goes to
//     files >= idx.
//  2. For each group, the head events with seq <= S are written to one new
//     segment (temporary name, fsync, rename, directory fsync).
//  3. One bbolt transaction records the new segments and sealedSeq = S.
//  4. With Store.mu held for writing, the segments join their groups and
//     the events with seq <= S leave the heads: a reader, which takes its
//     segment list and head views under Store.mu, sees each event once.
//  5. wal.TruncateBefore(idx).
//
// A crash before 3 leaves files without records (deleted at start-up) and
// the WAL complete; after 3, replay skips the records at or below
// sealedSeq (a batch's sequence numbers are contiguous and a batch is all
// below or all above S, so the test is per record). Nothing is lost or
// read twice at any step.

// Seal writes the head's events to segments now. The background loop calls
// it by size and age; tests and tools call it directly.
// sealTemplateLevel is the zstd level of the templates of sealed blocks.
var sealTemplateLevel = zstd.SpeedBetterCompression

func (s *Store) Seal() error {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	return s.sealLocked()
}

// sealLocked seals; s.bgMu must be held.
func (s *Store) sealLocked() error {
	start := time.Now()
	s.gate.Lock()
	idx, err := s.wal.Rotate()
	S := s.seq.Load()
	s.gate.Unlock()
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if S <= s.sealedSeq {
		return nil
	}

	type job struct {
		g       *group
		streams []*stream
		views   []view
	}
	var jobs []job
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			j := job{g: g}
			for _, st := range g.streams {
				j.streams = append(j.streams, st)
			}
			slices.SortFunc(j.streams, func(a, b *stream) int { return cmpU64(a.meta.ID, b.meta.ID) })
			for _, st := range j.streams {
				j.views = append(j.views, st.view())
			}
			jobs = append(jobs, j)
		}
	}
	s.mu.RUnlock()

	var made []*segFile
	abort := func() {
		for _, f := range made {
			f.r.Close()
			os.Remove(f.path)
		}
	}
	for _, j := range jobs {
		fs, err := s.writeSeal(j.g.meta.ID, j.streams, j.views, S)
		if err != nil {
			abort()
			return fmt.Errorf("seal group %s: %w", j.g.meta.Name, err)
		}
		made = append(made, fs...)
	}
	recs := make([]segRecord, len(made))
	for i, f := range made {
		recs[i] = f.rec
	}

	s.mu.Lock()
	if err := s.meta.commitManifest(manifestChange{add: recs, sealedSeq: S}); err != nil {
		s.mu.Unlock()
		abort()
		return fmt.Errorf("seal: record segments: %w", err)
	}
	s.sealedSeq = S
	byID := map[uint64]*group{}
	for _, j := range jobs {
		byID[j.g.meta.ID] = j.g
	}
	var orphans []*segFile
	for _, f := range made {
		g := byID[f.rec.GroupID]
		if !s.groupAliveLocked(g) {
			orphans = append(orphans, f) // deleted while we wrote
			continue
		}
		g.segs = append(slices.Clone(g.segs), f)
	}
	for _, st := range s.streams {
		st.dropSealed(S)
	}
	s.resyncHeadBytesLocked()
	for _, j := range jobs {
		if s.groupAliveLocked(j.g) {
			s.segStatsLocked(j.g)
		}
	}
	s.mu.Unlock()
	if len(orphans) > 0 {
		s.dropRecords(orphans)
	}
	if err := s.wal.TruncateBefore(idx); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	s.metrics.sealSeconds.UpdateDuration(start)
	s.metrics.seals.Inc()
	s.log.Debug("sealed", "segments", len(made), "sealed_seq", S, "duration", time.Since(start))
	return nil
}

// groupAliveLocked reports whether g is still a group of the store.
func (s *Store) groupAliveLocked(g *group) bool {
	if g == nil {
		return false
	}
	sg := s.groups[Scope{g.meta.Account, g.meta.Region}.key()]
	return sg != nil && sg.groups[g.meta.Name] == g
}

// dropRecords removes segments that belong to no live group from the
// manifest and the disk.
func (s *Store) dropRecords(fs []*segFile) {
	recs := make([]segRecord, len(fs))
	for i, f := range fs {
		recs[i] = f.rec
	}
	if err := s.meta.commitManifest(manifestChange{remove: recs}); err != nil {
		s.log.Warn("drop segment records (start-up removes them)", "err", err)
		return
	}
	for _, f := range fs {
		s.retire(f)
	}
}

// writeSeal writes one group's head events with seq <= S into new
// segments, one per time window the events fall in (window.go).
func (s *Store) writeSeal(groupID uint64, streams []*stream, views []view, S uint64) ([]*segFile, error) {
	type out struct {
		w    *segment.Writer
		path string
		rec  segRecord
		sr   segStreamRecord // of the stream being written
	}
	var outs []*out // few: usually one window, two around midnight
	abort := func() {
		for _, o := range outs {
			o.w.Abort()
		}
	}
	find := func(win int64) (*out, error) {
		for _, o := range outs {
			if windowOf(o.rec.MinTS) == win {
				return o, nil
			}
		}
		id := s.nextSegID.Add(1)
		o := &out{path: filepath.Join(s.segDir(), segName(id)),
			rec: segRecord{ID: id, GroupID: groupID, MinTS: maxTimestamp, MaxTS: minTimestamp, MinSeq: ^uint64(0)}}
		var err error
		if o.w, err = segment.Create(o.path, segment.Options{GroupID: groupID, FS: s.opts.segFS, BlockSize: s.opts.segBlockSize,
			// Seals are on the ingest path's CPU budget, and merges
			// copy most blocks as they are: the numbers (half the
			// bytes on disk, little gain from a higher level)
			// compress at the fastest level, the templates (most of
			// the raw bytes) at the better one, which on the loadgen
			// corpus costs 0.4 µs an event and saves 2.7 B an event
			// on disk and 45% of their decompression time.
			Level: zstd.SpeedFastest, TemplateLevel: sealTemplateLevel}); err != nil {
			return nil, err
		}
		outs = append(outs, o)
		return o, nil
	}
	for i, st := range streams {
		var o *out
		win := int64(math.MinInt64)
		for _, ch := range views[i].chunks {
			for k := range ch {
				e := &ch[k]
				if e.Seq > S {
					continue
				}
				if w := windowOf(e.Timestamp); o == nil || w != win {
					var err error
					if o, err = find(w); err != nil {
						abort()
						return nil, err
					}
					win = w
				}
				if err := o.w.Add(segment.Event{Stream: st.meta.ID, Timestamp: e.Timestamp, Ingestion: e.Ingestion, Seq: e.Seq, Message: e.Message}); err != nil {
					abort()
					return nil, err
				}
				r := &o.rec
				r.Events++
				r.MinTS, r.MaxTS = min(r.MinTS, e.Timestamp), max(r.MaxTS, e.Timestamp)
				r.MinSeq, r.MaxSeq = min(r.MinSeq, e.Seq), max(r.MaxSeq, e.Seq)
				o.sr.LastSeq, o.sr.LastIngestion = max(o.sr.LastSeq, e.Seq), max(o.sr.LastIngestion, e.Ingestion)
			}
		}
		for _, o := range outs {
			if o.sr.LastSeq > 0 {
				o.sr.ID = st.meta.ID
				o.rec.Streams = append(o.rec.Streams, o.sr)
				o.sr = segStreamRecord{}
			}
		}
	}
	var made []*segFile
	for i, o := range outs {
		f, err := s.finishSegment(o.w, o.path, o.rec)
		if err != nil {
			for _, o := range outs[i+1:] {
				o.w.Abort()
			}
			for _, f := range made {
				f.r.Close()
				os.Remove(f.path)
			}
			return nil, err
		}
		made = append(made, f)
	}
	return made, nil
}

// finishSegment closes a written segment and opens it for reading.
func (s *Store) finishSegment(w *segment.Writer, path string, rec segRecord) (*segFile, error) {
	if err := w.Close(); err != nil {
		os.Remove(path) // its name may exist even if the directory sync failed
		return nil, err
	}
	r, err := segment.Open(path, segment.ReaderOptions{Cache: s.cache})
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	rec.Size = r.Size()
	f := &segFile{rec: rec, path: path, r: r}
	f.refs.Store(1)
	return f, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// kickSeal asks the background loop to seal soon.
func (s *Store) kickSeal() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// background seals the head by size and age and applies retention, one
// task at a time, until Close. Merges run in mergeLoop.
func (s *Store) background() {
	defer s.bgWG.Done()
	tick := s.opts.MaintainInterval
	t := time.NewTicker(tick)
	defer t.Stop()
	lastSeal := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		case <-t.C:
		}
		due := s.opts.SealInterval > 0 && time.Since(lastSeal) >= s.opts.SealInterval && s.headBytes.Load() > 0
		full := s.opts.HeadMaxBytes > 0 && s.headBytes.Load() >= s.opts.HeadMaxBytes
		s.bgMu.Lock()
		if due || full {
			lastSeal = time.Now()
			if err := s.sealLocked(); err != nil && !errors.Is(err, ErrClosed) {
				s.log.Error("seal failed; the WAL keeps the events", "err", err)
			}
		}
		if err := s.retentionLocked(); err != nil {
			s.log.Error("retention pass failed", "err", err)
		}
		s.bgMu.Unlock()
	}
}
