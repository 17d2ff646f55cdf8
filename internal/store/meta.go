package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Metadata lives in bbolt, one JSON value per resource:
//
//	groups:  account \x00 region \x00 name -> groupMeta
//	streams: groupID (8 bytes, big endian) name -> streamMeta
//
// IDs come from the groups and streams buckets' sequences and are never
// reused, so a WAL record naming a deleted stream is recognisably stale.
var (
	bucketGroups  = []byte("groups")
	bucketStreams = []byte("streams")
)

type groupMeta struct {
	ID        uint64            `json:"id"`
	Account   string            `json:"account"`
	Region    string            `json:"region"`
	Name      string            `json:"name"`
	Created   int64             `json:"created"`
	Retention int32             `json:"retention,omitempty"`
	KmsKeyID  string            `json:"kmsKeyId,omitempty"`
	Class     string            `json:"class,omitempty"`
	Protected bool              `json:"protected,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

func (m *groupMeta) key() []byte {
	return []byte(m.Account + "\x00" + m.Region + "\x00" + m.Name)
}

type streamMeta struct {
	ID      uint64 `json:"id"`
	GroupID uint64 `json:"group"`
	Name    string `json:"name"`
	Created int64  `json:"created"`
}

func (m *streamMeta) key() []byte {
	k := make([]byte, 8, 8+len(m.Name))
	binary.BigEndian.PutUint64(k, m.GroupID)
	return append(k, m.Name...)
}

type metaDB struct {
	db *bolt.DB
}

func openMeta(path string) (m *metaDB, err error) {
	// bbolt panics on some kinds of corrupted pages; start-up must report
	// a damaged file, not crash.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("open metadata %s: corrupted database: %v", path, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open metadata %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketGroups, bucketStreams} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init metadata: %w", err)
	}
	return &metaDB{db: db}, nil
}

func (m *metaDB) close() error { return m.db.Close() }

// nextID returns a fresh, never reused ID from the bucket's sequence.
func nextID(tx *bolt.Tx, bucket []byte) (uint64, error) {
	return tx.Bucket(bucket).NextSequence()
}

func putJSON(tx *bolt.Tx, bucket, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, b)
}

// createGroup assigns g an ID and stores it.
func (m *metaDB) createGroup(g *groupMeta) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		id, err := nextID(tx, bucketGroups)
		if err != nil {
			return err
		}
		g.ID = id
		return putJSON(tx, bucketGroups, g.key(), g)
	})
}

func (m *metaDB) putGroup(g *groupMeta) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx, bucketGroups, g.key(), g)
	})
}

// deleteGroup removes the group, all its streams and its configuration
// resources (config.go) and its segment records (manifest.go) in one
// transaction.
func (m *metaDB) deleteGroup(g *groupMeta) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketGroups).Delete(g.key()); err != nil {
			return err
		}
		if err := deleteGroupConfig(tx, g); err != nil {
			return err
		}
		if err := deleteGroupSegmentsTx(tx, g.ID); err != nil {
			return err
		}
		prefix := make([]byte, 8)
		binary.BigEndian.PutUint64(prefix, g.ID)
		c := tx.Bucket(bucketStreams).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= 8 && string(k[:8]) == string(prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m *metaDB) createStream(s *streamMeta) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		id, err := nextID(tx, bucketStreams)
		if err != nil {
			return err
		}
		s.ID = id
		return putJSON(tx, bucketStreams, s.key(), s)
	})
}

func (m *metaDB) deleteStream(s *streamMeta) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStreams).Delete(s.key())
	})
}

// load calls the callbacks for every stored group, then every stream.
func (m *metaDB) load(onGroup func(*groupMeta) error, onStream func(*streamMeta) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupted metadata database: %v", r)
		}
	}()
	return m.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var g groupMeta
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("group %q: %w", k, err)
			}
			return onGroup(&g)
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			var s streamMeta
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("stream %q: %w", k, err)
			}
			return onStream(&s)
		})
	})
}
