package ui_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logpond/logpond/internal/auth"
	"github.com/logpond/logpond/internal/server/servertest"
)

func TestSignInChecksTheKeyAndSetsAStrictCookie(t *testing.T) {
	in := start(t)
	f := func(name string, body any, hdr map[string]string, status int, typ string) {
		t.Helper()
		b := newBrowser(t, in.URL)
		r := b.do("POST", "/ui/api/session", body, hdr)
		if r.status != status || (typ != "" && r.errType() != typ) {
			t.Fatalf("%s: got %d %s, want %d %s", name, r.status, r.body, status, typ)
		}
		if status != 200 && r.header.Get("Set-Cookie") != "" {
			t.Fatalf("%s: a failed sign-in set a cookie: %s", name, r.header.Get("Set-Cookie"))
		}
	}
	key := servertest.KeyA
	good := map[string]string{"accessKeyId": key.AccessKeyID, "secretAccessKey": key.SecretAccessKey, "region": "eu-west-1"}
	f("wrong secret", map[string]string{"accessKeyId": key.AccessKeyID, "secretAccessKey": "nope"}, nil, 401, "InvalidCredentials")
	f("unknown key", map[string]string{"accessKeyId": "AKIDNOBODY", "secretAccessKey": key.SecretAccessKey}, nil, 401, "InvalidCredentials")
	f("empty", map[string]string{}, nil, 401, "InvalidCredentials")
	f("bad region", map[string]string{"accessKeyId": key.AccessKeyID, "secretAccessKey": key.SecretAccessKey, "region": "EU/West"}, nil, 400, "InvalidParameterException")
	f("form post", good, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "")
	f("other origin", good, map[string]string{"Origin": "http://evil.example"}, 403, "AccessDeniedException")
	f("cross-site fetch", good, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "AccessDeniedException")

	b := newBrowser(t, in.URL)
	r := b.do("POST", "/ui/api/session", good, nil)
	if r.status != 200 {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"logpond_session=", "Path=/ui/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie %q is Secure on plain HTTP: browsers would drop it", cookie)
	}
	var s sessionInfo
	r.json(t, &s)
	if s.Account != servertest.AccountA || s.Region != "eu-west-1" || s.AccessKeyID != key.AccessKeyID || len(s.CSRFToken) < 32 {
		t.Fatalf("session = %+v", s)
	}
	if strings.Contains(string(r.body), key.SecretAccessKey) {
		t.Fatal("the response repeats the secret")
	}
	// The cookie value is not the CSRF token.
	if strings.Contains(cookie, s.CSRFToken) {
		t.Fatal("the CSRF token is the cookie")
	}
	var again sessionInfo
	b.do("GET", "/ui/api/session", nil, nil).json(t, &again)
	if again != s {
		t.Fatalf("GET session = %+v, want %+v", again, s)
	}
}

func TestStateChangingCallsNeedTheCSRFTokenAndOurOrigin(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	create := func(name string, hdr map[string]string) response {
		return b.do("POST", "/ui/api/op/CreateLogGroup", map[string]string{"logGroupName": name}, hdr)
	}
	f := func(name string, hdr map[string]string, status int) {
		t.Helper()
		if r := create(name, hdr); r.status != status {
			t.Fatalf("%s: got %d %s, want %d", name, r.status, r.body, status)
		}
	}
	f("no-token", map[string]string{"X-Logpond-CSRF": ""}, 403)
	f("wrong-token", map[string]string{"X-Logpond-CSRF": strings.Repeat("A", 43)}, 403)
	f("other-origin", map[string]string{"Origin": "http://evil.example"}, 403)
	f("same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, 403)
	f("ok", nil, 200)
	f("ok-without-origin", map[string]string{"Origin": ""}, 200) // non-browser clients
	var groups struct {
		LogGroups []struct{ LogGroupName string }
	}
	b.op("DescribeLogGroups", map[string]any{}, &groups)
	if len(groups.LogGroups) != 2 || groups.LogGroups[0].LogGroupName != "ok" {
		t.Fatalf("only the accepted calls may create groups: %+v", groups)
	}
	// Reads refuse other sites too; their answers would be data.
	if r := b.do("GET", "/ui/api/session", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != 403 {
		t.Fatalf("cross-site GET session = %d", r.status)
	}
	// Without a session nothing works.
	anon := newBrowser(t, in.URL)
	anon.csrf = b.csrf
	if r := anon.do("POST", "/ui/api/op/DescribeLogGroups", map[string]any{}, nil); r.status != 401 || r.errType() != "NotSignedIn" {
		t.Fatalf("anonymous op = %d %s", r.status, r.body)
	}
}

func TestSessionsAreBoundToTheirAccountAndRegion(t *testing.T) {
	in := start(t)
	a := newBrowser(t, in.URL)
	a.signIn(servertest.KeyA, "us-east-1")
	a.op("CreateLogGroup", map[string]string{"logGroupName": "a-only"}, nil)
	count := func(b *browser) int {
		var out struct{ LogGroups []any }
		b.op("DescribeLogGroups", map[string]any{}, &out)
		return len(out.LogGroups)
	}
	bb := newBrowser(t, in.URL)
	bb.signIn(servertest.KeyB, "us-east-1")
	other := newBrowser(t, in.URL)
	other.signIn(servertest.KeyA, "eu-west-1")
	if n := count(a); n != 1 {
		t.Fatalf("account A sees %d groups", n)
	}
	if n := count(bb); n != 0 {
		t.Fatalf("account B sees %d of A's groups", n)
	}
	if n := count(other); n != 0 {
		t.Fatalf("another region sees %d groups", n)
	}
	// The API's own validation and errors come through unchanged.
	r := a.do("POST", "/ui/api/op/CreateLogGroup", map[string]string{"logGroupName": "bad name!"}, nil)
	if r.status != 400 || r.errType() != "InvalidParameterException" || !strings.Contains(string(r.body), "failed to satisfy constraint") {
		t.Fatalf("invalid name = %d %s", r.status, r.body)
	}
	r = a.do("POST", "/ui/api/op/NoSuchOperation", map[string]string{}, nil)
	if r.status != 400 || r.errType() != "UnknownOperationException" {
		t.Fatalf("unknown op = %d %s", r.status, r.body)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	if r := b.do("DELETE", "/ui/api/session", nil, map[string]string{"X-Logpond-CSRF": ""}); r.status != 403 {
		t.Fatalf("sign out without the token = %d", r.status)
	}
	r := b.do("DELETE", "/ui/api/session", nil, nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign out = %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
	}
	if r := b.do("GET", "/ui/api/session", nil, nil); r.status != 401 {
		t.Fatalf("session after sign out = %d", r.status)
	}
}

// clock is an injected, settable time.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	c := &clock{t: time.Now()}
	in := servertest.Start(t, servertest.Options{Now: c.now})
	b := newBrowser(t, in.URL)
	b.signIn(servertest.KeyA, "us-east-1")
	c.add(11 * time.Hour)
	if r := b.do("GET", "/ui/api/session", nil, nil); r.status != 200 {
		t.Fatalf("after 11 h: %d", r.status)
	}
	c.add(12*time.Hour + time.Minute)
	if r := b.do("GET", "/ui/api/session", nil, nil); r.status != 401 {
		t.Fatalf("after 12 h idle: %d", r.status)
	}
}

func TestFailedSignInsAreThrottled(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	wrong := auth.Credential{AccessKeyID: servertest.KeyA.AccessKeyID, SecretAccessKey: "guess"}
	for i := 0; i < 10; i++ {
		if r := b.do("POST", "/ui/api/session", map[string]string{"accessKeyId": wrong.AccessKeyID, "secretAccessKey": wrong.SecretAccessKey}, nil); r.status != 401 {
			t.Fatalf("attempt %d = %d", i, r.status)
		}
	}
	r := b.do("POST", "/ui/api/session", map[string]string{"accessKeyId": servertest.KeyA.AccessKeyID, "secretAccessKey": servertest.KeyA.SecretAccessKey}, nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("after 10 failures = %d %s", r.status, r.body)
	}
}
