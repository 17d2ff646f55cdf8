package store

import (
	"slices"
	"strings"
)

// Lost segments. A segment that fails its checks is quarantined: its file
// is moved to DATA/quarantine/ and its events can no longer be read. Its
// manifest record stays, marked quarantined, so that every later read that
// would have touched it (one of its streams, an overlapping time range)
// reports itself incomplete, also after a restart. The record goes when
// retention passes its newest event or the group is deleted.

// lostCovers reports whether the quarantined segment r held events of a
// stream with an ID in ids (nil: any stream) between start and end
// (inclusive).
func lostCovers(r *segRecord, ids []uint64, start, end int64) bool {
	if r.MaxTS < start || r.MinTS > end {
		return false
	}
	if ids == nil || len(r.Streams) == 0 { // no stream list: assume any
		return true
	}
	for _, sr := range r.Streams {
		if slices.Contains(ids, sr.ID) {
			return true
		}
	}
	return false
}

// LostRange describes events a read could not return.
type LostRange struct {
	Start, End int64 // timestamps of the quarantined segment's events
	Events     int64 // events in it, of every stream
	Bytes      int64 // its size on disk
}

// lostLocked returns the quarantined segments of g that a read of the
// streams ids (nil: all) between start and end would have touched; s.mu
// must be held.
func lostLocked(g *group, ids []uint64, start, end int64) []LostRange {
	var out []LostRange
	for i := range g.lost {
		if r := &g.lost[i]; lostCovers(r, ids, start, end) {
			out = append(out, LostRange{Start: r.MinTS, End: r.MaxTS, Events: r.Events, Bytes: r.Size})
		}
	}
	return out
}

// lostGroup runs fn with Store.mu held for reading on the group, if it
// has quarantined segments.
func (s *Store) lostGroup(sc Scope, groupName string, fn func(g *group)) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		return err
	}
	if len(g.lost) > 0 {
		fn(g)
	}
	return nil
}

// Lost returns the quarantined segments of a group that held events of
// the named streams (none: any) between start and end, inclusive.
func (s *Store) Lost(sc Scope, groupName string, streamNames []string, start, end int64) (out []LostRange, err error) {
	err = s.lostGroup(sc, groupName, func(g *group) {
		var ids []uint64
		for _, n := range streamNames {
			if st := g.streams[n]; st != nil {
				ids = append(ids, st.meta.ID)
			}
		}
		if len(streamNames) == 0 || len(ids) > 0 {
			out = lostLocked(g, ids, start, end)
		}
	})
	return out, err
}

// LostStreams returns the names, sorted, of the group's streams (those
// named, or with the prefix, or all) that had events between start and end
// (inclusive) in quarantined segments: the streams a read of that range
// cannot return completely.
func (s *Store) LostStreams(sc Scope, groupName string, streamNames []string, prefix string, start, end int64) (names []string, err error) {
	err = s.lostGroup(sc, groupName, func(g *group) {
		for name, st := range g.streams {
			if len(streamNames) > 0 && !slices.Contains(streamNames, name) || !strings.HasPrefix(name, prefix) {
				continue
			}
			if len(lostLocked(g, []uint64{st.meta.ID}, start, end)) > 0 {
				names = append(names, name)
			}
		}
		slices.Sort(names)
	})
	return names, err
}
