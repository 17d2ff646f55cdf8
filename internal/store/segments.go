package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/logpond/logpond/internal/store/segment"
)

// segFile is one segment of a group that the store reads from. The group's
// list of segments (group.segs) is replaced copy-on-write under Store.mu;
// a reader takes references to the segments it will read while it holds
// Store.mu, so a merge, a retention pass or a deletion that retires a
// segment meanwhile only unlinks the file (open descriptors stay valid) and
// the last reference closes it.
type segFile struct {
	rec  segRecord
	path string
	r    *segment.Reader

	refs        atomic.Int64 // 1 while in a group's list, +1 per reader
	quarantined atomic.Bool
}

func (f *segFile) acquire() { f.refs.Add(1) }

func (f *segFile) release() {
	if f.refs.Add(-1) == 0 {
		f.r.Close()
	}
}

// retire removes the file (its records must already be gone from the
// manifest) and drops the list's reference.
func (s *Store) retire(f *segFile) {
	if !f.quarantined.Load() {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove segment", "file", f.path, "err", err)
		}
	}
	f.release()
}

func (s *Store) segDir() string        { return filepath.Join(s.opts.Dir, "segments") }
func (s *Store) quarantineDir() string { return filepath.Join(s.opts.Dir, "quarantine") }

func segName(id uint64) string { return fmt.Sprintf("%016x.seg", id) }

// openSegments opens the segments of the manifest, deletes files that are
// not in it (a seal or merge that crashed before its commit) and records
// of groups that no longer exist, and quarantines files that fail to open.
func (s *Store) openSegments(recs []segRecord) error {
	dir := s.segDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create segment dir: %w", err)
	}
	groups := map[uint64]*group{}
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			groups[g.meta.ID] = g
		}
	}
	known := map[string]bool{}
	var drop, lost []segRecord
	for _, rec := range recs {
		s.nextSegID.Store(max(s.nextSegID.Load(), rec.ID))
		g := groups[rec.GroupID]
		if g == nil {
			drop = append(drop, rec) // the group was deleted; its files follow
			continue
		}
		if rec.Quarantined {
			g.lost = append(g.lost, rec)
			continue
		}
		name := segName(rec.ID)
		known[name] = true
		path := filepath.Join(dir, name)
		r, err := segment.Open(path, segment.ReaderOptions{Cache: s.cache})
		if err == nil && r.GroupID() != rec.GroupID {
			r.Close()
			err = &segment.CorruptionError{Path: path, Reason: fmt.Sprintf("group ID %d, manifest says %d", r.GroupID(), rec.GroupID)}
		}
		if err != nil {
			s.quarantineFile(path, err)
			rec.Quarantined = true
			lost = append(lost, rec)
			g.lost = append(g.lost, rec)
			continue
		}
		f := &segFile{rec: rec, path: path, r: r}
		f.refs.Store(1)
		g.segs = append(g.segs, f)
		for _, sr := range rec.Streams {
			if st := s.streams[sr.ID]; st != nil {
				st.lastSeq = max(st.lastSeq, sr.LastSeq)
				st.lastIngst = max(st.lastIngst, sr.LastIngestion)
			}
		}
	}
	if len(drop) > 0 || len(lost) > 0 {
		if err := s.meta.commitManifest(manifestChange{remove: drop, add: lost}); err != nil {
			return fmt.Errorf("drop segment records: %w", err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read segment dir: %w", err)
	}
	removed := false
	for _, e := range ents {
		n := e.Name()
		if known[n] {
			continue
		}
		if id, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSuffix(n, segment.TempSuffix), ".seg"), 16, 64); err == nil {
			s.nextSegID.Store(max(s.nextSegID.Load(), id))
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("remove stale segment: %w", err)
		}
		removed = true
	}
	if removed {
		if err := segment.SyncDir(dir); err != nil {
			return err
		}
	}
	for _, g := range groups {
		sortSegs(g.segs)
		s.segStatsLocked(g)
	}
	return nil
}

func sortSegs(segs []*segFile) {
	slices.SortFunc(segs, func(a, b *segFile) int {
		if a.rec.MinSeq != b.rec.MinSeq {
			if a.rec.MinSeq < b.rec.MinSeq {
				return -1
			}
			return 1
		}
		return int(a.rec.ID - b.rec.ID)
	})
}

// segStatsLocked recomputes the segment figures of g's streams; s.mu must
// be held for writing (or during Open).
func (s *Store) segStatsLocked(g *group) {
	for _, st := range g.streams {
		st.seg = segStats{}
	}
	for _, f := range g.segs {
		for _, ss := range f.r.Streams() {
			st := s.streams[ss.Stream]
			if st == nil || st.meta.GroupID != g.meta.ID {
				continue
			}
			if st.seg.events == 0 {
				st.seg.first, st.seg.last = ss.FirstTimestamp, ss.LastTimestamp
			}
			st.seg.events += ss.Events
			st.seg.bytes += ss.MessageBytes
			st.seg.first = min(st.seg.first, ss.FirstTimestamp)
			st.seg.last = max(st.seg.last, ss.LastTimestamp)
		}
	}
}

// quarantineFile moves a damaged segment file to DATA/quarantine/.
func (s *Store) quarantineFile(path string, cause error) {
	s.metrics.quarantined.Inc()
	s.damaged.Store(true)
	qdir := s.quarantineDir()
	dst := filepath.Join(qdir, filepath.Base(path))
	err := os.MkdirAll(qdir, 0o755)
	if err == nil {
		err = os.Rename(path, dst)
	}
	s.log.Error("segment quarantined: its events are no longer readable", "file", path, "moved_to", dst, "cause", cause, "move_err", err)
}

// quarantine takes a segment that failed a check out of its group and the
// manifest and moves its file aside. Safe to call from any reader; only the
// first call for a segment acts.
func (s *Store) quarantine(f *segFile, cause error) {
	if !f.quarantined.CompareAndSwap(false, true) {
		return
	}
	s.quarantineFile(f.path, cause)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := f.rec
	rec.Quarantined = true
	if err := s.meta.commitManifest(manifestChange{add: []segRecord{rec}}); err != nil {
		s.log.Error("mark record of quarantined segment", "file", f.path, "err", err)
	}
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			if i := slices.Index(g.segs, f); i >= 0 {
				g.segs = slices.Delete(slices.Clone(g.segs), i, i+1)
				g.lost = append(slices.Clip(g.lost), rec)
				s.segStatsLocked(g)
				f.release()
				return
			}
		}
	}
}

// segCorruption reports whether err means the segment is damaged.
func segCorruption(err error) bool {
	var ce *segment.CorruptionError
	return errors.As(err, &ce)
}
