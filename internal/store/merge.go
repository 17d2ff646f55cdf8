package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/logpond/logpond/internal/store/segment"
)

// Merging is size-tiered: a seal makes level-0 segments; when a group has
// mergeFanIn segments of one level, the oldest mergeFanIn of them are
// merged into one segment of the next level. One merge runs at a time
// (Store.mergeMu), so merge I/O is bounded to one stream of reads and one of
// writes. A merge drops the events of deleted streams and expired events.
// Segments at maxMergeLevel, or whose inputs would exceed
// Options.MaxSegmentBytes, are not merged further.
//
// A fan-in of 10 keeps write amplification low (each event is rewritten
// about once per level, and a level holds 10× the one below): with the
// default 64 MiB heads a group needs ten seals before its first merge.
// Merges run on the same CPUs as ingest, so with a fan-in of 4 they cost
// more than the seals themselves (measured with logpond loadgen).
const (
	mergeFanIn    = 10
	maxMergeLevel = 6
)

// Merge runs merges until none is due (tests and tools; the background
// loop merges one at a time).
func (s *Store) Merge() error {
	for {
		s.mergeMu.Lock()
		more, err := s.mergeOnceLocked()
		s.mergeMu.Unlock()
		if err != nil || !more {
			return err
		}
	}
}

// pickMergeLocked chooses the inputs of the next merge, at the lowest
// level any group has one due: mergeFanIn segments of one level and one
// time window, or in a closed window (window.go) at least two; s.mu must
// be held.
func (s *Store) pickMergeLocked() (*group, []*segFile) {
	now := s.nowMillis()
	var pick *group
	var in []*segFile
	level := maxMergeLevel
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			if c, l := s.groupMerge(g, now, level); c != nil {
				pick, in, level = g, c, l
			}
		}
	}
	return pick, in
}

// groupMerge returns g's merge inputs due at the lowest level below
// below, and that level.
func (s *Store) groupMerge(g *group, now int64, below int) ([]*segFile, int) {
	type tier struct {
		level  int
		window int64
	}
	cands := map[tier][]*segFile{}
	for _, f := range g.segs { // oldest first
		if f.rec.Level < below {
			t := tier{f.rec.Level, windowOf(f.rec.MinTS)}
			if len(cands[t]) < mergeFanIn {
				cands[t] = append(cands[t], f)
			}
		}
	}
	var in []*segFile
	level := below
	for t, c := range cands {
		if t.level >= level || !(len(c) == mergeFanIn || len(c) >= 2 && windowClosed(t.window, now)) {
			continue
		}
		if c = s.withinSizeCap(c); len(c) >= 2 {
			in, level = c, t.level
		}
	}
	return in, level
}

// withinSizeCap returns the longest prefix of c whose total size stays
// within Options.MaxSegmentBytes, or nil when a full fan-in would exceed it
// (such segments are not merged further).
func (s *Store) withinSizeCap(c []*segFile) []*segFile {
	if s.opts.MaxSegmentBytes <= 0 {
		return c
	}
	var size int64
	for i, f := range c {
		size += f.rec.Size
		if size > s.opts.MaxSegmentBytes {
			if len(c) == mergeFanIn {
				return nil
			}
			return c[:i]
		}
	}
	return c
}

// mergeOnceLocked runs one merge if one is due and reports whether it did;
// s.mergeMu must be held.
func (s *Store) mergeOnceLocked() (bool, error) {
	start := time.Now()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return false, nil
	}
	g, in := s.pickMergeLocked()
	var live map[uint64]bool
	var cutoff int64
	if g != nil {
		live = map[uint64]bool{}
		for _, st := range g.streams {
			live[st.meta.ID] = true
		}
		cutoff = retentionCutoff(g.meta.Retention, s.nowMillis())
		for _, f := range in {
			f.acquire()
		}
	}
	s.mu.RUnlock()
	if g == nil {
		return false, nil
	}
	defer func() {
		for _, f := range in {
			f.release()
		}
	}()

	level := 0
	readers := make([]*segment.Reader, len(in))
	rec := segRecord{GroupID: g.meta.ID, MinTS: maxTimestamp, MaxTS: minTimestamp, MinSeq: ^uint64(0)}
	lastOf := map[uint64]segStreamRecord{}
	for i, f := range in {
		readers[i] = f.r
		level = max(level, f.rec.Level+1)
		for _, sr := range f.rec.Streams {
			o := lastOf[sr.ID]
			lastOf[sr.ID] = segStreamRecord{ID: sr.ID, LastSeq: max(o.LastSeq, sr.LastSeq), LastIngestion: max(o.LastIngestion, sr.LastIngestion)}
		}
	}
	rec.Level = level
	rec.ID = s.nextSegID.Add(1)
	path := filepath.Join(s.segDir(), segName(rec.ID))
	w, err := segment.Create(path, segment.Options{GroupID: g.meta.ID, FS: s.opts.segFS, BlockSize: s.opts.segBlockSize})
	if err != nil {
		return false, fmt.Errorf("merge: %w", err)
	}
	st, err := segment.Merge(w, readers, func(stream uint64) (int64, bool) { return cutoff, live[stream] })
	if err != nil {
		w.Abort()
		var ce *segment.CorruptionError
		if errors.As(err, &ce) {
			for _, f := range in {
				if f.path == ce.Path {
					s.quarantine(f, err)
				}
			}
		}
		return false, fmt.Errorf("merge: %w", err)
	}
	rec.Events = st.Events
	if st.Events > 0 {
		rec.MinTS, rec.MaxTS, rec.MinSeq, rec.MaxSeq = st.MinTS, st.MaxTS, st.MinSeq, st.MaxSeq
	}
	var out *segFile
	if st.Events > 0 {
		for id, sr := range lastOf {
			if live[id] {
				rec.Streams = append(rec.Streams, sr)
			}
		}
		slices.SortFunc(rec.Streams, func(a, b segStreamRecord) int { return cmpU64(a.ID, b.ID) })
		if out, err = s.finishSegment(w, path, rec); err != nil {
			return false, fmt.Errorf("merge: %w", err)
		}
	} else {
		w.Abort()
	}

	olds := make([]segRecord, len(in))
	for i, f := range in {
		olds[i] = f.rec
	}
	change := manifestChange{remove: olds}
	if out != nil {
		change.add = []segRecord{out.rec}
	}
	s.mu.Lock()
	alive := s.groupAliveLocked(g)
	for _, f := range in {
		if !slices.Contains(g.segs, f) { // quarantined meanwhile
			alive = false
		}
	}
	if !alive {
		s.mu.Unlock()
		if out != nil {
			out.r.Close()
			s.removeFile(out.path)
		}
		return true, nil
	}
	if err := s.meta.commitManifest(change); err != nil {
		s.mu.Unlock()
		if out != nil {
			out.r.Close()
			s.removeFile(out.path)
		}
		return false, fmt.Errorf("merge: record: %w", err)
	}
	segs := make([]*segFile, 0, len(g.segs))
	for _, f := range g.segs {
		if !slices.Contains(in, f) {
			segs = append(segs, f)
		}
	}
	if out != nil {
		segs = append(segs, out)
	}
	sortSegs(segs)
	g.segs = segs
	s.segStatsLocked(g)
	s.mu.Unlock()
	for _, f := range in {
		s.retire(f)
	}
	s.metrics.merges.Inc()
	s.metrics.mergedBytes.Add(int(out.sizeOr0()))
	s.metrics.blocksCopied.Add(st.BlocksCopied)
	s.metrics.blocksDecoded.Add(st.BlocksDecoded)
	s.metrics.mergeSeconds.UpdateDuration(start)
	s.log.Debug("merged", "group", g.meta.Name, "inputs", len(in), "level", level, "events", st.Events, "dropped", st.Dropped, "copied", st.BlocksCopied, "decoded", st.BlocksDecoded, "duration", time.Since(start))
	return true, nil
}

func (f *segFile) sizeOr0() int64 {
	if f == nil {
		return 0
	}
	return f.rec.Size
}

func (s *Store) removeFile(path string) {
	if err := removeIfExists(path); err != nil {
		s.log.Warn("remove segment", "file", path, "err", err)
	}
}

// retentionLocked drops whole segments whose newest event has expired;
// s.bgMu must be held. Merges drop expired events at the edges, and reads
// never return them.
func (s *Store) retentionLocked() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	now := s.nowMillis()
	var gone []*segFile
	var recs []segRecord
	type change struct {
		g    *group
		segs []*segFile
		lost []segRecord
	}
	var changes []change
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			if g.meta.Retention <= 0 {
				continue
			}
			cutoff := retentionCutoff(g.meta.Retention, now)
			var keep []*segFile
			for _, f := range g.segs {
				if f.rec.MaxTS < cutoff {
					gone = append(gone, f)
					recs = append(recs, f.rec)
				} else {
					keep = append(keep, f)
				}
			}
			var lost []segRecord
			for _, r := range g.lost {
				if r.MaxTS < cutoff {
					recs = append(recs, r) // nothing to report any more
				} else {
					lost = append(lost, r)
				}
			}
			if len(keep) != len(g.segs) || len(lost) != len(g.lost) {
				changes = append(changes, change{g, keep, lost})
			}
		}
	}
	if len(recs) == 0 {
		s.mu.Unlock()
		return nil
	}
	if err := s.meta.commitManifest(manifestChange{remove: recs}); err != nil {
		s.mu.Unlock()
		return err
	}
	for _, c := range changes {
		c.g.segs, c.g.lost = c.segs, c.lost
		s.segStatsLocked(c.g)
	}
	s.mu.Unlock()
	for _, f := range gone {
		s.retire(f)
	}
	s.metrics.expiredSegments.Add(len(gone))
	return nil
}

// RunRetention drops expired segments now (tests and tools).
func (s *Store) RunRetention() error {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	return s.retentionLocked()
}

// mergeLoop runs due merges, one at a time, until Close.
func (s *Store) mergeLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(s.opts.MaintainInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		for {
			s.mergeMu.Lock()
			more, err := s.mergeOnceLocked()
			s.mergeMu.Unlock()
			if err != nil {
				s.log.Error("merge failed; the inputs stay", "err", err)
			}
			select {
			case <-s.stop:
				return
			default:
			}
			if err != nil || !more {
				break
			}
		}
	}
}
