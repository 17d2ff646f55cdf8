package query

import (
	"strings"
	"testing"
)

func TestTermSearcherAgreesWithContains(t *testing.T) {
	long := strings.Repeat("e", 1000)
	msgs := append([]string{"", "a", "ab", " 502 ", "x 502", "502 x", "aaaa", "abababab", long, long + "a", long + "b"}, benchNginx...)
	terms := []string{"", "a", "b", "ab", "ba", "aab", " 502 ", "502", " ", "HTTP/1.1\" 502", "ababab", "Safari/537.36", "é", "Chrome/118.0 Safari/537.36\"", "eeeeeeeeeea", long[:500] + "b"}
	for _, term := range terms {
		s := newTermSearcher(term)
		for _, msg := range msgs {
			if got, want := s.in(msg), strings.Contains(msg, term); got != want {
				t.Errorf("term %q (anchor %d) in %q: got %v, want %v", term, s.at, msg, got, want)
			}
		}
	}
}

func FuzzTermSearcher(f *testing.F) {
	f.Add("abcabd", "abd")
	f.Add("  x  ", " x")
	f.Fuzz(func(t *testing.T, msg, term string) {
		if got, want := newTermSearcher(term).in(msg), strings.Contains(msg, term); got != want {
			t.Fatalf("term %q in %q: got %v, want %v", term, msg, got, want)
		}
	})
}
