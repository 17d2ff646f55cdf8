// Package store owns log groups, log streams and their events: it turns API
// calls into metadata transactions and write-ahead-log appends, keeps recent
// events in memory, and answers reads over them.
//
// Durability: metadata changes are committed to an embedded bbolt database
// before they are acknowledged; events are acknowledged only after the WAL
// record that carries them is fsynced. At start-up the WAL is replayed into
// the in-memory head; records of streams deleted since are skipped, because
// WAL records name streams by an ID that is never reused.
//
// Every method is safe for concurrent use. Lock order: Store.mu, then
// stream.mu.
package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/logpond/logpond/internal/store/segment"
	"github.com/logpond/logpond/internal/store/wal"
)

// Sentinel errors; the API layer maps them to CloudWatch exceptions.
var (
	ErrGroupNotFound     = errors.New("log group does not exist")
	ErrStreamNotFound    = errors.New("log stream does not exist")
	ErrGroupExists       = errors.New("log group already exists")
	ErrStreamExists      = errors.New("log stream already exists")
	ErrDeletionProtected = errors.New("log group has deletion protection enabled")
	ErrTooManyTags       = errors.New("too many tags")
	ErrClosed            = errors.New("store is closed")
	ErrEventNotFound     = errors.New("log event does not exist")
)

// Scope is the account and region a resource lives in. Resources of one
// scope are invisible to every other scope.
type Scope struct {
	Account string
	Region  string
}

func (s Scope) key() string { return s.Account + "\x00" + s.Region }

// Options configure a Store.
type Options struct {
	// Dir holds the metadata database and the WAL. Created if missing.
	Dir string
	// Now returns the current time; defaults to time.Now. Tests inject it.
	Now    func() time.Time
	Logger *slog.Logger
	// WALSegmentSize is the size at which WAL files rotate (0: WAL default).
	WALSegmentSize int64
	// Metrics receives the store's metrics; nil keeps them private.
	Metrics *metrics.Set

	// HeadMaxBytes seals the head into segments when its messages reach
	// this many bytes. 0: the default (32 MiB); negative: never by size.
	// Writers wait while the head holds twice as much (see headroom.go).
	HeadMaxBytes int64
	// SealInterval seals the head when this long has passed since the last
	// seal. 0: the default (5 min); negative: never by age.
	SealInterval time.Duration
	// CacheBytes bounds the cache of decompressed segment blocks shared by
	// all reads. 0: 64 MiB.
	CacheBytes int64
	// ReadMemory bounds the decoded segment blocks one read (a scan, a
	// search page, a listing) holds at once, in bytes: past it, the
	// streams used least recently drop theirs and decode them again when
	// the read comes back to them (budget.go). 0: 32 MiB.
	ReadMemory int64
	// MaxSegmentBytes stops merging segments whose inputs would be larger.
	// 0: 1 GiB.
	MaxSegmentBytes int64
	// HeadWait is how long a PutLogEvents waits for a seal when the head
	// holds twice HeadMaxBytes before it fails with ErrBusy. 0: 30 s.
	HeadWait time.Duration
	// MaintainInterval is how often the background loop checks for seals,
	// merges and expired segments. 0: 1 s.
	MaintainInterval time.Duration

	segFS        segment.FS // tests inject failures; nil: the OS
	segBlockSize int        // tests make small blocks; 0: the segment default
}

// Defaults of Options. Sealing is on unless both HeadMaxBytes and
// SealInterval are negative.
const (
	DefaultHeadMaxBytes     = 32 << 20
	defaultSealInterval     = 5 * time.Minute
	DefaultCacheBytes       = 64 << 20
	DefaultReadMemory       = 32 << 20
	defaultMaxSegmentBytes  = 1 << 30
	defaultMaintainInterval = time.Second
)

func (o *Options) setDefaults() {
	if o.HeadMaxBytes == 0 {
		o.HeadMaxBytes = DefaultHeadMaxBytes
	}
	if o.SealInterval == 0 {
		o.SealInterval = defaultSealInterval
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.ReadMemory <= 0 {
		o.ReadMemory = DefaultReadMemory
	}
	if o.MaxSegmentBytes <= 0 {
		o.MaxSegmentBytes = defaultMaxSegmentBytes
	}
	if o.MaintainInterval <= 0 {
		o.MaintainInterval = defaultMaintainInterval
	}
	if o.HeadWait <= 0 {
		o.HeadWait = defaultHeadWait
	}
}

func (o *Options) sealing() bool { return o.HeadMaxBytes > 0 || o.SealInterval > 0 }

// Store is the embedded log store.
type Store struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	meta *metaDB
	wal  *wal.Log
	seq  atomic.Uint64 // last event sequence number handed out

	mu      sync.RWMutex       // guards groups, streams and every group's fields
	groups  map[string]*scoped // by Scope.key()
	streams map[uint64]*stream // by stream ID
	closed  bool

	replay  wal.ReplayStats
	metrics *storeMetrics
	taps    taps

	// gate is held for reading by PutLogEvents from sequence assignment
	// through head insert, and for writing by a seal while it rotates the
	// WAL and reads the last sequence number (seal.go).
	gate sync.RWMutex
	// bgMu serialises seals and retention passes, and guards sealedSeq.
	bgMu sync.Mutex
	// mergeMu serialises merges (merge.go). Merges run beside seals, so a
	// long merge never lets the head grow past its bound; a merge whose
	// inputs were retired meanwhile (retention, quarantine) is abandoned.
	mergeMu   sync.Mutex
	sealedSeq uint64 // every event with a sequence number <= it is in segments
	headBytes atomic.Int64
	room      headRoom      // writers wait here while the head is full
	nextSegID atomic.Uint64 // last segment file number used
	cache     *segment.LRU
	damaged   atomic.Bool // a segment was quarantined since Open

	kick chan struct{} // wakes the background loop
	stop chan struct{} // closed by Close
	bgWG sync.WaitGroup
}

// scoped holds the groups of one account and region.
type scoped struct {
	groups map[string]*group // by name
}

// Open opens (creating if needed) the store in opts.Dir, loads metadata and
// replays the WAL.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("store: no directory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	opts.setDefaults()
	s := &Store{
		opts:    opts,
		log:     opts.Logger,
		now:     opts.Now,
		groups:  map[string]*scoped{},
		streams: map[uint64]*stream{},
		cache:   segment.NewLRU(opts.CacheBytes),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewSet()
	}
	s.metrics = newStoreMetrics(opts.Metrics, s)
	meta, err := openMeta(filepath.Join(opts.Dir, "meta.db"))
	if err != nil {
		return nil, err
	}
	s.meta = meta
	if err := s.loadMeta(); err != nil {
		meta.close()
		return nil, err
	}
	recs, sealed, err := meta.loadManifest()
	if err != nil {
		meta.close()
		return nil, fmt.Errorf("load segment manifest: %w", err)
	}
	s.sealedSeq = sealed
	if err := s.openSegments(recs); err != nil {
		s.closeSegments()
		meta.close()
		return nil, err
	}
	w, err := wal.Open(filepath.Join(opts.Dir, "wal"), wal.Options{SegmentSize: opts.WALSegmentSize, Logger: opts.Logger, OnSync: s.metrics.onSync})
	if err != nil {
		meta.close()
		return nil, fmt.Errorf("open wal: %w", err)
	}
	s.wal = w
	if err := s.replayWAL(); err != nil {
		w.Close()
		s.closeSegments()
		meta.close()
		return nil, err
	}
	if opts.sealing() {
		s.bgWG.Add(2)
		go s.background()
		go s.mergeLoop()
	}
	return s, nil
}

// closeSegments drops the groups' references to their segments.
func (s *Store) closeSegments() {
	for _, sg := range s.groups {
		for _, g := range sg.groups {
			for _, f := range g.segs {
				f.release()
			}
			g.segs = nil
		}
	}
}

// Damaged reports whether a segment was found damaged and quarantined since
// Open: some events are missing from reads.
func (s *Store) Damaged() bool { return s.damaged.Load() }

// ReplayStats describes what the last start-up replay found.
func (s *Store) ReplayStats() wal.ReplayStats { return s.replay }

// Close stops the background work (waiting for a seal or merge under way
// to finish), flushes and closes the WAL, and closes the segments and the
// metadata database. Calls after Close return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.bgWG.Wait()
	s.bgMu.Lock() // a Seal or Merge called directly
	defer s.bgMu.Unlock()
	s.mergeMu.Lock()
	defer s.mergeMu.Unlock()
	err := s.wal.Close()
	s.mu.Lock()
	s.closeSegments()
	s.mu.Unlock()
	return errors.Join(err, s.meta.close())
}

func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

// groupLocked returns the group or ErrGroupNotFound; s.mu must be held.
func (s *Store) groupLocked(sc Scope, name string) (*group, error) {
	if s.closed {
		return nil, ErrClosed
	}
	sg := s.groups[sc.key()]
	if sg == nil {
		return nil, ErrGroupNotFound
	}
	g := sg.groups[name]
	if g == nil {
		return nil, ErrGroupNotFound
	}
	return g, nil
}

// streamLocked returns the stream or an error; s.mu must be held.
func (s *Store) streamLocked(sc Scope, groupName, streamName string) (*group, *stream, error) {
	g, err := s.groupLocked(sc, groupName)
	if err != nil {
		return nil, nil, err
	}
	st := g.streams[streamName]
	if st == nil {
		return g, nil, ErrStreamNotFound
	}
	return g, st, nil
}
