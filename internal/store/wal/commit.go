package wal

import (
	"fmt"
	"time"
)

// maxPending bounds the bytes queued for the next batch: an Append that would
// grow a non-empty queue past it waits until the flusher takes the queue.
const maxPending = 16 << 20

// retainBuffer is the capacity up to which the flusher always keeps a batch
// buffer for reuse; larger buffers are kept only while batches fill them.
const retainBuffer = 4 << 20

// batch is one group commit: the appenders whose records were queued
// together and are released together.
type batch struct {
	done    chan struct{} // closed when the batch is durable or has failed
	err     error         // written before done is closed
	records uint64        // guarded by Log.mu until the flusher takes the batch
	bytes   int64
}

// Append writes rec to the log and returns after it has been fsynced, or
// with an error. It is safe for concurrent use: concurrent appends share one
// write and one fsync. rec is copied before Append returns and not retained;
// the caller may reuse it at once.
//
// Append returns a wrapped ErrRecordTooLarge for a record longer than
// MaxRecordSize, ErrClosed after Close, and a wrapped I/O error if this or
// an earlier batch failed to be written or synced; after such a failure
// every later Append fails too, because an fsync cannot be safely retried.
// A record whose Append failed may still appear at the next Replay.
func (l *Log) Append(rec []byte) error {
	if len(rec) > MaxRecordSize {
		return fmt.Errorf("wal append: record of %d bytes, maximum %d: %w", len(rec), MaxRecordSize, ErrRecordTooLarge)
	}
	h := recordHeader(rec) // the checksum is computed outside the lock
	need := recordHeaderSize + len(rec)

	l.mu.Lock()
	l.appended = true
	for {
		if l.closed {
			l.mu.Unlock()
			return ErrClosed
		}
		if l.err != nil {
			err := l.err
			l.mu.Unlock()
			return fmt.Errorf("wal append: %w", err)
		}
		if len(l.pending) == 0 || len(l.pending)+need <= maxPending {
			break
		}
		l.space.Wait()
	}
	l.pending = append(l.pending, h[:]...)
	l.pending = append(l.pending, rec...)
	b := l.batch
	first := b == nil
	if first {
		b = &batch{done: make(chan struct{})}
		l.batch = b
	}
	b.records++
	b.bytes += int64(len(rec))
	l.mu.Unlock()
	if first {
		l.signal()
	}

	<-b.done
	return b.err
}

// signal wakes the flusher without blocking; tokens coalesce.
func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run is the flusher goroutine. Each round it takes everything queued,
// writes it with one write and one fsync, releases the batch's appenders,
// starts a new file if the active one is full or Rotate asked for it, and
// answers Rotate calls. It exits after the round that sees the Log closed.
func (l *Log) run() {
	defer l.wg.Done()
	for {
		<-l.wake

		l.mu.Lock()
		buf, b, rotates, closed, err := l.pending, l.batch, l.rotates, l.closed, l.err
		l.pending, l.batch, l.rotates = l.spare[:0], nil, nil
		l.spare = nil
		l.space.Broadcast()
		l.mu.Unlock()

		if err == nil && b != nil {
			err = l.commit(buf, b)
		}
		if b != nil {
			if err != nil {
				b.err = fmt.Errorf("wal append: %w", err)
			}
			close(b.done)
		}
		if cap(buf) <= retainBuffer || len(buf) >= cap(buf)/4 {
			l.spare = buf
		}

		if err == nil && (l.fSize >= l.segmentSize || len(rotates) > 0 && l.fSize > fileHeaderSize) {
			err = l.rotate()
		}
		for _, c := range rotates {
			if err != nil {
				c <- rotateResult{err: fmt.Errorf("wal rotate: %w", err)}
			} else {
				c <- rotateResult{idx: l.fIdx}
			}
		}

		if closed {
			if l.f != nil {
				if cerr := l.f.Close(); cerr != nil {
					l.closeErr = fmt.Errorf("wal close: close %s: %w", fileName(l.fIdx), cerr)
				}
				l.f = nil
			}
			return
		}
	}
}

// commit writes and syncs one batch to the active file. A failure poisons
// the Log.
func (l *Log) commit(buf []byte, b *batch) error {
	if _, err := l.f.Write(buf); err != nil {
		return l.poison(fmt.Errorf("write %s: %w", fileName(l.fIdx), err))
	}
	l.fSize += int64(len(buf))
	start := time.Now()
	if err := l.f.Sync(); err != nil {
		return l.poison(fmt.Errorf("sync %s: %w", fileName(l.fIdx), err))
	}
	d := time.Since(start)

	l.mu.Lock()
	l.active.size = l.fSize
	l.appends += b.records
	l.appendB += b.bytes
	l.fsyncs++
	l.lastSync = d
	l.mu.Unlock()
	if l.onSync != nil {
		l.onSync(d, int(b.records), b.bytes)
	}
	return nil
}

// rotate closes the active file and makes a new one active. A failure
// poisons the Log.
func (l *Log) rotate() error {
	next := l.fIdx + 1
	f, err := l.createFile(next)
	if err != nil {
		return l.poison(fmt.Errorf("create %s: %w", fileName(next), err))
	}
	old, oldIdx, oldSize := l.f, l.fIdx, l.fSize
	l.f, l.fIdx, l.fSize = f, next, fileHeaderSize

	l.mu.Lock()
	l.sealed = append(l.sealed, fileInfo{idx: oldIdx, size: oldSize})
	l.active = fileInfo{idx: next, size: fileHeaderSize}
	l.mu.Unlock()
	l.logger.Debug("started new file", "file", fileName(next), "previous_bytes", oldSize)

	if err := old.Close(); err != nil {
		return l.poison(fmt.Errorf("close %s: %w", fileName(oldIdx), err))
	}
	return nil
}

// poison records err as the failure that stops the Log, wakes appenders
// waiting for buffer space so that they see it, and returns err.
func (l *Log) poison(err error) error {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.space.Broadcast()
	l.mu.Unlock()
	l.logger.Error("write-ahead log failed; appends fail until it is reopened", "err", err)
	return err
}
