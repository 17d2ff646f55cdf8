package ui_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	for _, path := range []string{"/ui/", "/ui/groups", "/ui/api/config", "/ui/api/session", "/ui/api/nothing", "/ui/assets/missing.js"} {
		r := b.do("GET", path, nil, nil)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "require-trusted-types-for 'script'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-") {
			t.Errorf("%s: CSP allows %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
}

func TestTheAppIsServedWithItsRoutes(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	f := func(path string, status int, ctype string) response {
		t.Helper()
		r := b.do("GET", path, nil, nil)
		if r.status != status || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) {
			t.Fatalf("GET %s = %d %s", path, r.status, r.header.Get("Content-Type"))
		}
		return r
	}
	index := f("/ui/", 200, "text/html")
	// The app's own routes serve the app, so that shared links open it.
	if r := f("/ui/groups/x", 200, "text/html"); string(r.body) != string(index.body) {
		t.Fatal("an app route is not index.html")
	}
	f("/ui/assets/nothing-here.js", 404, "text/plain")
	if index.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("index.html Cache-Control = %q", index.header.Get("Cache-Control"))
	}
	// Every script and stylesheet index.html names is served, cacheable
	// for ever, and compressed for browsers that accept it.
	refs := regexp.MustCompile(`(?:src|href)="(/ui/assets/[^"]+)"`).FindAllStringSubmatch(string(index.body), -1)
	if len(refs) == 0 && !strings.Contains(string(index.body), "not built") {
		t.Fatal("index.html names no assets")
	}
	for _, m := range refs {
		req, _ := http.NewRequest("GET", in.URL+m[1], nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s = %d, Cache-Control %q", m[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		body := resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if body, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.ReadAll(body); err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		resp.Body.Close()
	}
	// Posting to the app is refused.
	if r := b.do("POST", "/ui/", []byte("x"), nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /ui/ = %d", r.status)
	}
}

// TestTheBuiltAppHasNoInlineCode checks what the CSP relies on: the app's
// HTML has no inline script, style or event handler attribute.
func TestTheBuiltAppHasNoInlineCode(t *testing.T) {
	b, err := os.ReadFile("dist/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	for _, bad := range []string{"<style", " style=", "onload=", "onerror=", "onclick=", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
}

func TestBrowsersOpeningTheServerLandOnTheUI(t *testing.T) {
	in := start(t)
	b := newBrowser(t, in.URL)
	r := b.do("GET", "/", nil, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
	if r.status != http.StatusFound || r.header.Get("Location") != "/ui/" {
		t.Fatalf("browser GET / = %d %q", r.status, r.header.Get("Location"))
	}
	// API clients keep the API's answer.
	if r := b.do("GET", "/", nil, nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET / = %d", r.status)
	}
}
