// Package wal owns logpond's write-ahead log: append-only files of framed,
// checksummed records, group commit with fsync before acknowledgement,
// replay at start-up with repair of torn tails, and deletion of whole files
// once their contents are durable elsewhere.
//
// The bytes on disk are specified in docs/format/wal.md (format version 1).
//
// # Life cycle
//
// A store opens the log with [Open], calls [Log.Replay] once to rebuild its
// in-memory state, and then calls [Log.Append] from any number of goroutines.
// Every Append returns only after its record has been written and fsynced.
// Concurrent appends are batched by a single flusher goroutine owned by the
// Log: the flusher writes everything queued with one write call and one
// fsync, then releases all the waiting appenders at once. While that fsync
// runs, new appends queue up for the next batch.
//
// To checkpoint, the store calls [Log.Rotate], makes the data of every record
// in files before the returned index durable elsewhere, and then calls
// [Log.TruncateBefore] with that index.
//
// # Failures
//
// A failed write or fsync poisons the Log: the appenders of the failed batch
// and every later Append and Rotate get an error, and the
// flusher never retries. Reopen the directory to continue; records that were
// written but not acknowledged may then be replayed (at-least-once), records
// whose Append returned nil always are.
package wal
