package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// stateVersion is the version of checkpoints.json (see docs/agent.md).
const stateVersion = 1

// stateFile is the content of STATE_DIR/checkpoints.json.
type stateFile struct {
	Version int `json:"version"`
	// Files: per file source, the files (by identity) and how far each
	// was acknowledged. A source with an entry, even an empty one, has
	// been started before, so initial_position no longer applies.
	Files map[string][]fileEntry `json:"files"`
	// Cursors: per journald or event log source, the position after the
	// last acknowledged entry.
	Cursors map[string]string `json:"cursors"`
	// Spools: per spool directory, where its unsent batches begin.
	Spools map[string]spoolPos `json:"spools"`
}

// fileEntry is one file identity's checkpoint.
type fileEntry struct {
	ID     uint64    `json:"id"`
	Dev    uint64    `json:"dev"`
	Ino    uint64    `json:"ino"`
	FPOff  int64     `json:"fp_off"`
	FPLen  int64     `json:"fp_len"`
	FP     uint64    `json:"fp"` // FNV-1a 64 of the FPLen bytes at FPOff
	Offset int64     `json:"offset"`
	Path   string    `json:"path"` // where it was last seen; informational
	Seen   time.Time `json:"seen"` // when it was last committed
}

// spoolPos is a position in a spool: segment number and byte offset.
type spoolPos struct {
	Seg uint64 `json:"seg"`
	Off int64  `json:"off"`
}

// update is one change to the state.
type update struct {
	kind   updateKind
	source string
	file   fileEntry // updFile: the entry (ID names it); updForget: ID
	cursor string
	spool  string
	pos    spoolPos
}

type updateKind int

const (
	updFile      updateKind = iota // set a file entry
	updForget                      // remove a file entry
	updSource                      // mark a file source as started
	updCursor                      // set a cursor
	updSpool                       // set a spool's start
	updSpoolDrop                   // remove a spool's entry
)

// state keeps the checkpoints in memory and on disk. Commit may be called
// from any goroutine; it returns once the change is durable. Changes from
// concurrent callers are written together (group commit). Close stops the
// writer goroutine; Commit after Close fails.
type state struct {
	path string

	mu   sync.Mutex // guards data
	data stateFile

	reqs   chan commitReq
	stop   chan struct{}
	done   chan struct{}
	writes int64 // files written; owned by the writer goroutine
}

type commitReq struct {
	ups   []update
	reply chan error
}

var errStateClosed = errors.New("checkpoint store closed")

// openState loads STATE_DIR/checkpoints.json (or starts empty) and starts
// the writer.
func openState(dir string) (*state, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	s := &state{
		path: filepath.Join(dir, "checkpoints.json"),
		reqs: make(chan commitReq),
		stop: make(chan struct{}),
		done: make(chan struct{}),
		data: stateFile{Version: stateVersion},
	}
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read checkpoints: %w", err)
	default:
		if err := json.Unmarshal(b, &s.data); err != nil {
			return nil, fmt.Errorf("checkpoints %s: %w", s.path, err)
		}
		if s.data.Version != stateVersion {
			return nil, fmt.Errorf("checkpoints %s: version %d, want %d", s.path, s.data.Version, stateVersion)
		}
	}
	if s.data.Files == nil {
		s.data.Files = map[string][]fileEntry{}
	}
	if s.data.Cursors == nil {
		s.data.Cursors = map[string]string{}
	}
	if s.data.Spools == nil {
		s.data.Spools = map[string]spoolPos{}
	}
	go s.run()
	return s, nil
}

// Close stops the writer after the commits under way.
func (s *state) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}

// commit applies ups and returns once they are on disk.
func (s *state) commit(ctx context.Context, ups ...update) error {
	if len(ups) == 0 {
		return nil
	}
	r := commitReq{ups: ups, reply: make(chan error, 1)}
	select {
	case s.reqs <- r:
	case <-s.stop:
		return errStateClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, a commit is always answered: wait even if ctx ends, so
	// that the caller knows whether its change is durable.
	return <-r.reply
}

func (s *state) run() {
	defer close(s.done)
	for {
		var batch []commitReq
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.stop:
			return
		}
	more:
		for {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.mu.Lock()
		for _, r := range batch {
			for _, u := range r.ups {
				s.applyLocked(u)
			}
		}
		b, err := json.MarshalIndent(&s.data, "", " ")
		s.mu.Unlock()
		if err == nil {
			err = writeFileAtomic(s.path, b)
		}
		s.writes++
		for _, r := range batch {
			r.reply <- err
		}
	}
}

func (s *state) applyLocked(u update) {
	switch u.kind {
	case updFile:
		es := s.data.Files[u.source]
		i := slices.IndexFunc(es, func(e fileEntry) bool { return e.ID == u.file.ID })
		if i >= 0 {
			es[i] = u.file
		} else {
			es = append(es, u.file)
		}
		s.data.Files[u.source] = es
	case updForget:
		es := s.data.Files[u.source]
		s.data.Files[u.source] = slices.DeleteFunc(es, func(e fileEntry) bool { return e.ID == u.file.ID })
	case updSource:
		if _, ok := s.data.Files[u.source]; !ok {
			s.data.Files[u.source] = []fileEntry{}
		}
	case updCursor:
		s.data.Cursors[u.source] = u.cursor
	case updSpool:
		s.data.Spools[u.spool] = u.pos
	case updSpoolDrop:
		delete(s.data.Spools, u.spool)
	}
}

// files returns the entries of a file source, and whether it was started
// before.
func (s *state) files(source string) ([]fileEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, ok := s.data.Files[source]
	return slices.Clone(es), ok
}

// fileOffset returns a file identity's acknowledged offset.
func (s *state) fileOffset(source string, id uint64) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.data.Files[source] {
		if e.ID == id {
			return e.Offset, true
		}
	}
	return 0, false
}

func (s *state) cursor(source string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Cursors[source]
}

func (s *state) spoolPos(dir string) spoolPos {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Spools[dir]
}

// writeFileAtomic replaces path with b: a temporary file is written and
// fsynced, renamed over path, and the directory fsynced, so that after a
// crash path holds either the old or the new content.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return syncDir(filepath.Dir(path))
}
