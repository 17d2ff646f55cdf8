// Package segment owns logpond's immutable segment files: the events of one
// log group, sorted by stream and then by (timestamp, sequence number),
// stored in compressed columnar blocks with a per-block token bloom filter
// and a footer index. The bytes on disk are specified in
// docs/format/segment.md (format version 2; version 1 is read too).
//
// # Writing
//
// [Create] starts a file at a temporary name; [Writer.Add] takes events in
// (stream, timestamp, sequence) order; [Writer.Close] writes the bloom
// filters, the index and the trailer, fsyncs the file, renames it into place
// and fsyncs the directory, so a file with its final name is always complete.
// [NewWriter] writes the same bytes to any io.Writer.
//
// # Reading
//
// [Open] reads only the trailer and the index (one read for small files, two
// for large ones). [Reader.Cursor] iterates one stream forward or backward
// over a time range; it skips blocks by their time range and, given the
// required terms of a filter pattern, by their bloom filters, and
// decompresses the remaining blocks one at a time, through an optional
// shared [Cache]. Damaged bytes are reported as *[CorruptionError]; no input
// makes the reader panic.
//
// # Merging
//
// [Merge] streams several segments into a [Writer] in order, dropping the
// events a predicate rejects and duplicates of (stream, sequence).
package segment
