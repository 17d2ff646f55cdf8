package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The segment manifest lives in bbolt next to the groups and streams
// (docs/format/manifest.md):
//
//	segments: groupID (8 bytes BE) segmentID (8 bytes BE) -> segRecord (JSON)
//	state:    "sealedSeq" -> 8 bytes BE
//
// A segment file exists under DATA/segments/ for every record; a file
// without a record is the leftover of a seal or merge that crashed before
// its commit and is deleted at start-up. sealedSeq is the largest sequence
// number whose events are all in segments: WAL records at or below it are
// skipped by replay.
var (
	bucketSegments = []byte("segments")
	bucketState    = []byte("state")
	keySealedSeq   = []byte("sealedSeq")
)

// segRecord describes one segment file in the manifest.
type segRecord struct {
	ID      uint64 `json:"id"`
	GroupID uint64 `json:"group"`
	Level   int    `json:"level"`
	MinTS   int64  `json:"minTs"`
	MaxTS   int64  `json:"maxTs"`
	MinSeq  uint64 `json:"minSeq"`
	MaxSeq  uint64 `json:"maxSeq"`
	Events  int64  `json:"events"`
	Size    int64  `json:"size"`
	// Streams carries what a segment's own index does not: each stream's
	// newest sequence number and ingestion time (for DescribeLogStreams'
	// uploadSequenceToken and lastIngestionTime after a restart).
	Streams []segStreamRecord `json:"streams,omitempty"`
	// Quarantined marks a segment whose file failed its checks and was
	// moved aside: its events are lost, and reads that would have touched
	// them say so (lost.go).
	Quarantined bool `json:"quarantined,omitempty"`
}

type segStreamRecord struct {
	ID            uint64 `json:"id"`
	LastSeq       uint64 `json:"lastSeq"`
	LastIngestion int64  `json:"lastIngestion"`
}

func segKey(groupID, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, groupID)
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

func groupPrefix(groupID uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, groupID)
	return k
}

// manifestChange is one atomic change of the manifest.
type manifestChange struct {
	add       []segRecord
	remove    []segRecord
	sealedSeq uint64 // set when > 0
}

// commitManifest applies c in one transaction.
func (m *metaDB) commitManifest(c manifestChange) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSegments)
		if err != nil {
			return err
		}
		for _, r := range c.remove {
			if err := b.Delete(segKey(r.GroupID, r.ID)); err != nil {
				return err
			}
		}
		for _, r := range c.add {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(segKey(r.GroupID, r.ID), v); err != nil {
				return err
			}
		}
		if c.sealedSeq > 0 {
			st, err := tx.CreateBucketIfNotExists(bucketState)
			if err != nil {
				return err
			}
			v := make([]byte, 8)
			binary.BigEndian.PutUint64(v, c.sealedSeq)
			if err := st.Put(keySealedSeq, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteGroupSegmentsTx removes every manifest record of the group; it runs
// inside the transaction that deletes the group.
func deleteGroupSegmentsTx(tx *bolt.Tx, groupID uint64) error {
	b := tx.Bucket(bucketSegments)
	if b == nil {
		return nil
	}
	p := groupPrefix(groupID)
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && len(k) >= 8 && string(k[:8]) == string(p); k, _ = c.Seek(p) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// loadManifest returns every segment record and the sealed sequence number.
func (m *metaDB) loadManifest() (recs []segRecord, sealed uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupted metadata database: %v", r)
		}
	}()
	err = m.db.View(func(tx *bolt.Tx) error {
		if st := tx.Bucket(bucketState); st != nil {
			if v := st.Get(keySealedSeq); len(v) == 8 {
				sealed = binary.BigEndian.Uint64(v)
			}
		}
		b := tx.Bucket(bucketSegments)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r segRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("segment record %x: %w", k, err)
			}
			recs = append(recs, r)
			return nil
		})
	})
	return recs, sealed, err
}
