package ship

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Tune returns a client like c with two changes for shipping volume (the
// agent, the slog handler and report all ship through it): PutLogEvents bodies are encoded by appendPutLogEvents (the
// SDK's schema-driven JSON serializer was 40% of the agent's CPU time),
// and the transport gets its own copy of each request body (bodyCopier).
func Tune(c *cwl.Client) *cwl.Client {
	return cwl.New(c.Options(), func(o *cwl.Options) {
		if o.Protocol != nil {
			o.Protocol = fastPutProtocol{o.Protocol}
		}
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
	sreq, err := req.SetStream(bytes.NewReader(appendPutLogEvents(nil, put)))
	if err != nil {
		return fmt.Errorf("set stream: %w", err)
	}
	*req = *sreq
	return nil
}

// appendPutLogEvents appends the JSON body of a PutLogEvents request, as
// the SDK would write it (members that are nil are left out).
func appendPutLogEvents(b []byte, in *cwl.PutLogEventsInput) []byte {
	n := 128
	for i := range in.LogEvents {
		if m := in.LogEvents[i].Message; m != nil {
			n += len(*m) + len(*m)/4 + 48 // a quarter for escapes
		}
	}
	if b == nil {
		b = make([]byte, 0, n)
	}
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
				b = strconv.AppendInt(b, *e.Timestamp, 10)
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
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hex = "0123456789abcdef"
	// Room for every byte escaped as \x; control characters (\u00XX)
	// make more room when they come.
	b = slices.Grow(b, 2*len(s)+2)
	n := len(b)
	b = b[:cap(b)]
	b[n] = '"'
	n++
	for i := 0; i < len(s); {
		j := i
		for j+8 <= len(s) && !needsEscape8(binary.LittleEndian.Uint64([]byte(s[j:j+8]))) {
			j += 8
		}
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		n += copy(b[n:], s[i:j])
		if j == len(s) {
			break
		}
		c := s[j]
		switch c {
		case '"', '\\':
			b[n], b[n+1] = '\\', c
			n += 2
		case '\n':
			b[n], b[n+1] = '\\', 'n'
			n += 2
		case '\r':
			b[n], b[n+1] = '\\', 'r'
			n += 2
		case '\t':
			b[n], b[n+1] = '\\', 't'
			n += 2
		default:
			b = slices.Grow(b[:n], 6+2*(len(s)-j)+1)
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			n = len(b)
			b = b[:cap(b)]
		}
		i = j + 1
	}
	b[n] = '"'
	return b[:n+1]
}

// jsonSafe tells the bytes that a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// needsEscape8 reports whether one of the eight bytes of x is below 0x20,
// a quote or a backslash: a byte below 0x20 leaves its high bit set in
// (x - 0x20…) &^ x, and a byte equal to c is a zero byte of x ^ c…
// ("Bit Twiddling Hacks").
func needsEscape8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ ('"' * lo)
	bs := x ^ ('\\' * lo)
	return ((x-0x20*lo)&^x|(q-lo)&^q|(bs-lo)&^bs)&hi != 0
}

// bodyCopier gives the transport its own copy of each request body. The
// SDK closes the request body as soon as the response headers arrive; if
// net/http has not yet made its last read of it, the connection is closed
// under the response ("deserialization failed ... use of closed network
// connection" with status 200, aws/aws-sdk-go-v2#2737). The batch was
// stored, so sending it again would duplicate it: better not to fail.
type bodyCopier struct{ next cwl.HTTPClient }

func (c bodyCopier) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.Do(req)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(req.ContentLength, 0)+512))
	_, err := io.Copy(buf, req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("copy request body: %w", err)
	}
	b := buf.Bytes()
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return c.next.Do(r)
}
