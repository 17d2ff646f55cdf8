package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Stream is a snapshot of a log stream's description.
type Stream struct {
	Name                string
	CreationTime        int64
	FirstEventTimestamp int64 // 0 when the stream has no events
	LastEventTimestamp  int64
	LastIngestionTime   int64
	StoredBytes         int64
	LastSeq             uint64
}

// CreateLogStream creates a stream in a group.
func (s *Store) CreateLogStream(sc Scope, groupName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		return err
	}
	if g.streams[name] != nil {
		return ErrStreamExists
	}
	m := streamMeta{GroupID: g.meta.ID, Name: name, Created: s.nowMillis()}
	if err := s.meta.createStream(&m); err != nil {
		return fmt.Errorf("create log stream %s: %w", name, err)
	}
	s.addStreamLocked(g, &m)
	return nil
}

func (s *Store) addStreamLocked(g *group, m *streamMeta) *stream {
	st := &stream{meta: *m}
	g.streams[m.Name] = st
	s.streams[m.ID] = st
	return st
}

// DeleteLogStream deletes a stream and its events.
func (s *Store) DeleteLogStream(sc Scope, groupName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, st, err := s.streamLocked(sc, groupName, name)
	if err != nil {
		return err
	}
	if g.meta.Protected {
		return ErrDeletionProtected
	}
	if err := s.meta.deleteStream(&st.meta); err != nil {
		return fmt.Errorf("delete log stream %s: %w", name, err)
	}
	delete(g.streams, name)
	delete(s.streams, st.meta.ID)
	s.releaseHead(st)
	return nil
}

// StreamOrder is the order of ListStreams.
type StreamOrder int

// Stream orders, as DescribeLogStreams' orderBy.
const (
	OrderByName StreamOrder = iota
	OrderByLastEventTime
)

// StreamFilter selects streams for ListStreams.
type StreamFilter struct {
	Prefix     string
	Order      StreamOrder
	Descending bool
	// After resumes a listing: only streams that sort after this one (by
	// the same order) are returned. Nil starts at the beginning.
	After *StreamCursor
	Limit int
}

// StreamCursor is a position in a stream listing.
type StreamCursor struct {
	LastEventTimestamp int64
	Name               string
}

// ListStreams returns a page of the group's streams and whether more follow.
func (s *Store) ListStreams(sc Scope, groupName string, f StreamFilter) ([]Stream, bool, error) {
	s.mu.RLock()
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		s.mu.RUnlock()
		return nil, false, err
	}
	all := make([]Stream, 0, len(g.streams))
	for name, st := range g.streams {
		if strings.HasPrefix(name, f.Prefix) {
			all = append(all, st.snapshot())
		}
	}
	s.mu.RUnlock()
	order := func(aTime int64, aName string, bTime int64, bName string) int {
		c := 0
		if f.Order == OrderByLastEventTime {
			c = cmp.Compare(aTime, bTime)
		}
		if c == 0 {
			c = strings.Compare(aName, bName)
		}
		if f.Descending {
			c = -c
		}
		return c
	}
	slices.SortFunc(all, func(a, b Stream) int {
		return order(a.LastEventTimestamp, a.Name, b.LastEventTimestamp, b.Name)
	})
	if c := f.After; c != nil {
		i, _ := slices.BinarySearchFunc(all, c, func(a Stream, c *StreamCursor) int {
			if order(a.LastEventTimestamp, a.Name, c.LastEventTimestamp, c.Name) <= 0 {
				return -1
			}
			return 1
		})
		all = all[i:]
	}
	if f.Limit > 0 && len(all) > f.Limit {
		return all[:f.Limit], true, nil
	}
	return all, false, nil
}

// GetStream returns one stream's description.
func (s *Store) GetStream(sc Scope, groupName, name string) (Stream, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, st, err := s.streamLocked(sc, groupName, name)
	if err != nil {
		return Stream{}, err
	}
	return st.snapshot(), nil
}
