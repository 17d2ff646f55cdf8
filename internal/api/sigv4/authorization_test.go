package sigv4

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   authorization
	}{
		{
			"AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/logs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			authorization{algorithmHMAC, "AKID/20260102/us-east-1/logs/aws4_request", "host;x-amz-date", "abc"},
		},
		{ // commas alone, tabs, extra separators and unknown keys
			"AWS4-HMAC-SHA256,Credential=c,,\tSignedHeaders=h  Signature=s,Extra=1",
			authorization{algorithmHMAC, "c", "h", "s"},
		},
		{ // the first of repeated keys wins; values may hold '='
			"AWS4-HMAC-SHA256 Signature=a=b, Signature=c",
			authorization{algorithm: algorithmHMAC, signature: "a=b"},
		},
		{"AWS4-HMAC-SHA256", authorization{algorithm: algorithmHMAC}},
		{"AWS4-HMAC-SHA256 Credential=", authorization{algorithm: algorithmHMAC}},
	} {
		got, err := parseAuthorization(tt.header)
		if err != nil || got != tt.want {
			t.Errorf("parseAuthorization(%q) = %+v, %v; want %+v", tt.header, got, err, tt.want)
		}
	}
}

func TestParseCredential(t *testing.T) {
	got, err := parseCredential("AKID/20260102/eu-west-1/logs/aws4_request")
	want := scope{"AKID", "20260102", "eu-west-1", "logs", "aws4_request", "20260102/eu-west-1/logs/aws4_request"}
	if err != nil || got != want {
		t.Errorf("parseCredential = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"", "AKID", "a/b/c/d", "a/b/c/d/e/f", "/////"} {
		if _, err := parseCredential(bad); err == nil {
			t.Errorf("parseCredential(%q) succeeded", bad)
		}
	}
}

func TestEchoIsBounded(t *testing.T) {
	long := "AWS4-HMAC-SHA256 " + strings.Repeat("x", 10000)
	_, err := parseAuthorization(long)
	if err == nil || len(err.Message) > 2*maxEcho+200 {
		t.Errorf("error for a 10 kB header: %v", err)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/logs/aws4_request, SignedHeaders=host;x-amz-date, " +
		"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Add("Bearer abc")
	f.Add("AWS4-HMAC-SHA256 Credential= AKID/20260102/us-east-1/logs/aws4_request")
	f.Add("AWS4-HMAC-SHA256 Credential=a//b///, SignedHeaders=;;host;, Signature==")
	f.Add(",,=,\t=")
	v := newTestVerifier()
	f.Fuzz(func(t *testing.T, header string) {
		a, err := parseAuthorization(header)
		if err != nil {
			if err.Code != "IncompleteSignatureException" || err.Message == "" {
				t.Fatalf("parse error %+v", err)
			}
			return
		}
		for _, part := range []string{a.algorithm, a.credential, a.signedHeaders, a.signature} {
			if !strings.Contains(header, part) || strings.ContainsAny(part, " ,\t") {
				t.Fatalf("part %q is not a token of %q", part, header)
			}
		}
		if s, err := parseCredential(a.credential); err == nil {
			if s.accessKeyID+"/"+s.full != a.credential {
				t.Fatalf("credential %q split into %+v", a.credential, s)
			}
		}
		checkSignedHeaders(a.signedHeaders)

		// The rest of Verify must not panic on this header either.
		r, err2 := http.NewRequest(http.MethodPost, "http://example.com/", nil)
		if err2 != nil {
			t.Fatal(err2)
		}
		r.Header.Set("X-Amz-Date", "20260102T030405Z")
		r.Header["Authorization"] = []string{header}
		if id, err := v.Verify(r, []byte("{}")); err == nil {
			t.Fatalf("random header verified as %+v", id)
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T", err)
		}
	})
}

func TestCheckSignedHeaders(t *testing.T) {
	for _, tt := range []struct {
		list, wantCode string
	}{
		{"host", ""},
		{"content-type;host;x-amz-date;x-amz-target", ""},
		{"Host;X-Amz-Date", ""},
		{"x-amz-date", "InvalidSignatureException"},        // no host
		{"host;content-type", "InvalidSignatureException"}, // out of order
		{"host;host", "InvalidSignatureException"},         // repeated
		{"a;host;x;x;x;x", "InvalidSignatureException"},    // repeated
		{";host", ""}, // an empty name sorts first
		{"content-type;;host", "InvalidSignatureException"},  // but only first
		{"hostname;x-amz-date", "InvalidSignatureException"}, // not host
		{"content-length;host;", ""},                         // a trailing ";" ends the list
	} {
		err := checkSignedHeaders(tt.list)
		got := ""
		if err != nil {
			got = err.Code
		}
		if got != tt.wantCode {
			t.Errorf("checkSignedHeaders(%q) = %v, want %q", tt.list, err, tt.wantCode)
		}
	}
}
