package ship

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Tune returns a client like c with changes for shipping volume (the
// agent, the slog handler and report all ship through it): PutLogEvents
// bodies are encoded by appendPutLogEvents (the SDK's schema-driven JSON
// serializer was 40% of the agent's CPU time) and hashed for SigV4 as they
// are encoded (putBodyMiddleware), and the transport gets a reader of its
// own of each request body (bodyCopier).
func Tune(c *cwl.Client) *cwl.Client {
	return cwl.New(c.Options(), func(o *cwl.Options) {
		if o.Protocol != nil {
			o.Protocol = fastPutProtocol{o.Protocol}
		}
		o.APIOptions = append(slices.Clip(o.APIOptions), addPutBodyMiddleware)
		next := o.HTTPClient
		if next == nil {
			next = http.DefaultClient
		}
		o.HTTPClient = bodyCopier{next}
	})
}

// fastPutProtocol is the client's protocol (awsJson1_1) with its own
// encoder for PutLogEvents requests; every other request and every
// response goes to the SDK's.
type fastPutProtocol struct {
	smithyhttp.ClientProtocol
}

func (p fastPutProtocol) SerializeRequest(ctx context.Context, schema *smithy.OperationSchema, in smithy.Serializable, req *smithyhttp.Request) error {
	put, ok := in.(*cwl.PutLogEventsInput)
	if !ok || put.Entity != nil {
		return p.ClientProtocol.SerializeRequest(ctx, schema, in, req)
	}
	req.Method = http.MethodPost
	if len(req.URL.Path) == 0 {
		req.URL.Path = "/"
	}
	req.Header.Set("X-Amz-Target", "Logs_20140328."+schema.ID().Name)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sreq, err := req.SetStream(newPutBody(put))
	if err != nil {
		return fmt.Errorf("set stream: %w", err)
	}
	*req = *sreq
	return nil
}

// putBody is the encoded body of one PutLogEvents request and its
// SHA-256. It is the request's stream (the SDK rewinds it to retry); its
// buffer is never written again, so the transport may read it after the
// SDK is done with the request.
type putBody struct {
	*bytes.Reader
	buf []byte
	sum string // hex SHA-256 of buf
}

func newPutBody(in *cwl.PutLogEventsInput) *putBody {
	buf := appendPutLogEvents(nil, in)
	sum := sha256.Sum256(buf)
	return &putBody{Reader: bytes.NewReader(buf), buf: buf, sum: hex.EncodeToString(sum[:])}
}

// putBodyKey is the context key of the *putBody that bodyCopier sends.
type putBodyKey struct{}

// putBodyMiddleware gives the SigV4 signer a PutLogEvents body's hash
// (the SDK's ComputePayloadSHA256 middleware, next in line, then leaves
// the body alone: it read all of it again, through a bytes.Reader), and
// bodyCopier the body, through the context. It sits right before ComputePayloadSHA256,
// so that the body it vouches for is the body there.
type putBodyMiddleware struct{ hash bool }

func (putBodyMiddleware) ID() string { return "LogpondPutBody" }

func (m putBodyMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		if pb, ok := req.GetStream().(*putBody); ok {
			if m.hash {
				ctx = v4.SetPayloadHash(ctx, pb.sum)
			}
			ctx = context.WithValue(ctx, putBodyKey{}, pb)
		}
	}
	return next.HandleFinalize(ctx, in)
}

func addPutBodyMiddleware(stack *middleware.Stack) error {
	if _, ok := stack.Finalize.Get(putBodyMiddleware{}.ID()); ok {
		return nil // Tune twice
	}
	hashID := (*v4.ComputePayloadSHA256)(nil).ID()
	if _, ok := stack.Finalize.Get(hashID); !ok {
		// Nothing computes a payload hash: bodyCopier still gets the body.
		return stack.Finalize.Add(putBodyMiddleware{}, middleware.After)
	}
	return stack.Finalize.Insert(putBodyMiddleware{hash: true}, hashID, middleware.Before)
}

// appendPutLogEvents appends the JSON body of a PutLogEvents request, as
// the SDK would write it (members that are nil are left out).
func appendPutLogEvents(b []byte, in *cwl.PutLogEventsInput) []byte {
	// Sized once: the messages with an eighth for escapes, plus the
	// longest message again, so that appendJSONString's room for every
	// byte escaped need not grow b at the end.
	n, longest := 128, 0
	for i := range in.LogEvents {
		if m := in.LogEvents[i].Message; m != nil {
			n += len(*m) + len(*m)/8 + 48
			longest = max(longest, len(*m))
		}
	}
	b = slices.Grow(b, n+longest)
	b = append(b, '{')
	sep := false
	field := func(name string) {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
	}
	if in.LogEvents != nil {
		field("logEvents")
		b = append(b, '[')
		// Events read together share their timestamp: its digits are
		// copied from the event before.
		var lastTS int64
		lastAt, lastLen := 0, 0
		for i := range in.LogEvents {
			e := &in.LogEvents[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if e.Message != nil {
				b = append(b, `"message":`...)
				b = appendJSONString(b, *e.Message)
				if e.Timestamp != nil {
					b = append(b, ',')
				}
			}
			if e.Timestamp != nil {
				b = append(b, `"timestamp":`...)
				if ts := *e.Timestamp; lastLen > 0 && ts == lastTS {
					b = append(b, b[lastAt:lastAt+lastLen]...)
				} else {
					lastTS, lastAt = ts, len(b)
					b = strconv.AppendInt(b, ts, 10)
					lastLen = len(b) - lastAt
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"logGroupName", in.LogGroupName}, {"logStreamName", in.LogStreamName}, {"sequenceToken", in.SequenceToken}} {
		if f.v != nil {
			field(f.name)
			b = appendJSONString(b, *f.v)
		}
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, one for each run of invalid bytes (as strings.ToValidUTF8
// makes it); for valid UTF-8 the result is what encoding/json decodes
// back to s.
//
// Most bytes of a log line stand for themselves, and in JSON lines the
// rest are quotes every few bytes: so it copies eight bytes at a time as
// one word, and special8 tells where in the word the first byte is that
// needs a look (an escape or a non-ASCII byte).
func appendJSONString(b []byte, s string) []byte {
	// Room for every byte escaped as \x. A control character (\u00XX)
	// or a lone invalid byte (U+FFFD, 3 bytes) makes more room when it
	// comes (appendJSONRare). So there is always room for an 8-byte
	// store while 8 bytes of s are left.
	b = slices.Grow(b, 2*len(s)+2)
	n := len(b)
	b = b[:cap(b)]
	b[n] = '"'
	n++
	for j := 0; j < len(s); {
		if j+8 <= len(s) {
			w := binary.LittleEndian.Uint64([]byte(s[j : j+8]))
			binary.LittleEndian.PutUint64(b[n:n+8], w)
			m := special8(w)
			if m == 0 {
				j += 8
				n += 8
				continue
			}
			k := bits.TrailingZeros64(m) >> 3
			j += k
			n += k
		}
		c := s[j]
		switch e := jsonEscape[c]; {
		case e > escRare:
			b[n], b[n+1] = '\\', e
			n += 2
			j++
		case e == 0:
			b[n] = c
			n++
			j++
		default:
			b, n, j = appendJSONRare(b, n, s, j)
		}
	}
	b[n] = '"'
	return b[:n+1]
}

// appendJSONRare writes s[j], a control character without a short escape
// or the first byte of a non-ASCII character, at b[n:] (b is at its full
// capacity, as appendJSONString keeps it), and returns b, n and j past
// what it wrote and read. A run of invalid UTF-8 becomes one U+FFFD.
func appendJSONRare(b []byte, n int, s string, j int) ([]byte, int, int) {
	grow := func(room int) {
		b = slices.Grow(b[:n], room+2*(len(s)-j)+1)
		b = b[:cap(b)]
	}
	if c := s[j]; c < utf8.RuneSelf {
		grow(6)
		n += copy(b[n:], []byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF]})
		return b, n, j + 1
	}
	r, size := utf8.DecodeRuneInString(s[j:])
	if r != utf8.RuneError || size > 1 {
		n += copy(b[n:], s[j:j+size])
		return b, n, j + size
	}
	grow(3)
	n += copy(b[n:], "\uFFFD")
	for j++; j < len(s) && s[j] >= utf8.RuneSelf; j++ {
		if r, size := utf8.DecodeRuneInString(s[j:]); r != utf8.RuneError || size > 1 {
			break
		}
	}
	return b, n, j
}

const hexDigits = "0123456789abcdef"

// jsonEscape tells how appendJSONString writes a byte: 0 as it is; the
// letter after the backslash for '"', '\\', '\n', '\r' and '\t'; escRare
// for other control characters (\u00XX) and bytes 0x80 and up (UTF-8),
// which appendJSONRare writes. DEL (0x7F) and '<', '>', '&' stay as they
// are.
var jsonEscape = func() (t [256]byte) {
	for c := range t {
		switch {
		case c >= utf8.RuneSelf || c < 0x20:
			t[c] = escRare
		case c == '"' || c == '\\':
			t[c] = byte(c)
		}
	}
	t['\n'], t['\r'], t['\t'] = 'n', 'r', 't'
	return t
}()

const escRare = 1

// special8 returns a word whose lowest set bit is the high bit of the
// first of the eight bytes of x (little-endian) that is below 0x20, a
// quote, a backslash or 0x80 and up, and 0 if there is none. A byte below
// 0x20 leaves its high bit set in x - 0x20…, and a byte equal to c is a
// zero byte of x ^ c…, which leaves it set in (x ^ c…) - 0x01… ("Bit
// Twiddling Hacks"). Bytes with the high bit set in x are special anyway,
// and a borrow only reaches bytes above a special one, so the lowest bit
// is exact (higher ones may be false).
func special8(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^('"'*lo), x^('\\'*lo)
	return ((x - 0x20*lo) | (q - lo) | (bs - lo) | x) & hi
}

// bodyCopier gives the transport a reader of its own of each request
// body. The SDK closes the request body as soon as the response headers
// arrive; if net/http has not yet made its last read of it, the
// connection is closed under the response ("deserialization failed ...
// use of closed network connection" with status 200,
// aws/aws-sdk-go-v2#2737). The batch was stored, so sending it again would
// duplicate it: better not to fail. A PutLogEvents body (putBody) is never
// written again, so the transport reads its buffer as it is; other bodies
// are copied.
type bodyCopier struct{ next cwl.HTTPClient }

func (c bodyCopier) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.Do(req)
	}
	var b []byte
	if pb, ok := req.Context().Value(putBodyKey{}).(*putBody); ok && req.ContentLength == int64(len(pb.buf)) {
		b = pb.buf
		req.Body.Close()
	} else {
		buf := bytes.NewBuffer(make([]byte, 0, max(req.ContentLength, 0)+512))
		_, err := io.Copy(buf, req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("copy request body: %w", err)
		}
		b = buf.Bytes()
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return c.next.Do(r)
}
