package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// WAL record payloads (framing and checksums are the wal package's). The
// bytes are specified in docs/format/wal-records.md.
const recordEvents = 1

// appendEventsRecord encodes a batch of events of one stream.
func appendEventsRecord(dst []byte, streamID uint64, ingestion int64, evs []Event) []byte {
	dst = append(dst, recordEvents)
	dst = binary.AppendUvarint(dst, streamID)
	dst = binary.AppendVarint(dst, ingestion)
	var first uint64
	if len(evs) > 0 {
		first = evs[0].Seq
	}
	dst = binary.AppendUvarint(dst, first)
	dst = binary.AppendUvarint(dst, uint64(len(evs)))
	var prev int64
	for i := range evs {
		dst = binary.AppendVarint(dst, evs[i].Timestamp-prev)
		prev = evs[i].Timestamp
		dst = binary.AppendUvarint(dst, uint64(len(evs[i].Message)))
		dst = append(dst, evs[i].Message...)
	}
	return dst
}

// eventsRecord is a decoded events record.
type eventsRecord struct {
	streamID  uint64
	ingestion int64
	events    []Event
}

var errShortRecord = errors.New("truncated record")

// decodeEventsRecord decodes a record; messages are copied out of b.
func decodeEventsRecord(b []byte) (eventsRecord, error) {
	var r eventsRecord
	if len(b) == 0 || b[0] != recordEvents {
		return r, fmt.Errorf("unknown record kind")
	}
	b = b[1:]
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errShortRecord
		}
		b = b[n:]
		return v, nil
	}
	sv := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, errShortRecord
		}
		b = b[n:]
		return v, nil
	}
	var err error
	if r.streamID, err = uv(); err != nil {
		return r, err
	}
	if r.ingestion, err = sv(); err != nil {
		return r, err
	}
	first, err := uv()
	if err != nil {
		return r, err
	}
	n, err := uv()
	if err != nil {
		return r, err
	}
	if n > uint64(len(b)) { // every event takes at least two bytes
		return r, errShortRecord
	}
	r.events = make([]Event, 0, n)
	var ts int64
	for i := uint64(0); i < n; i++ {
		d, err := sv()
		if err != nil {
			return r, err
		}
		ts += d
		l, err := uv()
		if err != nil {
			return r, err
		}
		if l > uint64(len(b)) {
			return r, errShortRecord
		}
		r.events = append(r.events, Event{Timestamp: ts, Ingestion: r.ingestion, Seq: first + i, Message: string(b[:l])})
		b = b[l:]
	}
	if len(b) != 0 {
		return r, fmt.Errorf("%d trailing bytes", len(b))
	}
	return r, nil
}
