package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Configuration resources (metric filters, subscription filters,
// destinations, policies, transformers, deliveries, ...) are stored
// generically. The store knows a resource's kind, the log group it belongs
// to (if any) and its name, and keeps its value as JSON; the API layer owns
// the shapes and the rules. In bbolt:
//
//	config: account \x00 region \x00 kind \x00 parent \x00 name -> JSON value
//
// parent is the name of the log group the resource belongs to, or "" for
// resources of the whole account and region; kind never contains \x00 and
// parent cannot (log group names cannot), so a key splits unambiguously
// even when name contains \x00. Deleting a log group deletes every resource
// whose parent it is, in the transaction that deletes the group.
var bucketConfig = []byte("config")

// ConfigTx is one transaction over the configuration resources of a scope.
// It is valid only inside the function given to ViewConfig or UpdateConfig,
// and must not be used from other goroutines.
type ConfigTx struct {
	s  *Store
	sc Scope
	tx *bolt.Tx
}

// ViewConfig runs fn in a read-only transaction over sc's configuration.
//
// fn runs with the store's read lock held: it must not call other Store
// methods (they would wait for that lock and may deadlock). An error fn
// returns is returned unchanged.
func (s *Store) ViewConfig(sc Scope, fn func(tx *ConfigTx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.meta.db.View(func(tx *bolt.Tx) error {
		return fn(&ConfigTx{s: s, sc: sc, tx: tx})
	})
}

// UpdateConfig runs fn in a read-write transaction over sc's configuration
// and commits it (with fsync) if fn returns nil; otherwise nothing changes
// and fn's error is returned unchanged. The same rules as for ViewConfig
// apply to fn. Checks made in fn (a log group exists, a limit is not
// reached) hold at commit: log groups cannot be deleted meanwhile, and
// transactions are serialised.
func (s *Store) UpdateConfig(sc Scope, fn func(tx *ConfigTx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.meta.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketConfig); err != nil {
			return fmt.Errorf("create config bucket: %w", err)
		}
		return fn(&ConfigTx{s: s, sc: sc, tx: tx})
	})
}

// GroupExists reports whether the log group exists in the transaction's
// scope.
func (t *ConfigTx) GroupExists(name string) bool {
	_, err := t.s.groupLocked(t.sc, name)
	return err == nil
}

// Group returns the log group's description, or ErrGroupNotFound.
func (t *ConfigTx) Group(name string) (Group, error) {
	g, err := t.s.groupLocked(t.sc, name)
	if err != nil {
		return Group{}, err
	}
	return g.snapshotLocked(), nil
}

func (t *ConfigTx) bucket() *bolt.Bucket { return t.tx.Bucket(bucketConfig) }

func (t *ConfigTx) scopePrefix() []byte {
	return []byte(t.sc.Account + "\x00" + t.sc.Region + "\x00")
}

func (t *ConfigTx) kindPrefix(kind string) []byte {
	return append(t.scopePrefix(), kind+"\x00"...)
}

func (t *ConfigTx) parentPrefix(kind, parent string) []byte {
	return append(t.kindPrefix(kind), parent+"\x00"...)
}

func (t *ConfigTx) key(kind, parent, name string) []byte {
	return append(t.parentPrefix(kind, parent), name...)
}

// Get decodes the resource into v and reports whether it exists.
func (t *ConfigTx) Get(kind, parent, name string, v any) (bool, error) {
	b := t.bucket()
	if b == nil {
		return false, nil
	}
	raw := b.Get(t.key(kind, parent, name))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("config %s %q: %w", kind, name, err)
	}
	return true, nil
}

// Exists reports whether the resource exists.
func (t *ConfigTx) Exists(kind, parent, name string) bool {
	b := t.bucket()
	return b != nil && b.Get(t.key(kind, parent, name)) != nil
}

// Put stores v (encoded as JSON) as the resource, creating or replacing it.
func (t *ConfigTx) Put(kind, parent, name string, v any) error {
	if !t.tx.Writable() {
		return errors.New("config: Put in a read-only transaction")
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode config %s %q: %w", kind, name, err)
	}
	return t.bucket().Put(t.key(kind, parent, name), raw)
}

// Delete removes the resource and reports whether it existed.
func (t *ConfigTx) Delete(kind, parent, name string) (bool, error) {
	b := t.bucket()
	if b == nil {
		return false, nil
	}
	k := t.key(kind, parent, name)
	if b.Get(k) == nil {
		return false, nil
	}
	return true, b.Delete(k)
}

// Count returns the number of resources of kind under parent.
func (t *ConfigTx) Count(kind, parent string) int {
	n := 0
	t.List(ConfigQuery{Kind: kind, Parent: parent}, func(ConfigItem) (bool, error) {
		n++
		return true, nil
	})
	return n
}

// ConfigQuery selects resources of one kind for List.
type ConfigQuery struct {
	Kind       string
	Parent     string // the parent whose resources to list, unless AnyParent
	AnyParent  bool   // list the kind under every parent, ordered by parent then name
	NamePrefix string // only names with this prefix
	// After resumes a listing after the resource (AfterParent, After):
	// only resources ordered after it are listed. Ignored when both are "";
	// without AnyParent, AfterParent is taken to be Parent.
	AfterParent string
	After       string
}

// ConfigItem is one stored resource as List yields it.
type ConfigItem struct {
	Parent string
	Name   string
	Value  []byte // JSON; valid only during the callback
}

// Decode decodes the item's value into v.
func (it ConfigItem) Decode(v any) error {
	if err := json.Unmarshal(it.Value, v); err != nil {
		return fmt.Errorf("config %q: %w", it.Name, err)
	}
	return nil
}

// List calls fn for each selected resource in (parent, name) byte order
// until fn returns false or an error, which List returns.
func (t *ConfigTx) List(q ConfigQuery, fn func(ConfigItem) (bool, error)) error {
	b := t.bucket()
	if b == nil {
		return nil
	}
	base := t.kindPrefix(q.Kind)
	prefix := base
	if !q.AnyParent {
		prefix = t.parentPrefix(q.Kind, q.Parent)
	}
	c := b.Cursor()
	start := prefix
	if !q.AnyParent {
		start = append(append([]byte{}, prefix...), q.NamePrefix...)
	}
	resume := q.AfterParent != "" || q.After != ""
	if resume {
		afterParent := q.AfterParent
		if !q.AnyParent {
			afterParent = q.Parent
		}
		after := append(append(append([]byte{}, base...), afterParent+"\x00"...), q.After...)
		if bytes.Compare(after, start) >= 0 {
			// The first key strictly greater than after.
			start = append(after, 0)
		}
	}
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(base):]
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			continue // not a key this layout writes
		}
		it := ConfigItem{Parent: string(rest[:i]), Name: string(rest[i+1:]), Value: v}
		if !bytes.HasPrefix([]byte(it.Name), []byte(q.NamePrefix)) {
			if !q.AnyParent && it.Name > q.NamePrefix {
				break // names are sorted: no later one has the prefix
			}
			continue
		}
		more, err := fn(it)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// deleteGroupConfig deletes every configuration resource whose parent is
// the log group g, inside the transaction that deletes the group. It visits
// each kind stored in the scope once, so its cost does not grow with the
// scope's other groups.
func deleteGroupConfig(tx *bolt.Tx, g *groupMeta) error {
	b := tx.Bucket(bucketConfig)
	if b == nil {
		return nil
	}
	scope := []byte(g.Account + "\x00" + g.Region + "\x00")
	c := b.Cursor()
	k, _ := c.Seek(scope)
	for k != nil && bytes.HasPrefix(k, scope) {
		rest := k[len(scope):]
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			k, _ = c.Next()
			continue
		}
		kind := append(append([]byte{}, scope...), rest[:i]...)
		p := append(append(append([]byte{}, kind...), 0), g.Name+"\x00"...)
		for k2, _ := c.Seek(p); k2 != nil && bytes.HasPrefix(k2, p); k2, _ = c.Seek(p) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		k, _ = c.Seek(append(kind, 1)) // the next kind
	}
	return nil
}
