package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxTags is the number of tags a resource may carry.
const MaxTags = 50

// group is a log group in memory. Its fields are guarded by Store.mu.
type group struct {
	meta    groupMeta
	streams map[string]*stream
	segs    []*segFile  // replaced, never changed in place (segments.go)
	lost    []segRecord // of quarantined segments (lost.go); replaced, never changed in place
}

// Group is a snapshot of a log group's description.
type Group struct {
	Name               string
	Account, Region    string
	CreationTime       int64
	RetentionInDays    int32 // 0: never expire
	KmsKeyID           string
	Class              string
	DeletionProtection bool
	StoredBytes        int64
}

// ARN returns the log group's ARN as DescribeLogGroups reports it in "arn"
// (with the trailing ":*").
func (g Group) ARN() string { return GroupARN(g.Region, g.Account, g.Name) + ":*" }

// GroupARN returns the ARN of a log group without the trailing ":*".
func GroupARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, name)
}

func (g *group) snapshotLocked() Group {
	var stored int64
	for _, st := range g.streams {
		stored += st.storedBytes()
	}
	return Group{
		Name:               g.meta.Name,
		Account:            g.meta.Account,
		Region:             g.meta.Region,
		CreationTime:       g.meta.Created,
		RetentionInDays:    g.meta.Retention,
		KmsKeyID:           g.meta.KmsKeyID,
		Class:              g.meta.Class,
		DeletionProtection: g.meta.Protected,
		StoredBytes:        stored,
	}
}

// GroupOptions are the optional settings of CreateLogGroup.
type GroupOptions struct {
	KmsKeyID           string
	Class              string // default STANDARD
	Tags               map[string]string
	DeletionProtection bool
}

// CreateLogGroup creates a group; ErrGroupExists if the name is taken.
func (s *Store) CreateLogGroup(sc Scope, name string, o GroupOptions) error {
	if len(o.Tags) > MaxTags {
		return ErrTooManyTags
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, err := s.groupLocked(sc, name); err == nil {
		return ErrGroupExists
	}
	class := o.Class
	if class == "" {
		class = "STANDARD"
	}
	m := groupMeta{
		Account: sc.Account, Region: sc.Region, Name: name,
		Created:   s.nowMillis(),
		KmsKeyID:  o.KmsKeyID,
		Class:     class,
		Protected: o.DeletionProtection,
		Tags:      maps.Clone(o.Tags),
	}
	if err := s.meta.createGroup(&m); err != nil {
		return fmt.Errorf("create log group %s: %w", name, err)
	}
	s.addGroupLocked(&m)
	return nil
}

func (s *Store) addGroupLocked(m *groupMeta) *group {
	sc := Scope{m.Account, m.Region}
	sg := s.groups[sc.key()]
	if sg == nil {
		sg = &scoped{groups: map[string]*group{}}
		s.groups[sc.key()] = sg
	}
	g := &group{meta: *m, streams: map[string]*stream{}}
	sg.groups[m.Name] = g
	return g
}

// DeleteLogGroup deletes a group with all its streams and events.
func (s *Store) DeleteLogGroup(sc Scope, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(sc, name)
	if err != nil {
		return err
	}
	if g.meta.Protected {
		return ErrDeletionProtected
	}
	if err := s.meta.deleteGroup(&g.meta); err != nil {
		return fmt.Errorf("delete log group %s: %w", name, err)
	}
	delete(s.groups[sc.key()].groups, name)
	sts := make([]*stream, 0, len(g.streams))
	for _, st := range g.streams {
		delete(s.streams, st.meta.ID)
		sts = append(sts, st)
	}
	s.releaseHead(sts...)
	// The segment records went with the group's transaction; the files
	// follow now (or at the next start-up, as unrecorded files).
	for _, f := range g.segs {
		s.retire(f)
	}
	g.segs = nil
	return nil
}

// GroupFilter selects groups for ListGroups. At most one of Prefix and
// Contains is set.
type GroupFilter struct {
	Prefix   string            // case-sensitive name prefix
	Contains string            // case-sensitive substring
	Match    func(string) bool // further name predicate (ListLogGroups patterns)
	Names    []string          // exact names only (DescribeLogGroups logGroupIdentifiers)
	Class    string
	After    string // resume after this name (pagination)
	Limit    int
}

// ListGroups returns groups in name order and whether more follow.
func (s *Store) ListGroups(sc Scope, f GroupFilter) ([]Group, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, ErrClosed
	}
	sg := s.groups[sc.key()]
	if sg == nil {
		return nil, false, nil
	}
	var names []string
	if f.Names != nil {
		for _, n := range f.Names {
			if sg.groups[n] != nil {
				names = append(names, n)
			}
		}
	} else {
		names = slices.Collect(maps.Keys(sg.groups))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var out []Group
	for _, n := range names {
		if f.After != "" && n <= f.After {
			continue
		}
		if !strings.HasPrefix(n, f.Prefix) || !strings.Contains(n, f.Contains) {
			continue
		}
		if f.Match != nil && !f.Match(n) {
			continue
		}
		g := sg.groups[n]
		if f.Class != "" && g.meta.Class != f.Class {
			continue
		}
		if f.Limit > 0 && len(out) == f.Limit {
			return out, true, nil
		}
		out = append(out, g.snapshotLocked())
	}
	return out, false, nil
}

// GetGroup returns one group's description.
func (s *Store) GetGroup(sc Scope, name string) (Group, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(sc, name)
	if err != nil {
		return Group{}, err
	}
	return g.snapshotLocked(), nil
}

// updateGroup applies change to a copy of the group's metadata, commits it,
// and only then makes it visible, so a failed commit changes nothing.
func (s *Store) updateGroup(sc Scope, name string, change func(m *groupMeta) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(sc, name)
	if err != nil {
		return err
	}
	m := g.meta
	m.Tags = maps.Clone(g.meta.Tags)
	if err := change(&m); err != nil {
		return err
	}
	if err := s.meta.putGroup(&m); err != nil {
		return fmt.Errorf("update log group %s: %w", name, err)
	}
	g.meta = m
	return nil
}

// SetRetention sets (days > 0) or removes (days == 0) the retention policy.
func (s *Store) SetRetention(sc Scope, name string, days int32) error {
	return s.updateGroup(sc, name, func(m *groupMeta) error {
		m.Retention = days
		return nil
	})
}

// SetDeletionProtection turns deletion protection on or off.
func (s *Store) SetDeletionProtection(sc Scope, name string, on bool) error {
	return s.updateGroup(sc, name, func(m *groupMeta) error {
		m.Protected = on
		return nil
	})
}

// TagGroup adds or replaces tags; ErrTooManyTags if the result exceeds MaxTags.
func (s *Store) TagGroup(sc Scope, name string, tags map[string]string) error {
	return s.updateGroup(sc, name, func(m *groupMeta) error {
		if m.Tags == nil {
			m.Tags = map[string]string{}
		}
		maps.Copy(m.Tags, tags)
		if len(m.Tags) > MaxTags {
			return ErrTooManyTags
		}
		return nil
	})
}

// UntagGroup removes the tag keys (missing keys are ignored).
func (s *Store) UntagGroup(sc Scope, name string, keys []string) error {
	return s.updateGroup(sc, name, func(m *groupMeta) error {
		for _, k := range keys {
			delete(m.Tags, k)
		}
		return nil
	})
}

// GroupTags returns a copy of the group's tags.
func (s *Store) GroupTags(sc Scope, name string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(sc, name)
	if err != nil {
		return nil, err
	}
	t := maps.Clone(g.meta.Tags)
	if t == nil {
		t = map[string]string{}
	}
	return t, nil
}

// retentionCutoff returns the oldest timestamp still visible in g at now:
// events with smaller timestamps have expired.
func retentionCutoff(days int32, now int64) int64 {
	if days <= 0 {
		return minTimestamp
	}
	return now - int64(days)*86_400_000
}
