// Package servertest starts in-process logpond servers for tests: a real
// store in a temporary directory behind httptest on a loopback port, with
// SigV4 on, and AWS SDK for Go v2 clients pointed at it.
package servertest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

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
	srv, err := server.Open(server.Options{DataDir: o.Dir, Keys: keys, Now: o.Now})
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
	}}, optFns...)
	return cloudwatchlogs.NewFromConfig(cfg, opts...)
}

// Ctx returns a context that ends with the test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
