package api

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/logpond/logpond/internal/store"
)

// Event tokens have the shape CloudWatch's have ("f/" or "b/" and digits):
// the direction and a store.Key, the timestamp offset by 2^63 so that the
// digits of every int64 are non-negative, then the sequence number.
const eventTokenDigits = 40

func encodeEventToken(backward bool, k store.Key) string {
	dir := "f/"
	if backward {
		dir = "b/"
	}
	return fmt.Sprintf("%s%020d%020d", dir, uint64(k.Timestamp)^(1<<63), k.Seq)
}

func decodeEventToken(tok string) (backward bool, k store.Key, err error) {
	if len(tok) != 2+eventTokenDigits || (tok[:2] != "f/" && tok[:2] != "b/") {
		return false, k, errInvalidToken
	}
	ts, err1 := strconv.ParseUint(tok[2:22], 10, 64)
	seq, err2 := strconv.ParseUint(tok[22:], 10, 64)
	if err1 != nil || err2 != nil {
		return false, k, errInvalidToken
	}
	return tok[0] == 'b', store.Key{Timestamp: int64(ts ^ (1 << 63)), Seq: seq}, nil
}

// eventID renders the 56-digit eventId of FilterLogEvents: timestamp
// (offset like tokens), sequence number and stream ID.
func eventID(e *store.FilteredEvent) string {
	return fmt.Sprintf("%020d%020d%016d", uint64(e.Timestamp)^(1<<63), e.Seq, e.StreamID%1e16)
}

// Listing tokens (DescribeLogGroups, DescribeLogStreams) are opaque
// base64 of a version and the position.
func encodeListToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1\x00" + strings.Join(parts, "\x00")))
}

func decodeListToken(tok string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, errInvalidToken
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n+1 || parts[0] != "1" {
		return nil, errInvalidToken
	}
	return parts[1:], nil
}
