package ui

import (
	"encoding/json"
	"net/http"
	"strings"
)

// contentSecurityPolicy allows only the app's own files: no inline script
// or style, no eval, no plugins, no framing, no form posts anywhere, and
// Trusted Types with no policy, so that assigning a string to innerHTML
// (or any other HTML sink) throws instead of parsing markup.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

// setSecurityHeaders sets the headers every /ui/ response carries.
func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// URLs carry search patterns and group names: never send them elsewhere.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// apiError is the error body of every /ui/api/ endpoint, the shape of
// CloudWatch's errors so that the app handles both alike. Position, when
// set, is the 1-based character of a filter pattern where it went wrong.
type apiError struct {
	Type     string `json:"__type"`
	Message  string `json:"message"`
	Position int    `json:"position,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"__type":"InternalError","message":"could not encode the response"}`)
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, apiError{Type: typ, Message: msg})
}

// requestOrigin is the origin a same-origin browser request carries.
func requestOrigin(r *http.Request) string {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host
}

// sameOriginRead reports whether a GET may be answered: browsers mark
// requests of other sites with Sec-Fetch-Site, and we answer only our own
// pages (or clients that send no such header, such as curl).
func sameOriginRead(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// sameOriginWrite reports whether a state-changing request comes from our
// own origin: its Origin, when present, must be ours, and the browser must
// not call it cross-site. Requests without either header come from
// non-browser clients, which still need the CSRF token.
func sameOriginWrite(r *http.Request) bool {
	if !sameOriginRead(r) {
		return false
	}
	o := r.Header.Get("Origin")
	return o == "" || strings.EqualFold(o, requestOrigin(r))
}
