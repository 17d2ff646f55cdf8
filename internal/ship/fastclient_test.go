package ship

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/server/servertest"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "a", `"`, "\\", "\x01", "abcdefgh\x01ijklmnop\"qrs", strings.Repeat("\x01", 50),
		strings.Repeat(`x"`, 33) + "tail", "é😀\n\t\r\x7f", "</script>&\u2028", strings.Repeat("plain text ", 40)} {
		b := appendJSONString([]byte("prefix"), s)
		var back string
		if err := json.Unmarshal(b[len("prefix"):], &back); err != nil || back != s {
			t.Errorf("%q → %s: %v %q", s, b, err, back)
		}
	}
	if b := appendJSONString(nil, "bad \xff"); string(b) != "\"bad \uFFFD\"" {
		t.Errorf("invalid UTF-8: %s", b)
	}
	// A run of invalid bytes is one U+FFFD, as strings.ToValidUTF8 has it.
	if b := appendJSONString(nil, "a\xff\xfe\xc3b\xe2\x82"); string(b) != "\"a\uFFFDb\uFFFD\"" {
		t.Errorf("invalid UTF-8 runs: %q", b)
	}
}

// appendJSONStringRef is appendJSONString as it was before the word-at-a-
// time copy: the reference for the bytes it must write.
func appendJSONStringRef(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// checkJSONString compares appendJSONString with the reference, and for
// valid UTF-8 with encoding/json's reading of it.
func checkJSONString(t *testing.T, s string) {
	t.Helper()
	for _, prefix := range []string{"", "p", "prefix-0123456789"} {
		got := appendJSONString([]byte(prefix), s)
		want := appendJSONStringRef([]byte(prefix), s)
		if !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got  %q\n want %q", s, got, want)
		}
	}
	var back string
	if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil {
		t.Fatalf("%q: not JSON: %v", s, err)
	}
	if utf8.ValidString(s) && back != s {
		t.Fatalf("%q: encoding/json reads back %q", s, back)
	}
	if want := strings.ToValidUTF8(s, "\uFFFD"); back != want {
		t.Fatalf("%q: encoding/json reads back %q, want %q", s, back, want)
	}
}

// TestAppendJSONStringRandom puts every special byte at every position of
// an 8-byte word and across words, and random strings drawn mostly from
// the bytes that need a look.
func TestAppendJSONStringRandom(t *testing.T) {
	specials := []string{`"`, `\`, "\n", "\r", "\t", "\x00", "\x01", "\x1f", "\x7f", " ", "~", "é", "\u2028", "😀", "\uFFFD",
		"\xff", "\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xed\xa0\x80" /* surrogate */, "\xc0\xaf" /* overlong */}
	for _, sp := range specials {
		for pre := range 20 {
			for post := range 12 {
				checkJSONString(t, strings.Repeat("a", pre)+sp+strings.Repeat("b", post))
				checkJSONString(t, strings.Repeat("a", pre)+sp+sp+strings.Repeat(sp, post%3)+strings.Repeat("b", post))
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := append(specials, "a", "bc", "defghijk", `{"k":"v"}`)
	for range 20000 {
		var sb strings.Builder
		for range r.IntN(40) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkJSONString(t, sb.String())
	}
	for range 5000 {
		b := make([]byte, r.IntN(70))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		checkJSONString(t, string(b))
	}
}

// TestSpecial8 checks that the lowest set bit of special8 marks the first
// byte that needs a look, on words of mostly special bytes.
func TestSpecial8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	edge := []byte{0, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, 0x5b, '\\', 0x5d, 0x7f, 0x80, 0x9f, 0xa0, 0xff, 'a'}
	for range 1_000_000 {
		var w [8]byte
		for i := range w {
			w[i] = edge[r.IntN(len(edge))]
			if r.IntN(4) == 0 {
				w[i] = byte(r.Uint32())
			}
		}
		first := 8
		for i, c := range w {
			if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
				first = i
				break
			}
		}
		m := special8(binary.LittleEndian.Uint64(w[:]))
		if got := bits.TrailingZeros64(m) >> 3; got != first {
			t.Fatalf("% x: special8 points at byte %d, want %d", w, got, first)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `{"a":"b\\c"}`, "\x01\x1f\x7f", "é😀\u2028", "bad \xff\xfe utf8", "\xc3", strings.Repeat(`x"`, 20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkJSONString(t, s) })
}

// TestPutLogEventsEncoding compares the agent's PutLogEvents encoder with
// the SDK's, through a server that records both bodies.
func TestPutLogEventsEncoding(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Content-Type")+" "+string(b))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1}}`)
	}))
	defer srv.Close()
	msgs := []string{"plain", `quote " and \ backslash`, "tab\tnewline\ncr\r", "ctl \x01\x1f del \x7f", "ünïcødé ✓ 😀", "bad \xff utf8", "</script>&"}
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String("g/x"), LogStreamName: aws.String("s:1"), SequenceToken: aws.String("t")}
	for i, m := range msgs {
		// Pairs share a timestamp (the encoder copies its digits).
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(int64(1700000000000 + i/2))})
	}
	in.LogEvents = append(in.LogEvents, types.InputLogEvent{Message: aws.String("zero"), Timestamp: aws.Int64(0)},
		types.InputLogEvent{Message: aws.String("zero again"), Timestamp: aws.Int64(0)}, types.InputLogEvent{Message: aws.String("last"), Timestamp: aws.Int64(1700000000009)})
	plain := (&servertest.Instance{URL: srv.URL}).Client(servertest.KeyA, func(o *cwl.Options) { o.Retryer = aws.NopRetryer{} })
	sdk := Tune(plain)
	for _, c := range []*cwl.Client{plain, sdk} {
		out, err := c.PutLogEvents(context.Background(), in)
		if err != nil || aws.ToInt32(out.RejectedLogEventsInfo.TooOldLogEventEndIndex) != 1 {
			t.Fatalf("PutLogEvents: %v %+v", err, out)
		}
	}
	// Same target and content type; the same JSON value.
	var a, b map[string]any
	ha, ja, _ := strings.Cut(bodies[0], " {")
	hb, jb, _ := strings.Cut(bodies[1], " {")
	if ha != hb {
		t.Errorf("headers: SDK %q, agent %q", ha, hb)
	}
	if err := json.Unmarshal([]byte("{"+ja), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte("{"+jb), &b); err != nil {
		t.Fatalf("agent's body is not JSON: %v\n%s", err, jb)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("bodies differ:\n SDK   %s\n agent %s", ja, jb)
	}
	// Other operations still go through the SDK's encoder.
	if _, err := sdk.CreateLogGroup(context.Background(), &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bodies[2], `"logGroupName":"g"`) || !strings.HasPrefix(bodies[2], "Logs_20140328.CreateLogGroup") {
		t.Errorf("CreateLogGroup body %s", bodies[2])
	}
}

// TestPutBody checks a body's hash, and that the encoding is the same
// after a prefix.
func TestPutBody(t *testing.T) {
	for _, n := range []int{0, 1, 7, 100, 3000} {
		in, _ := corpusInput(uint64(n), n, 10)
		pb := newPutBody(in)
		if sum := sha256.Sum256(pb.buf); hex.EncodeToString(sum[:]) != pb.sum {
			t.Errorf("%d events: hash %s, want %x", n, pb.sum, sum)
		}
		if withPrefix := appendPutLogEvents([]byte("prefix"), in); !bytes.Equal(withPrefix[len("prefix"):], pb.buf) {
			t.Errorf("%d events: the encoding differs after a prefix", n)
		}
		var v map[string]any
		if err := json.Unmarshal(pb.buf, &v); err != nil {
			t.Fatalf("%d events: not JSON: %v", n, err)
		}
	}
}

// TestPutLogEventsSignature checks that a tuned client signs exactly the
// bytes the transport sends: the request the transport got is signed
// again, with the SHA-256 of the body it read, and must carry the same
// signature.
func TestPutLogEventsSignature(t *testing.T) {
	var got *http.Request
	var body []byte
	transport := httpClientFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	})
	c := Tune((&servertest.Instance{URL: "http://127.0.0.1:1"}).Client(servertest.KeyA, func(o *cwl.Options) {
		o.HTTPClient = transport
		o.Retryer = aws.NopRetryer{}
	}))
	in, _ := corpusInput(3, 2000, 1)
	if _, err := c.PutLogEvents(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, appendPutLogEvents(nil, in)) || int64(len(body)) != got.ContentLength {
		t.Fatalf("the transport sent %d bytes (Content-Length %d), not the encoded body", len(body), got.ContentLength)
	}
	when, err := time.Parse("20060102T150405Z", got.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := http.NewRequest(got.Method, got.URL.String(), bytes.NewReader(body))
	again.Header = got.Header.Clone()
	again.Header.Del("Authorization")
	sum := sha256.Sum256(body)
	cred := aws.Credentials{AccessKeyID: servertest.KeyA.AccessKeyID, SecretAccessKey: servertest.KeyA.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), cred, again, hex.EncodeToString(sum[:]), "logs", "us-east-1", when); err != nil {
		t.Fatal(err)
	}
	if a, b := got.Header.Get("Authorization"), again.Header.Get("Authorization"); a != b || a == "" {
		t.Errorf("signature of the sent body:\n sent %s\n want %s", a, b)
	}
}

type httpClientFunc func(*http.Request) (*http.Response, error)

func (f httpClientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestBodyCopierPutBody checks that the transport reads a PutLogEvents
// body's buffer as it is, without reading (or copying) the SDK's body,
// and copies other bodies.
func TestBodyCopierPutBody(t *testing.T) {
	pb := newPutBody(&cwl.PutLogEventsInput{LogEvents: []types.InputLogEvent{{Message: aws.String("m"), Timestamp: aws.Int64(1)}}})
	var sent [][]byte
	c := bodyCopier{httpClientFunc(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		sent = append(sent, b)
		r.Body.Close()
		if rb, _ := r.GetBody(); rb != nil {
			again, _ := io.ReadAll(rb)
			if !bytes.Equal(again, b) {
				t.Errorf("GetBody gives %q, Body gave %q", again, b)
			}
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody}, err
	})}
	ctx := context.WithValue(context.Background(), putBodyKey{}, pb)
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://x/", iotest.ErrReader(errors.New("the SDK's body was read")))
	req.ContentLength = int64(len(pb.buf))
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	// Not the SDK's body, and the same buffer: no copy.
	if !bytes.Equal(sent[0], pb.buf) {
		t.Fatalf("sent %q, want %q", sent[0], pb.buf)
	}
	// A length that does not match is not trusted: the body is copied.
	req, _ = http.NewRequestWithContext(ctx, "POST", "http://x/", strings.NewReader("other"))
	if _, err := c.Do(req); err != nil || string(sent[1]) != "other" {
		t.Fatalf("sent %q, %v", sent[1], err)
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	c := loadgen.NewCorpus(1)
	lines := make([]string, 1000)
	size := 0
	for i := range lines {
		lines[i] = c.Next(1700000000000)
		size += len(lines[i])
	}
	buf := make([]byte, 0, 4*size)
	b.SetBytes(int64(size))
	for b.Loop() {
		buf = buf[:0]
		for _, l := range lines {
			buf = appendJSONString(buf, l)
		}
	}
}

// corpusInput is a PutLogEvents request of n lines of loadgen's corpus
// (seeded with seed), whose timestamp steps every tsRun events, and the
// size of its messages.
func corpusInput(seed uint64, n, tsRun int) (*cwl.PutLogEventsInput, int) {
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}
	c := loadgen.NewCorpus(seed)
	size := 0
	for i := range n {
		m := c.Next(1700000000000)
		size += len(m)
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(1700000000000 + int64(i/tsRun))})
	}
	return in, size
}

func BenchmarkPutLogEventsEncoding(b *testing.B) {
	in, size := corpusInput(1, 5000, 5000)
	b.SetBytes(int64(size))
	for b.Loop() {
		appendPutLogEvents(nil, in)
	}
}

// BenchmarkPutBody is what a PutLogEvents body costs a tuned client:
// encoding it and hashing it for SigV4.
func BenchmarkPutBody(b *testing.B) {
	in, size := corpusInput(1, 5000, 5000)
	b.SetBytes(int64(size))
	for b.Loop() {
		newPutBody(in)
	}
}
