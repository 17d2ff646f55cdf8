package agent

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fileSource tails the files that match a source's globs. Files are
// tracked as identities, not paths: an identity is the content of a file,
// known by the device and inode it lives in and by the fingerprint of its
// first bytes, with the offset up to which its events were emitted.
//
//   - Rename rotation (app.log → app.log.1, new app.log): the identity
//     keeps its open file, whatever its path, and is read to its end
//     before newer identities; the new file is a new identity.
//   - Copy-and-truncate: the truncated file's old content becomes a
//     detached identity, and the new content a new identity in the same
//     inode. A file found with the detached identity's fingerprint (the
//     copy) continues it from its offset; a copy found while the original
//     was still live follows it, and takes over when it is truncated.
//   - A file that vanished from the globs (renamed away, deleted) is read
//     to its end and closed once it has not grown for rotate_wait.
//
// Each poll reads the open identities in the order they were found
// (oldest first), each to its current end, so that a stream receives a
// rotated file's last lines before the next file's first ones.
//
// A fileSource belongs to the goroutine that calls run (or poll).
type fileSource struct {
	cfg   *SourceConfig
	name  string
	env   *sourceEnv
	stats *sourceStats
	log   *slog.Logger
	spec  fpSpec
	enc   encoding
	lopt  *lineOptions
	now   func() time.Time

	ids       []*ident
	byInode   map[inodeKey]*ident // inodes whose content an identity is (bound, or closed and remembered)
	followers map[inodeKey]*ident // inodes holding a copy of a live identity
	nextID    uint64
	nextSeq   uint64
	fresh     bool // never started before: initial_position applies to the first scan
	scanned   bool
	rescan    bool // a file was truncated: look for its copy at the next poll
	lastScan  time.Time
	buf       []byte
}

type inodeKey struct{ dev, ino uint64 }

// ident is one file identity.
type ident struct {
	id      uint64
	seq     uint64 // reading order
	fp      fingerprint
	readOff int64 // offset after the last emitted event
	gone    bool  // its content is no longer in its inode: matched by fingerprint only
	dest    sink
	org     *origin
	seen    time.Time // last matched by a scan, or last committed when restored

	// While bound to an open file:
	f      *os.File
	key    inodeKey
	path   string
	pos    int64  // next byte to read
	carry  []byte // a partial line: the bytes from the last line end to pos
	size   int64  // size at the last look
	mtime  time.Time
	fr     *framer
	asm    *assembler
	atEOF  bool
	grewAt time.Time
}

const (
	readChunk     = 256 << 10
	maxCarry      = 256 << 10 // a longer line is cut
	maxIdentities = 1000      // closed identities kept per source, at most
)

func newFileSource(cfg *SourceConfig, env *sourceEnv) (*fileSource, error) {
	spec, err := cfg.fingerprintSpec()
	if err != nil {
		return nil, err
	}
	enc, err := parseEncoding(cfg.Encoding)
	if err != nil {
		return nil, err
	}
	lopt, err := cfg.lineOptions()
	if err != nil {
		return nil, err
	}
	s := &fileSource{
		cfg: cfg, name: cfg.Name, env: env, stats: env.stats, log: env.log,
		spec: spec, enc: enc, lopt: lopt, now: time.Now,
		byInode: map[inodeKey]*ident{}, followers: map[inodeKey]*ident{},
		buf: make([]byte, maxCarry+readChunk),
	}
	entries, started := env.state.files(cfg.Name)
	s.fresh = !started
	for _, e := range entries {
		id := &ident{
			id: e.ID, readOff: e.Offset, seen: e.Seen,
			fp: fingerprint{off: e.FPOff, n: e.FPLen, sum: e.FP},
		}
		s.nextID = max(s.nextID, e.ID)
		s.byInode[inodeKey{e.Dev, e.Ino}] = id
		id.key = inodeKey{e.Dev, e.Ino}
		id.path = e.Path
		s.ids = append(s.ids, id)
	}
	return s, nil
}

// run polls until ctx ends.
func (s *fileSource) run(ctx context.Context) error {
	defer s.closeAll()
	poll := time.NewTicker(time.Duration(s.cfg.PollInterval))
	defer poll.Stop()
	for {
		if err := s.poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
}

// poll looks for rotation, scans the globs when due, and reads every open
// identity to its end. It returns ctx's error if ctx ends while it waits
// for a pipeline.
func (s *fileSource) poll(ctx context.Context) error {
	now := s.now()
	changed := false
	for _, id := range s.ids {
		if id.f == nil {
			continue
		}
		if s.check(id) {
			if err := s.detach(ctx, id); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed || s.rescan || !s.scanned || now.Sub(s.lastScan) >= time.Duration(s.cfg.ScanInterval) {
		s.rescan = false
		if err := s.scan(ctx, now); err != nil {
			return err
		}
	}
	open := make([]*ident, 0, len(s.ids))
	for _, id := range s.ids {
		if id.f != nil {
			open = append(open, id)
		}
	}
	slices.SortFunc(open, s.readOrder)
	var lag int64
	for _, id := range open {
		if err := s.read(ctx, id, false); err != nil {
			return err
		}
		if id.f != nil {
			lag += max(0, id.size-id.pos)
		}
	}
	s.stats.lagBytes.Store(lag)
	return s.housekeep(ctx, now)
}

// check looks at an open identity's file and reports whether it shrank
// below what was read or its first bytes changed: then the content was
// truncated (or rewritten) in place. It also grows a fingerprint that is
// shorter than the spec asks while the file grows.
func (s *fileSource) check(id *ident) bool {
	fi, err := id.f.Stat()
	if err != nil {
		s.stats.errors.Add(1)
		return false
	}
	size := fi.Size()
	id.mtime = fi.ModTime()
	if size < id.pos {
		return true
	}
	// Even at the same size: truncated and written again to the same
	// length between two looks. The fingerprint is at most a few KB.
	if id.fp.n > 0 {
		ok, err := id.fp.matches(id.f)
		if err != nil {
			s.stats.errors.Add(1)
			return false
		}
		if !ok {
			return true
		}
	}
	if !id.fp.full && size > id.fp.off+id.fp.n {
		s.growFingerprint(id)
	}
	if size > id.size {
		id.grewAt = s.now()
	}
	id.size = size
	return false
}

// growFingerprint extends a fingerprint shorter than the spec asks to
// what the file now holds, as long as the bytes it covered are unchanged.
func (s *fileSource) growFingerprint(id *ident) {
	head, err := readHead(id.f, s.spec.headSize())
	if err != nil {
		return
	}
	switch fp := s.spec.compute(head); {
	case fp.n > id.fp.n && (id.fp.n == 0 || id.fp.matchesHead(head)):
		id.fp = fp
		s.refreshOrigin(id)
	case fp == fingerprint{off: id.fp.off, n: id.fp.n, sum: id.fp.sum, full: true}:
		id.fp.full = true // restored from a checkpoint, which does not say
	}
}

// detach splits a truncated identity from its inode: the old content
// becomes a detached identity (found again in a copy, or forgotten), the
// inode's new content a new identity that keeps the open file. A pending
// multi-line event of the old content is emitted; a partial last line is
// not (a copy has all of it).
func (s *fileSource) detach(ctx context.Context, old *ident) error {
	s.log.Info("file truncated or rewritten; following its new content", "path", old.path, "id", old.id, "read", old.pos, "emitted", old.readOff)
	var evs []event
	old.asm.flush(func(ts int64, msg string, end int64) {
		evs = append(evs, event{ts: ts, msg: s.format(msg, ts, old), org: old.org, off: end})
		old.readOff = end
	})
	if err := s.push(ctx, old, evs); err != nil {
		return err
	}
	nu := &ident{
		id: s.newID(), seq: s.newSeq(), f: old.f, key: old.key, path: old.path,
		dest: old.dest, fr: newFramer(s.enc), asm: &assembler{o: s.lopt}, seen: old.seen,
		grewAt: s.now(), mtime: old.mtime,
	}
	s.refreshOrigin(nu)
	s.ids = append(s.ids, nu)
	s.byInode[old.key] = nu

	s.rescan = true
	old.f, old.carry, old.asm, old.fr, old.gone = nil, nil, nil, nil, true
	old.pos = old.readOff
	s.stats.files.Add(-1)
	// A copy seen while the original was live now continues it.
	for k, id := range s.followers {
		if id != old {
			continue
		}
		delete(s.followers, k)
		path := s.followerPath(k)
		if path == "" {
			continue
		}
		f, err := openShared(path)
		if err != nil {
			continue
		}
		if _, dev, ino, err := statOpen(f); err == nil && (inodeKey{dev, ino}) == k {
			s.bind(old, f, k, path)
			break
		}
		f.Close()
	}
	return nil
}

// followerPath finds the current path of a follower inode among the
// glob's matches.
func (s *fileSource) followerPath(k inodeKey) string {
	for _, p := range s.glob() {
		if _, dev, ino, err := statFile(p); err == nil && (inodeKey{dev, ino}) == k {
			return p
		}
	}
	return ""
}

func (s *fileSource) newID() uint64  { s.nextID++; return s.nextID }
func (s *fileSource) newSeq() uint64 { s.nextSeq++; return s.nextSeq }

// glob returns the paths that match the source's patterns and none of
// its exclusions, sorted.
func (s *fileSource) glob() []string {
	var out []string
	for _, pat := range s.cfg.Paths {
		ms, _ := filepath.Glob(pat)
		for _, m := range ms {
			base := filepath.Base(m)
			if slices.ContainsFunc(s.cfg.Exclude, func(x string) bool {
				ok1, _ := filepath.Match(x, base)
				ok2, _ := filepath.Match(x, m)
				return ok1 || ok2
			}) {
				continue
			}
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// candidate is a file found by a scan.
type candidate struct {
	path  string
	fi    os.FileInfo
	mtime time.Time
	key   inodeKey
}

// scan matches the files of the globs to identities, opening new ones.
func (s *fileSource) scan(ctx context.Context, now time.Time) error {
	var cands []candidate
	seen := map[inodeKey]bool{}
	for _, p := range s.glob() {
		fi, dev, ino, err := statFile(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		k := inodeKey{dev, ino}
		if seen[k] {
			continue // hard links
		}
		seen[k] = true
		cands = append(cands, candidate{path: p, fi: fi, mtime: fi.ModTime(), key: k})
	}
	// Oldest first: new identities are read in the order they were written.
	slices.SortStableFunc(cands, olderFirst)
	// First the files whose inode holds a known identity, then the others,
	// so that a copy is not taken for the original.
	var rest []candidate
	for _, c := range cands {
		id := s.byInode[c.key]
		if id == nil {
			rest = append(rest, c)
			continue
		}
		switch {
		case id.f != nil && id.key == c.key:
			id.path, id.seen = c.path, now
			continue
		case id.f != nil:
			// stale: the identity moved on to a copy
		case !id.gone:
			f, ok := openCandidate(c)
			if !ok {
				continue
			}
			// An identity that never had a byte to fingerprint read
			// nothing: the file is judged by its content like a new one.
			if ok, _ := id.fp.matches(f); ok {
				id.seen = now
				s.bind(id, f, c.key, c.path)
				continue
			}
			f.Close()
			id.gone = true // the inode was reused for other content
		}
		delete(s.byInode, c.key)
		rest = append(rest, c)
	}
	var fresh []update
	for _, c := range rest {
		if id := s.followers[c.key]; id != nil {
			if id.f != nil && !id.gone {
				continue // still a copy of a live file
			}
			delete(s.followers, c.key)
		}
		f, ok := openCandidate(c)
		if !ok {
			continue
		}
		head, err := readHead(f, fpMaxHead)
		if err != nil {
			f.Close()
			s.stats.errors.Add(1)
			continue
		}
		if len(head) == 0 {
			// Judged once it has a byte: a copy being made (copytruncate)
			// starts empty, and taken for a new file then it would be
			// read again from its start.
			f.Close()
			continue
		}
		if id := s.matchFingerprint(head); id != nil {
			if id.f != nil {
				s.followers[c.key] = id
				s.log.Debug("file is a copy of a live one", "path", c.path, "id", id.id)
				f.Close()
				continue
			}
			s.log.Info("file continues a known one (copy or move)", "path", c.path, "id", id.id, "offset", id.readOff)
			id.gone, id.seen = false, now
			s.bind(id, f, c.key, c.path)
			continue
		}
		id := &ident{id: s.newID(), fp: s.spec.compute(head), seen: now}
		if s.fresh && !s.scanned && s.cfg.InitialPosition == "end_of_file" {
			id.readOff = c.fi.Size()
		}
		s.ids = append(s.ids, id)
		s.bind(id, f, c.key, c.path)
		if id.readOff > 0 {
			if u, ok := id.org.update(&event{off: id.readOff}, now); ok {
				fresh = append(fresh, u)
			}
		}
	}
	if !s.scanned && s.fresh {
		fresh = append(fresh, update{kind: updSource, source: s.name})
	}
	s.scanned, s.lastScan = true, now
	// Identities skipped at their end (end_of_file) are recorded at once,
	// so that a restart does not take them for new files.
	return s.env.state.commit(ctx, fresh...)
}

// readOrder orders open identities for reading: the least recently
// modified file first, so that rotated files (renamed or copied) are read
// to their end before the file that is being written; on a tie (file
// times are coarse), in the order they were found, which is the order of
// their content: a scan numbers new files oldest first, and an inode's
// content after a truncation is numbered after the content before it.
func (s *fileSource) readOrder(a, b *ident) int {
	if c := a.mtime.Compare(b.mtime); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// olderFirst orders files by modification time. File times are coarse
// (a few milliseconds), so on a tie a rotated name (app.log.1, a name
// that extends another) counts as older than the name it extends.
func olderFirst(a, b candidate) int {
	if c := a.mtime.Compare(b.mtime); c != 0 {
		return c
	}
	switch {
	case len(a.path) > len(b.path) && a.path[:len(b.path)] == b.path:
		return -1
	case len(b.path) > len(a.path) && b.path[:len(a.path)] == a.path:
		return 1
	}
	// app.log.2 is older than app.log.1.
	ab, as, _ := cutLast(a.path, ".")
	bb, bs, _ := cutLast(b.path, ".")
	an, aerr := strconv.Atoi(as)
	bn, berr := strconv.Atoi(bs)
	if ab == bb && aerr == nil && berr == nil {
		return cmp.Compare(bn, an)
	}
	return 0
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// openCandidate opens a file a scan found, unless its path no longer
// leads to the inode the scan saw there (it was rotated in between: the
// next scan sees it where it is now).
func openCandidate(c candidate) (*os.File, bool) {
	f, err := openShared(c.path)
	if err != nil {
		return nil, false
	}
	if _, dev, ino, err := statOpen(f); err != nil || (inodeKey{dev, ino}) != c.key {
		f.Close()
		return nil, false
	}
	return f, true
}

// matchFingerprint finds the identity whose fingerprint a file beginning
// with head has: a detached one first (the file is its copy), else a
// live one.
func (s *fileSource) matchFingerprint(head []byte) *ident {
	var live *ident
	for _, id := range s.ids {
		if !id.fp.matchesHead(head) {
			continue
		}
		if id.f == nil {
			return id
		}
		if live == nil {
			live = id
		}
	}
	return live
}

// bind opens an identity on a file, to be read from its offset.
func (s *fileSource) bind(id *ident, f *os.File, k inodeKey, path string) {
	if id.key != k && s.byInode[id.key] == id {
		delete(s.byInode, id.key) // it left its old inode (a copy continues it)
	}
	id.f, id.key, id.path = f, k, path
	id.pos, id.carry, id.atEOF = id.readOff, nil, false
	id.fr, id.asm = newFramer(s.enc), &assembler{o: s.lopt}
	id.grewAt, id.size = s.now(), -1
	if id.seq == 0 {
		id.seq = s.newSeq()
	}
	id.gone = false
	if fi, err := f.Stat(); err == nil {
		id.size, id.mtime = fi.Size(), fi.ModTime()
	}
	if id.pos > 0 {
		// Learn the byte order from the BOM of a UTF-16 file.
		if head, err := readHead(f, 4); err == nil {
			id.fr.bom(head)
		}
	}
	s.byInode[k] = id
	s.log.Debug("file open", "path", path, "id", id.id, "seq", id.seq, "offset", id.readOff, "size", id.size, "fp_len", id.fp.n)
	if id.dest == nil {
		id.dest = s.env.destFor(s.cfg, map[string]string{"{filename}": filepath.Base(path)})
	}
	s.refreshOrigin(id)
	s.stats.files.Add(1)
}

// refreshOrigin makes a new origin for an identity whose checkpoint
// fields changed; events already emitted keep the old one.
func (s *fileSource) refreshOrigin(id *ident) {
	id.org = &origin{source: s.name, kind: originFile, file: fileEntry{
		ID: id.id, Dev: id.key.dev, Ino: id.key.ino,
		FPOff: id.fp.off, FPLen: id.fp.n, FP: id.fp.sum, Path: id.path,
	}}
}

// read reads an identity from pos to the end of its file and hands the
// events to its pipeline, one chunk per read.
//
// A file whose fingerprint has not begun (fingerprint_lines 2 on a file of
// one line) is not read yet, since it could not be recognised after a
// restart or in a copy; unless force is set, when it is being closed.
func (s *fileSource) read(ctx context.Context, id *ident, force bool) error {
	if id.fp.n == 0 && !force {
		s.growFingerprint(id)
		if id.fp.n == 0 {
			id.atEOF = true
			return nil
		}
	}
	for {
		buf := s.buf
		nc := copy(buf, id.carry)
		n, err := id.f.ReadAt(buf[nc:nc+readChunk], id.pos)
		if err != nil && !errors.Is(err, io.EOF) {
			s.stats.errors.Add(1)
			s.log.Warn("read failed", "path", id.path, "err", err)
			return nil
		}
		if n == 0 {
			id.atEOF = true
			return nil
		}
		if id.fp.n > 0 && id.fp.full {
			// Truncated (and written again past pos) since check looked?
			// Then these bytes are not the continuation of what was read.
			if ok, err := id.fp.matches(id.f); err == nil && !ok {
				return s.detach(ctx, id)
			}
		}
		id.atEOF = false
		id.grewAt = s.now()
		s.stats.bytes.Add(int64(n))
		data := buf[:nc+n]
		base := id.pos - int64(nc)
		id.pos += int64(n)
		if id.size < id.pos {
			id.size = id.pos
		}
		start := 0
		if base == 0 {
			start = id.fr.bom(data)
		}
		if !id.fp.full {
			// Before events leave with this identity's origin: a copy
			// of the file must be recognisable by it.
			s.growFingerprint(id)
		}
		evs := s.lines(id, data, base, start, id.grewAt)
		if err := s.push(ctx, id, evs); err != nil {
			return err
		}
		if n < readChunk {
			return nil
		}
	}
}

// lines cuts data (file bytes from offset base) into lines from start,
// keeps the partial last line as the identity's carry, and returns the
// events completed. readAt is when data was read: the time of lines
// without a timestamp of their own.
func (s *fileSource) lines(id *ident, data []byte, base int64, start int, readAt time.Time) []event {
	id.asm.readAt = readAt
	defer func() { id.asm.readAt = time.Time{} }()
	evs := make([]event, 0, bytes.Count(data[start:], []byte{'\n'})+1)
	emit := func(ts int64, msg string, end int64) {
		evs = append(evs, event{ts: ts, msg: s.format(msg, ts, id), org: id.org, off: end})
		id.readOff = end
	}
	// For UTF-8, one string holds every complete line of the chunk and
	// each message is a slice of it.
	var whole string
	if s.enc == encUTF8 {
		if last := lastLineEnd(data[start:]); last > 0 {
			whole = string(data[start : start+last])
		}
	}
	i, nlines := start, 0
	for {
		end, consumed, ok := id.fr.next(data[i:])
		if !ok {
			break
		}
		var line string
		if whole != "" {
			line = whole[i-start : i-start+end]
		} else {
			line = id.fr.decode(data[i : i+end])
		}
		i += consumed
		nlines++
		id.asm.line(line, base+int64(i), emit)
	}
	s.stats.lines.Add(int64(nlines))
	rest := data[i:]
	if len(rest) >= maxCarry {
		// A line longer than the buffer: emit what there is as an event.
		id.asm.flush(emit)
		line := id.fr.decode(rest)
		emit(id.asm.timestamp(line), line, base+int64(len(data)))
		rest = nil
	}
	id.carry = append(id.carry[:0], rest...)
	return evs
}

// lastLineEnd returns the length of data up to its last '\n', inclusive.
func lastLineEnd(data []byte) int {
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

// format turns a message into the source's format.
func (s *fileSource) format(msg string, ts int64, id *ident) string {
	if s.cfg.Format != "cloudlog" {
		return msg
	}
	return cloudlogFromLine(msg, ts, s.env.hostname(), filepath.Base(id.path)).json()
}

func (s *fileSource) push(ctx context.Context, id *ident, evs []event) error {
	if len(evs) == 0 {
		return nil
	}
	return id.dest.push(ctx, chunk{evs: evs, at: s.now(), src: s.stats})
}

// housekeep emits multi-line events that waited long enough, closes
// files that left the globs and stopped growing, and forgets old closed
// identities.
func (s *fileSource) housekeep(ctx context.Context, now time.Time) error {
	flushAfter := time.Duration(s.cfg.FlushInterval)
	rotateWait := time.Duration(s.cfg.RotateWait)
	for _, id := range s.ids {
		if id.f == nil {
			continue
		}
		if at, ok := id.asm.pending(); ok && now.Sub(at) >= flushAfter && len(id.carry) == 0 {
			var evs []event
			id.asm.flush(func(ts int64, msg string, end int64) {
				evs = append(evs, event{ts: ts, msg: s.format(msg, ts, id), org: id.org, off: end})
				id.readOff = end
			})
			if err := s.push(ctx, id, evs); err != nil {
				return err
			}
		}
		if id.seen.Before(s.lastScan) && id.atEOF && now.Sub(id.grewAt) >= rotateWait {
			if err := s.close(ctx, id); err != nil {
				return err
			}
		}
	}
	return s.forget(ctx, now)
}

// close emits what an identity still holds (a pending multi-line event,
// a last line without a newline) and closes its file.
func (s *fileSource) close(ctx context.Context, id *ident) error {
	if id.fp.n == 0 {
		if err := s.read(ctx, id, true); err != nil {
			return err
		}
	}
	var evs []event
	emit := func(ts int64, msg string, end int64) {
		evs = append(evs, event{ts: ts, msg: s.format(msg, ts, id), org: id.org, off: end})
		id.readOff = end
	}
	id.asm.flush(emit)
	if len(id.carry) > 0 {
		line := id.fr.decode(id.carry)
		emit(id.asm.timestamp(line), line, id.pos)
		id.carry = nil
	}
	if err := s.push(ctx, id, evs); err != nil {
		return err
	}
	id.f.Close()
	id.f, id.fr, id.asm = nil, nil, nil
	s.stats.files.Add(-1)
	return nil
}

// closeAll closes every open file (the agent stops or reloads); what was
// read but not emitted is read again next time.
func (s *fileSource) closeAll() {
	for _, id := range s.ids {
		if id.f != nil {
			id.f.Close()
			id.f = nil
			s.stats.files.Add(-1)
		}
	}
}

// forget drops closed identities not seen for forget_after, and the
// oldest beyond maxIdentities, once everything they emitted is
// acknowledged.
func (s *fileSource) forget(ctx context.Context, now time.Time) error {
	var closed []*ident
	for _, id := range s.ids {
		if id.f == nil {
			closed = append(closed, id)
		}
	}
	slices.SortFunc(closed, func(a, b *ident) int { return a.seen.Compare(b.seen) })
	excess := len(closed) - maxIdentities
	var ups []update
	drop := map[*ident]bool{}
	for i, id := range closed {
		if now.Sub(id.seen) < time.Duration(s.cfg.ForgetAfter) && i >= excess {
			continue
		}
		if off, ok := s.env.state.fileOffset(s.name, id.id); ok && off != id.readOff || !ok && id.readOff > 0 {
			continue // events still in flight
		}
		drop[id] = true
		ups = append(ups, update{kind: updForget, source: s.name, file: fileEntry{ID: id.id}})
	}
	if len(drop) == 0 {
		return nil
	}
	s.ids = slices.DeleteFunc(s.ids, func(id *ident) bool { return drop[id] })
	for k, id := range s.byInode {
		if drop[id] {
			delete(s.byInode, k)
		}
	}
	for k, id := range s.followers {
		if drop[id] {
			delete(s.followers, k)
		}
	}
	return s.env.state.commit(ctx, ups...)
}
