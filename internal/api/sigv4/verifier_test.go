package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKeyID   = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testAccount = "123456789012"
)

// testNow is the server's clock in every test.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestVerifier() *Verifier {
	return &Verifier{
		Lookup: func(id string) (Credential, bool) {
			if id != testKeyID {
				return Credential{}, false
			}
			return Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, AccountID: testAccount}, true
		},
		Service: "logs",
		Now:     func() time.Time { return testNow },
	}
}

// clientRequest describes a request as a client builds and signs it. Zero
// fields take the values of a PutLogEvents call from the Go SDK.
type clientRequest struct {
	method, url string
	body        string
	header      http.Header // set before signing
	keyID       string
	secret      string
	token       string
	region      string
	service     string
	at          time.Time // signing time
	payloadHash string    // what the client declares; the body's hash when empty
}

func (c clientRequest) withDefaults() clientRequest {
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.url == "" {
		c.url = "https://logs.us-east-1.amazonaws.com/"
	}
	if c.body == "" && c.method == http.MethodPost {
		c.body = `{"logGroupName":"app","logStreamName":"web-1","logEvents":[{"timestamp":1767323045000,"message":"hello"}]}`
	}
	if c.keyID == "" {
		c.keyID = testKeyID
	}
	if c.secret == "" {
		c.secret = testSecret
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.service == "" {
		c.service = "logs"
	}
	if c.at.IsZero() {
		c.at = testNow
	}
	return c
}

// sign builds the request and signs it with the AWS SDK for Go v2's signer.
func (c clientRequest) sign(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	c = c.withDefaults()
	body := []byte(c.body)
	r, err := http.NewRequest(c.method, c.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Logs_20140328.PutLogEvents")
	}
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0 test")
	for k, vs := range c.header {
		r.Header[k] = append(r.Header[k], vs...)
	}
	payloadHash := c.payloadHash
	if payloadHash == "" {
		payloadHash = sha256Hex(body)
	}
	creds := aws.Credentials{AccessKeyID: c.keyID, SecretAccessKey: c.secret, SessionToken: c.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, c.service, c.region, c.at); err != nil {
		t.Fatal(err)
	}
	return r, body
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// replaceAuth rewrites the Authorization header after signing.
func replaceAuth(old, new string) func(*http.Request, []byte) []byte {
	return func(r *http.Request, body []byte) []byte {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		return body
	}
}

func setHeader(name, value string) func(*http.Request, []byte) []byte {
	return func(r *http.Request, body []byte) []byte {
		r.Header.Set(name, value)
		return body
	}
}

func TestVerifyAccepts(t *testing.T) {
	tests := []struct {
		name     string
		req      clientRequest
		tamper   func(*http.Request, []byte) []byte // after signing
		verifier func(*Verifier)
	}{
		{name: "put log events", req: clientRequest{}},
		{name: "session token", req: clientRequest{token: "FQoGZXIvYXdzEXAMPLE//token+with/odd=chars"}},
		{name: "get without body", req: clientRequest{method: http.MethodGet}},
		{name: "empty post body", req: clientRequest{body: " "}, tamper: func(r *http.Request, _ []byte) []byte {
			return []byte(" ")
		}},
		{name: "query string", req: clientRequest{
			url: "https://logs.us-east-1.amazonaws.com/?b=2&a=1&a=0&c=x%20y&d=%2F&e&f=%E2%82%AC&g=a+b&h=~-._&%C3%A9=1",
		}},
		{name: "repeated query name", req: clientRequest{url: "https://h.example/?x=3&x=1&x=2&X=0"}},
		{name: "odd path characters", req: clientRequest{
			url: "https://logs.us-east-1.amazonaws.com/a%20b/%C3%BC/~x/!$'()*+,;=:@/%2F/%25",
		}},
		{name: "dot segments signed as they are", req: clientRequest{url: "https://h.example/a/./b/../c//d/"}},
		{name: "dot segments normalized by the client", req: clientRequest{url: "https://h.example/a/c/d/"},
			tamper: func(r *http.Request, body []byte) []byte {
				r.URL.Path = "/a/./b/../c//d/" // what botocore and the JS SDK sign as /a/c/d/
				return body
			}},
		{name: "host with port", req: clientRequest{url: "http://localhost:4566/"}},
		{name: "default port", req: clientRequest{url: "https://logs.example.com:443/"}},
		{name: "ipv6 host", req: clientRequest{url: "http://[::1]:8080/"}},
		{name: "region eu-central-1", req: clientRequest{region: "eu-central-1"}},
		{name: "region ap-southeast-2", req: clientRequest{region: "ap-southeast-2"}},
		{name: "region cn-north-1", req: clientRequest{region: "cn-north-1"}},
		{name: "region us-gov-west-1", req: clientRequest{region: "us-gov-west-1"}},
		{name: "multi-valued header with spaces", req: clientRequest{header: http.Header{
			"X-Custom": {"a", "  b    c  ", "\td"},
		}}},
		{name: "unsigned payload", req: clientRequest{
			header:      http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}},
			payloadHash: "UNSIGNED-PAYLOAD",
		}, tamper: func(_ *http.Request, _ []byte) []byte {
			return []byte("not the body that was signed")
		}},
		{name: "declared payload hash", req: func() clientRequest {
			c := clientRequest{}.withDefaults()
			c.header = http.Header{"X-Amz-Content-Sha256": {sha256Hex([]byte(c.body))}}
			return c
		}()},
		{name: "unsigned header changed", req: clientRequest{}, tamper: setHeader("User-Agent", "curl/8")},
		{name: "header added after signing", req: clientRequest{}, tamper: setHeader("Accept-Encoding", "gzip")},
		{name: "15 minutes old", req: clientRequest{at: testNow.Add(-15 * time.Minute)}},
		{name: "15 minutes ahead", req: clientRequest{at: testNow.Add(15 * time.Minute)}},
		{name: "wider skew", req: clientRequest{at: testNow.Add(-time.Hour)}, verifier: func(v *Verifier) {
			v.MaxSkew = 2 * time.Hour
		}},
		{name: "scope date of yesterday", req: clientRequest{at: testNow.Add(-3*time.Hour - 5*time.Minute)}, verifier: func(v *Verifier) {
			v.MaxSkew = 4 * time.Hour
		}},
		{name: "uppercase signature hex", req: clientRequest{}, tamper: func(r *http.Request, body []byte) []byte {
			auth := r.Header.Get("Authorization")
			i := strings.Index(auth, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", auth[:i]+strings.ToUpper(auth[i:]))
			return body
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req.sign(t)
			if tt.tamper != nil {
				body = tt.tamper(r, body)
			}
			v := newTestVerifier()
			if tt.verifier != nil {
				tt.verifier(v)
			}
			id, err := v.Verify(r, body)
			if err != nil {
				t.Fatalf("Verify: %v\nAuthorization: %s", err, r.Header.Get("Authorization"))
			}
			c := tt.req.withDefaults()
			want := Identity{AccessKeyID: testKeyID, AccountID: testAccount, Region: c.region, SessionToken: c.token}
			if id != want {
				t.Errorf("Verify = %+v, want %+v", id, want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	const mismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	tests := []struct {
		name        string
		req         clientRequest
		tamper      func(*http.Request, []byte) []byte
		wantCode    string
		wantMessage string // exact, unless it ends in "..." for a prefix
	}{
		// The header itself.
		{
			name:     "no authorization header",
			tamper:   func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b },
			wantCode: "MissingAuthenticationTokenException", wantMessage: "Request is missing Authentication Token",
		},
		{
			name:     "blank authorization header",
			tamper:   setHeader("Authorization", "  "),
			wantCode: "MissingAuthenticationTokenException", wantMessage: "Request is missing Authentication Token",
		},
		{
			name:     "bearer token",
			tamper:   setHeader("Authorization", "Bearer abc.def"),
			wantCode: "IncompleteSignatureException",
			wantMessage: "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'Bearer abc.def'.",
		},
		{
			name:     "single token",
			tamper:   setHeader("Authorization", "eyJhbGciOi"),
			wantCode: "IncompleteSignatureException",
			wantMessage: "Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=eyJhbGciOi",
		},
		{
			name:     "space after Credential=",
			tamper:   replaceAuth("Credential=", "Credential= "),
			wantCode: "IncompleteSignatureException",
			wantMessage: "'AKIDEXAMPLE/20260102/us-east-1/logs/aws4_request' not a valid key=value pair " +
				"(missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/...",
		},
		{
			name: "missing signature",
			tamper: func(r *http.Request, b []byte) []byte {
				auth := r.Header.Get("Authorization")
				r.Header.Set("Authorization", auth[:strings.Index(auth, ", Signature=")])
				return b
			},
			wantCode:    "IncompleteSignatureException",
			wantMessage: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=...",
		},
		{
			name:        "empty signed headers",
			tamper:      func(r *http.Request, b []byte) []byte { rewriteSignedHeaders(r, ""); return b },
			wantCode:    "IncompleteSignatureException",
			wantMessage: "Authorization header requires 'SignedHeaders' parameter. Authorization=...",
		},
		{
			name:     "no date",
			tamper:   func(r *http.Request, b []byte) []byte { r.Header.Del("X-Amz-Date"); return b },
			wantCode: "IncompleteSignatureException",
			wantMessage: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=...",
		},
		{
			name:        "unsupported algorithm",
			tamper:      replaceAuth("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
			wantCode:    "IncompleteSignatureException",
			wantMessage: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'. The only supported algorithm is 'AWS4-HMAC-SHA256'.",
		},
		{
			name:     "credential with four elements",
			tamper:   replaceAuth("/logs/aws4_request", "/logs"),
			wantCode: "IncompleteSignatureException",
			wantMessage: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
				"got 'AKIDEXAMPLE/20260102/us-east-1/logs'",
		},
		{
			name:     "credential with six elements",
			tamper:   replaceAuth("/logs/", "/logs/extra/"),
			wantCode: "IncompleteSignatureException",
			wantMessage: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
				"got 'AKIDEXAMPLE/20260102/us-east-1/logs/extra/aws4_request'",
		},
		{
			name:        "bad X-Amz-Date",
			tamper:      setHeader("X-Amz-Date", "2026-01-02T03:04:05Z"),
			wantCode:    "IncompleteSignatureException",
			wantMessage: "Date must be in ISO-8601 'basic format'. Got '2026-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},

		// The credential scope.
		{
			name:     "scope date differs from X-Amz-Date",
			tamper:   setHeader("X-Amz-Date", "20260103T030405Z"),
			wantCode: "InvalidSignatureException",
			wantMessage: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20260102' != '20260103', from '20260103T030405Z'.",
		},
		{
			name:        "wrong service",
			req:         clientRequest{service: "monitoring"},
			wantCode:    "InvalidSignatureException",
			wantMessage: "Credential should be scoped to correct service: 'logs'. ",
		},
		{
			name:        "invalid region",
			req:         clientRequest{region: "us_east_1"},
			wantCode:    "InvalidSignatureException",
			wantMessage: "Credential should be scoped to a valid region. ",
		},
		{
			name:        "wrong terminator",
			tamper:      replaceAuth("/aws4_request", "/aws4_reqest"),
			wantCode:    "InvalidSignatureException",
			wantMessage: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. ",
		},
		{
			name: "host not signed",
			tamper: func(r *http.Request, b []byte) []byte {
				rewriteSignedHeaders(r, strings.Replace(signedHeadersOf(r), "host;", "", 1))
				return b
			},
			wantCode:    "InvalidSignatureException",
			wantMessage: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},

		// The date.
		{
			name:     "expired",
			req:      clientRequest{at: testNow.Add(-16 * time.Minute)},
			wantCode: "InvalidSignatureException",
			wantMessage: "Signature expired: 20260102T024805Z is now earlier than 20260102T024905Z " +
				"(20260102T030405Z - 15 min.)",
		},
		{
			name:     "not yet current",
			req:      clientRequest{at: testNow.Add(16 * time.Minute)},
			wantCode: "InvalidSignatureException",
			wantMessage: "Signature not yet current: 20260102T032005Z is still later than 20260102T031905Z " +
				"(20260102T030405Z + 15 min.)",
		},

		// The key.
		{
			name:        "unknown access key",
			req:         clientRequest{keyID: "AKIDUNKNOWN"},
			wantCode:    "UnrecognizedClientException",
			wantMessage: "The security token included in the request is invalid.",
		},
		{
			name:     "wrong secret",
			req:      clientRequest{secret: "not-the-secret"},
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},

		// The signed content.
		{
			name:     "tampered body",
			tamper:   func(r *http.Request, b []byte) []byte { return bytes.Replace(b, []byte("hello"), []byte("hellO"), 1) },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "truncated body",
			tamper:   func(r *http.Request, b []byte) []byte { return b[:len(b)-1] },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered signed header",
			tamper:   setHeader("X-Amz-Target", "Logs_20140328.DeleteLogGroup"),
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "signed header repeated",
			tamper:   func(r *http.Request, b []byte) []byte { r.Header.Add("X-Amz-Target", "x"); return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "signed header removed",
			tamper:   func(r *http.Request, b []byte) []byte { r.Header.Del("Content-Type"); return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "session token replaced",
			req:      clientRequest{token: "token-a"},
			tamper:   setHeader("X-Amz-Security-Token", "token-b"),
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered host",
			tamper:   func(r *http.Request, b []byte) []byte { r.Host = "logs.eu-west-1.amazonaws.com"; return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered method",
			tamper:   func(r *http.Request, b []byte) []byte { r.Method = http.MethodPut; return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered path",
			req:      clientRequest{url: "https://h.example/a"},
			tamper:   func(r *http.Request, b []byte) []byte { r.URL.Path = "/b"; return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered query",
			req:      clientRequest{url: "https://h.example/?limit=1"},
			tamper:   func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "limit=2"; return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "signed headers out of order",
			tamper:   func(r *http.Request, b []byte) []byte { rewriteSignedHeaders(r, "x-amz-date;host"); return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name: "signed header repeated in the list",
			tamper: func(r *http.Request, b []byte) []byte {
				rewriteSignedHeaders(r, "host;x-amz-target;x-amz-target")
				return b
			},
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "tampered signed headers list",
			tamper:   func(r *http.Request, b []byte) []byte { rewriteSignedHeaders(r, "host;x-amz-date"); return b },
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "scope region changed",
			tamper:   replaceAuth("/us-east-1/", "/us-west-2/"),
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name:     "signature not hex",
			tamper:   replaceAuth("Signature=", "Signature=zz"),
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name: "signature truncated",
			tamper: func(r *http.Request, b []byte) []byte {
				auth := r.Header.Get("Authorization")
				r.Header.Set("Authorization", auth[:len(auth)-2])
				return b
			},
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
		{
			name: "payload hash mismatch",
			req: clientRequest{
				header:      http.Header{"X-Amz-Content-Sha256": {sha256Hex([]byte("other"))}},
				payloadHash: sha256Hex([]byte("other")),
			},
			wantCode:    "InvalidSignatureException",
			wantMessage: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		},
		{
			name: "payload hash declared after signing",
			tamper: func(r *http.Request, b []byte) []byte {
				r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
				return b
			},
			wantCode: "InvalidSignatureException", wantMessage: mismatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req.sign(t)
			if tt.tamper != nil {
				body = tt.tamper(r, body)
			}
			id, err := newTestVerifier().Verify(r, body)
			if err == nil {
				t.Fatalf("Verify = %+v, want %s", id, tt.wantCode)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error %T %v, want *Error", err, err)
			}
			if e.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q (message %q)", e.Code, tt.wantCode, e.Message)
			}
			if prefix, ok := strings.CutSuffix(tt.wantMessage, "..."); ok {
				if !strings.HasPrefix(e.Message, prefix) {
					t.Errorf("Message = %q\nwant prefix %q", e.Message, prefix)
				}
			} else if e.Message != tt.wantMessage {
				t.Errorf("Message = %q\nwant        %q", e.Message, tt.wantMessage)
			}
			if id != (Identity{}) {
				t.Errorf("Identity = %+v on error, want zero", id)
			}
		})
	}
}

func signedHeadersOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	list, _, _ := strings.Cut(rest, ",")
	return list
}

func rewriteSignedHeaders(r *http.Request, list string) {
	auth := r.Header.Get("Authorization")
	r.Header.Set("Authorization", strings.Replace(auth, "SignedHeaders="+signedHeadersOf(r), "SignedHeaders="+list, 1))
}

// TestVerifyDateHeader signs a request by hand, from a canonical request
// written out in full, with the HTTP Date header instead of X-Amz-Date (the
// SDK signer always uses X-Amz-Date).
func TestVerifyDateHeader(t *testing.T) {
	body := []byte("{}")
	canonical := "POST\n" +
		"/\n" +
		"\n" + // no query
		"date:Fri, 02 Jan 2026 03:04:05 GMT\n" +
		"host:example.com\n" +
		"x-amz-target:Logs_20140328.DescribeLogGroups\n" +
		"\n" +
		"date;host;x-amz-target\n" +
		sha256Hex(body)
	stringToSign := "AWS4-HMAC-SHA256\n" +
		"20260102T030405Z\n" +
		"20260102/eu-west-1/logs/aws4_request\n" +
		sha256Hex([]byte(canonical))
	key := []byte("AWS4" + testSecret)
	for _, part := range []string{"20260102", "eu-west-1", "logs", "aws4_request"} {
		key = testHMAC(key, part)
	}
	signature := hex.EncodeToString(testHMAC(key, stringToSign))

	r := httptest.NewRequest(http.MethodPost, "http://example.com/", bytes.NewReader(body))
	r.Header.Set("Date", "Fri, 02 Jan 2026 03:04:05 GMT")
	r.Header.Set("X-Amz-Target", "  Logs_20140328.DescribeLogGroups ")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKeyID+"/20260102/eu-west-1/logs/aws4_request, "+
		"SignedHeaders=date;host;x-amz-target, Signature="+signature)

	id, err := newTestVerifier().Verify(r, body)
	if err != nil {
		t.Fatal(err)
	}
	if id.Region != "eu-west-1" || id.AccountID != testAccount {
		t.Errorf("Verify = %+v", id)
	}

	r.Header.Set("Date", "Fri, 02 Jan 2026 03:04:06 GMT")
	if _, err := newTestVerifier().Verify(r, body); err == nil || err.(*Error).Code != "InvalidSignatureException" {
		t.Errorf("Verify with another Date = %v, want InvalidSignatureException", err)
	}
}

func testHMAC(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// TestVerifyOverHTTP sends signed requests through a real HTTP server, so
// the request Verify sees is the one net/http parsed off the wire.
func TestVerifyOverHTTP(t *testing.T) {
	v := newTestVerifier()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		id, err := v.Verify(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%s %s %s", id.AccessKeyID, id.AccountID, id.Region)
	}))
	defer srv.Close()

	for _, tt := range []struct {
		name string
		req  clientRequest
	}{
		{name: "put log events", req: clientRequest{url: srv.URL + "/"}},
		{name: "odd path and query", req: clientRequest{
			url: srv.URL + "/a%20b/%C3%BC/!*'()/x%2Fy?b=2&a=%20&c=%2B+",
		}},
		{name: "session token and region", req: clientRequest{url: srv.URL + "/", token: "tok", region: "sa-east-1"}},
		{name: "empty body", req: clientRequest{method: http.MethodGet, url: srv.URL + "/?x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := tt.req.sign(t)
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			want := fmt.Sprintf("%s %s %s", testKeyID, testAccount, tt.req.withDefaults().region)
			if resp.StatusCode != http.StatusOK || string(got) != want {
				t.Errorf("response %d %q, want 200 %q", resp.StatusCode, got, want)
			}
		})
	}
}

// TestVerifyConcurrent runs Verify from many goroutines over several
// regions and days, so that -race sees the key cache and buffer pools used
// at once.
func TestVerifyConcurrent(t *testing.T) {
	v := newTestVerifier()
	v.MaxSkew = 48 * time.Hour
	type signed struct {
		r    *http.Request
		body []byte
	}
	var reqs []signed
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		for _, at := range []time.Time{testNow, testNow.Add(-24 * time.Hour)} {
			r, body := clientRequest{region: region, at: at}.sign(t)
			reqs = append(reqs, signed{r, body})
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				s := reqs[(g+i)%len(reqs)]
				if _, err := v.Verify(s.r, s.body); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := v.keys.len(); n != len(reqs) {
		t.Errorf("key cache holds %d keys, want %d", n, len(reqs))
	}
}

func TestVerifyNeedsLookupAndService(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Verify without Lookup did not panic")
		}
	}()
	r, body := clientRequest{}.sign(t)
	(&Verifier{Service: "logs"}).Verify(r, body)
}

func BenchmarkVerify(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("body=%dKB", size>>10), func(b *testing.B) {
			r, body := clientRequest{body: strings.Repeat("x", size), token: "session-token"}.sign(b)
			v := newTestVerifier()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
