package store

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Logs Insights query definitions (PutQueryDefinition and friends) are
// metadata like groups: one JSON value per definition in bbolt,
//
//	querydefs: account \x00 region \x00 id -> QueryDefinition
//
// committed before the API answers.
var bucketQueryDefs = []byte("querydefs")

// MaxQueryDefinitions bounds the definitions of one account and region.
const MaxQueryDefinitions = 1000

var (
	ErrQueryDefinitionNotFound = errors.New("query definition does not exist")
	ErrTooManyQueryDefinitions = errors.New("too many query definitions")
)

// QueryDefinition is a saved Logs Insights query.
type QueryDefinition struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	QueryString   string   `json:"query"`
	LogGroupNames []string `json:"groups,omitempty"`
	Language      string   `json:"language,omitempty"`
	LastModified  int64    `json:"modified"` // epoch milliseconds
}

func queryDefKey(sc Scope, id string) []byte {
	return []byte(sc.Account + "\x00" + sc.Region + "\x00" + id)
}

// queryDefsOpen returns ErrClosed after Close.
func (s *Store) queryDefsOpen() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// PutQueryDefinition stores d. With create it adds a definition (d.ID must
// be new); without, it replaces the existing one or fails with
// ErrQueryDefinitionNotFound. LastModified is set to now.
func (s *Store) PutQueryDefinition(sc Scope, d QueryDefinition, create bool) error {
	if err := s.queryDefsOpen(); err != nil {
		return err
	}
	d.LastModified = s.nowMillis()
	return s.meta.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketQueryDefs)
		if err != nil {
			return err
		}
		k := queryDefKey(sc, d.ID)
		exists := b.Get(k) != nil
		switch {
		case !create && !exists:
			return ErrQueryDefinitionNotFound
		case create && exists:
			return fmt.Errorf("query definition %s exists", d.ID)
		case create:
			n := 0
			prefix := queryDefKey(sc, "")
			c := b.Cursor()
			for k, _ := c.Seek(prefix); k != nil && hasQueryDefPrefix(k, prefix); k, _ = c.Next() {
				n++
			}
			if n >= MaxQueryDefinitions {
				return ErrTooManyQueryDefinitions
			}
		}
		v, err := json.Marshal(&d)
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
}

func hasQueryDefPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

// QueryDefinitions returns the definitions of a scope by name, then ID.
func (s *Store) QueryDefinitions(sc Scope) ([]QueryDefinition, error) {
	if err := s.queryDefsOpen(); err != nil {
		return nil, err
	}
	var out []QueryDefinition
	err := s.meta.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQueryDefs)
		if b == nil {
			return nil
		}
		prefix := queryDefKey(sc, "")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && hasQueryDefPrefix(k, prefix); k, v = c.Next() {
			var d QueryDefinition
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("query definition %q: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b QueryDefinition) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

// DeleteQueryDefinition removes a definition.
func (s *Store) DeleteQueryDefinition(sc Scope, id string) error {
	if err := s.queryDefsOpen(); err != nil {
		return err
	}
	return s.meta.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQueryDefs)
		k := queryDefKey(sc, id)
		if b == nil || b.Get(k) == nil {
			return ErrQueryDefinitionNotFound
		}
		return b.Delete(k)
	})
}
