// Package servertest starts in-process logpond servers for tests: a real
// store in a temporary directory behind httptest on a loopback port, with
// SigV4 on, and AWS SDK for Go v2 clients pointed at it.
package servertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server"
)

// Accounts of the two identities every test server knows.
const (
	AccountA = "111111111111"
	AccountB = "222222222222"
)

// Identities of the test server, one per account.
var (
	KeyA = auth.Credential{AccessKeyID: "AKIDACCOUNTA", SecretAccessKey: "secret-a", AccountID: AccountA}
	KeyB = auth.Credential{AccessKeyID: "AKIDACCOUNTB", SecretAccessKey: "secret-b", AccountID: AccountB}
)

// Instance is a running test server.
type Instance struct {
	URL    string
	Dir    string
	Server *server.Server
	http   *httptest.Server
}

// Options tune Start.
type Options struct {
	Dir string           // reuse a data dir (restart tests); default t.TempDir()
	Now func() time.Time // injected clock
	// LiveTailMaxDuration shortens live tail sessions for timeout tests.
	LiveTailMaxDuration time.Duration
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	keys := auth.Keys{}
	for _, k := range []auth.Credential{KeyA, KeyB} {
		if err := keys.Add(k); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := server.Open(server.Options{DataDir: o.Dir, Keys: keys, Now: o.Now, LiveTailMaxDuration: o.LiveTailMaxDuration})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	in := &Instance{URL: hs.URL, Dir: o.Dir, Server: srv, http: hs}
	t.Cleanup(in.Stop)
	return in
}

// Stop stops serving and closes the store; safe to call twice.
func (in *Instance) Stop() {
	if in.http == nil {
		return
	}
	in.http.Close()
	in.Server.Close()
	in.http = nil
}

// Client returns an SDK client signing as cred in region us-east-1.
func (in *Instance) Client(cred auth.Credential, optFns ...func(*cloudwatchlogs.Options)) *cloudwatchlogs.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""),
	}
	opts := append([]func(*cloudwatchlogs.Options){func(o *cloudwatchlogs.Options) {
		o.BaseEndpoint = aws.String(in.URL)
		o.HTTPClient = &http.Client{Transport: CopyBodies(http.DefaultTransport.(*http.Transport).Clone())}
	}, DisableHostPrefix}, optFns...)
	return cloudwatchlogs.NewFromConfig(cfg, opts...)
}

// CopyBodies gives the transport its own copy of each request body.
//
// The SDK closes the request body as soon as the response headers arrive.
// If net/http's write loop has not yet made its final read of the body, that
// read fails, and the transport closes the connection under the response it
// is still reading: "deserialization failed, ... use of closed network
// connection" with status 200 (aws/aws-sdk-go-v2#2737; the SDK only made
// that error retryable). Tests that turn retries off, or read event streams,
// would fail at random; a private copy of the body is never closed under
// the transport.
func CopyBodies(next http.RoundTripper) http.RoundTripper { return bodyCopier{next} }

type bodyCopier struct{ next http.RoundTripper }

func (c bodyCopier) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("copy request body: %w", err)
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	return c.next.RoundTrip(r)
}

// DisableHostPrefix stops the SDK from prepending "stream-" to the host of
// StartLiveTail (and GetLogObject) requests, which would not resolve for a
// logpond endpoint such as 127.0.0.1. Go programs pointing the SDK at
// logpond need the same option (see the README).
func DisableHostPrefix(o *cloudwatchlogs.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("logpondDisableHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

// Ctx returns a context that ends with the test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
