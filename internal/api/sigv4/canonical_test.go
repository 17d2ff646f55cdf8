package sigv4

import (
	"net/http"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		changed  bool
	}{
		{"/", "/", false},
		{"/a/b", "/a/b", false},
		{"/.well-known/x", "/.well-known/x", false},
		{"//", "/", true},
		{"/a//b/", "/a/b/", true},
		{"/a/./b", "/a/b", true},
		{"/a/../b", "/b", true},
		{"/../../a", "/a", true},
		{"/a/..", "/", true},
		{"/a/b/.", "/a/b", true},
		{"/a/%2E%2E/b", "/a/%2E%2E/b", false}, // escaped dots are not dot segments
	} {
		got, changed := normalizePath(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("normalizePath(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}

func TestAppendURIEscaped(t *testing.T) {
	for _, tt := range []struct {
		in        string
		keepSlash bool
		want      string
	}{
		{"/a%20b/c", true, "/a%2520b/c"},
		{"AZaz09-._~", false, "AZaz09-._~"},
		{"a/b c+d=é", false, "a%2Fb%20c%2Bd%3D%C3%A9"},
		{"!*'();:@&=+$,/?#[]", true, "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C/%3F%23%5B%5D"},
	} {
		if got := string(appendURIEscaped(nil, tt.in, tt.keepSlash)); got != tt.want {
			t.Errorf("appendURIEscaped(%q, %v) = %q, want %q", tt.in, tt.keepSlash, got, tt.want)
		}
	}
}

func TestAppendCanonicalQuery(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"flag", "flag="},
		{"q=a+b&r=a%20b&s=%2B", "q=a%20b&r=a%20b&s=%2B"},
		{"a-b=1&a%2Fb=2", "a%2Fb=2&a-b=1"}, // sorted after encoding: '%' < '-'
		{"bad=%zz&ok=1", "ok=1"},           // url.ParseQuery drops what it cannot decode
	} {
		if got := string(appendCanonicalQuery(nil, tt.raw)); got != tt.want {
			t.Errorf("appendCanonicalQuery(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestAppendCanonicalHeaders(t *testing.T) {
	r, err := http.NewRequest(http.MethodPost, "http://example.com:8080/", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = 42
	r.Header["X-Multi"] = []string{" a ", "b   c", "\t d  e \t"}
	r.Header.Set("X-Amz-Date", "20260102T030405Z")
	got := string(appendCanonicalHeaders(nil, r, "content-length;host;missing;x-amz-date;x-multi"))
	want := "content-length:42\n" +
		"host:example.com:8080\n" +
		"missing:\n" +
		"x-amz-date:20260102T030405Z\n" +
		"x-multi:a,b c,d e\n"
	if got != want {
		t.Errorf("canonical headers:\n%s\nwant:\n%s", got, want)
	}
}

func TestCanonicalKey(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"x-amz-date", "X-Amz-Date", true},
		{"CONTENT-TYPE", "Content-Type", true},
		{"x-amz-meta-1a", "X-Amz-Meta-1a", true},
		{"under_score", "", false},
		{"", "", false},
	} {
		var key [64]byte
		n, ok := canonicalKey(&key, tt.in)
		if ok != tt.ok || string(key[:n]) != tt.want {
			t.Errorf("canonicalKey(%q) = %q, %v; want %q, %v", tt.in, key[:n], ok, tt.want, tt.ok)
		}
	}
}
