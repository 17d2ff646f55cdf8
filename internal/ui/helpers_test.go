package ui_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server/servertest"
)

// browser is a same-origin client of the UI: it keeps the session cookie
// and sends the CSRF token and Origin as the app does.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
	csrf   string
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errType returns the __type of an error body.
func (r response) errType() string {
	var e struct {
		Type string `json:"__type"`
	}
	json.Unmarshal(r.body, &e)
	return e.Type
}

// do sends a request; body, when not nil, is encoded as JSON. Headers in
// hdr override the defaults (Origin, the CSRF token, Content-Type).
func (b *browser) do(method, path string, body any, hdr map[string]string) response {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			raw, _ = json.Marshal(body)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", b.base)
		req.Header.Set("Content-Type", "application/json")
		if b.csrf != "" {
			req.Header.Set("X-Logpond-CSRF", b.csrf)
		}
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

type sessionInfo struct {
	AccessKeyID string `json:"accessKeyId"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	CSRFToken   string `json:"csrfToken"`
}

// signIn signs in and keeps the CSRF token.
func (b *browser) signIn(cred auth.Credential, region string) sessionInfo {
	b.t.Helper()
	r := b.do("POST", "/ui/api/session", map[string]string{"accessKeyId": cred.AccessKeyID, "secretAccessKey": cred.SecretAccessKey, "region": region}, nil)
	if r.status != 200 {
		b.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	var s sessionInfo
	r.json(b.t, &s)
	b.csrf = s.CSRFToken
	return s
}

// op runs a CloudWatch operation through the UI and fails on an error.
func (b *browser) op(name string, in any, out any) {
	b.t.Helper()
	r := b.do("POST", "/ui/api/op/"+name, in, nil)
	if r.status != 200 {
		b.t.Fatalf("%s: %d %s", name, r.status, r.body)
	}
	if out != nil {
		r.json(b.t, out)
	}
}

// seed creates group/stream and puts messages one millisecond apart from
// start, returning their timestamps.
func (b *browser) seed(group, stream string, start int64, msgs ...string) []int64 {
	b.t.Helper()
	b.do("POST", "/ui/api/op/CreateLogGroup", map[string]string{"logGroupName": group}, nil)
	b.op("CreateLogStream", map[string]string{"logGroupName": group, "logStreamName": stream}, nil)
	evs := make([]map[string]any, len(msgs))
	ts := make([]int64, len(msgs))
	for i, m := range msgs {
		ts[i] = start + int64(i)
		evs[i] = map[string]any{"timestamp": ts[i], "message": m}
	}
	b.op("PutLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "logEvents": evs}, nil)
	return ts
}

func start(t *testing.T) *servertest.Instance {
	return servertest.Start(t, servertest.Options{})
}
