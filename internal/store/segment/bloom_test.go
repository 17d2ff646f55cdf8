package segment

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/logpond/logpond/internal/loadgen"
	"github.com/logpond/logpond/internal/query"
)

func TestCheckableTerm(t *testing.T) {
	for _, tc := range []struct {
		term string
		want bool
	}{
		{"ERROR", false},                           // one run: the message may have "xERRORy"
		{"connection refused", false},              // both runs touch an end of the term
		{"NEEDLE-f00d-cafe", true},                 // "f00d" is a complete token
		{"a b c", false},                           // "b" is shorter than minTokenLen
		{"a bc d", true},                           // "bc"
		{"4bf92f3577b34da6a3ce929d0e0e4736", true}, // 32 word bytes: gram keys
		{"0123456789abcde", false},                 // 15 word bytes
		{"0123456789abcdef", true},                 // 16
		{"user@example.com", true},                 // "example"
		{" é ", false},                             // é is 2 word bytes but... see below
		{" ééé ", true},
	} {
		if tc.term == " é " {
			// "é" is two bytes ≥ 0x80: a complete token of length 2.
			tc.want = true
		}
		if got := CheckableTerm(tc.term); got != tc.want {
			t.Errorf("CheckableTerm(%q) = %v, want %v", tc.term, got, tc.want)
		}
	}
}

// TestBloomNoFalseNegatives checks, for many terms taken from the data, that
// a cursor given the term as required returns every event containing it.
func TestBloomNoFalseNegatives(t *testing.T) {
	var evs []Event
	for _, e := range genEvents(11, 3, 2000) {
		if len(e.Message) < 10000 { // keep the model's substring search fast
			evs = append(evs, e)
		}
	}
	r := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{Cache: NewLRU(256 << 20)})
	rng := rand.New(rand.NewPCG(11, 12))
	var terms [][]string
	for i := 0; i < 400; i++ {
		m := evs[rng.IntN(len(evs))].Message
		a := rng.IntN(len(m))
		b := min(len(m), a+1+rng.IntN(60))
		terms = append(terms, []string{m[a:b]})
	}
	for _, nd := range loadgen.Needles {
		terms = append(terms, []string{nd.Term}, []string{nd.Term[3:]}, []string{nd.Term, "HTTP"})
	}
	// Terms as the query package returns them.
	for i := 0; i < 100; i++ {
		m := evs[rng.IntN(len(evs))].Message
		a := rng.IntN(len(m))
		sub := m[a:min(len(m), a+1+rng.IntN(40))]
		if strings.ContainsAny(sub, "\"\\") || strings.TrimSpace(sub) == "" {
			continue
		}
		p, err := query.ParseFilterPattern(`"` + sub + `"`)
		if err != nil {
			continue
		}
		terms = append(terms, p.RequiredTerms())
	}
	checked, skipped := 0, 0
	for _, ts := range terms {
		if CheckableTerm(ts[0]) {
			checked++
		}
		for _, id := range streamsOf(evs) {
			q := Query{Stream: id, Start: -1 << 62, Terms: ts}
			var want []Event
			for _, e := range model(evs, q) {
				if containsAll(e.Message, ts) {
					want = append(want, e)
				}
			}
			all, st, err := collect(r, q)
			if err != nil {
				t.Fatal(err)
			}
			skipped += st.BlocksSkipped
			var got []Event
			for _, e := range all {
				if containsAll(e.Message, ts) {
					got = append(got, e)
				}
			}
			if d := diffEvents(got, want); d != "" {
				t.Fatalf("terms %q, stream %d: %s", ts, id, d)
			}
		}
	}
	if checked == 0 || skipped == 0 {
		t.Errorf("%d checkable terms skipped %d blocks; the test does not exercise the filters", checked, skipped)
	}
}

func containsAll(m string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(m, t) {
			return false
		}
	}
	return true
}

// TestBloomSkipsNeedles checks that a rare term reads few blocks.
func TestBloomSkipsNeedles(t *testing.T) {
	c := loadgen.NewCorpus(1)
	var evs []Event
	for i := 0; i < 250_000; i++ {
		evs = append(evs, Event{Stream: 1, Timestamp: int64(i), Seq: uint64(i + 1), Message: c.Next(int64(i))})
	}
	r := openBytes(t, writeSegment(t, evs, Options{}), ReaderOptions{})
	got, st, err := collect(r, Query{Stream: 1, Terms: []string{loadgen.Needles[0].Term}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range got {
		if strings.Contains(e.Message, loadgen.Needles[0].Term) {
			n++
		}
	}
	if want := loadgen.NeedleCount(0, len(evs)); n != want {
		t.Errorf("found %d needles, want %d", n, want)
	}
	total := len(r.blocks)
	if st.BlocksRead > 2*loadgen.NeedleCount(0, len(evs))+total/20 {
		t.Errorf("read %d of %d blocks for %d needles", st.BlocksRead, total, n)
	}
	t.Logf("%d blocks, read %d, skipped %d, bloom reads %d", total, st.BlocksRead, st.BlocksSkipped, st.BloomReads)
}

func TestKeySet(t *testing.T) {
	var s keySet
	for round := 0; round < 2; round++ {
		s.reset()
		seen := map[uint64]bool{}
		rng := rand.New(rand.NewPCG(1, uint64(round)))
		for i := 0; i < 5000; i++ {
			k := rng.Uint64N(3000)
			s.add(k)
			seen[k] = true
		}
		if s.len() != len(seen) {
			t.Fatalf("len %d, want %d", s.len(), len(seen))
		}
		n := 0
		s.each(func(k uint64) {
			if !seen[k] {
				t.Fatalf("unexpected key %d", k)
			}
			n++
		})
		if n != len(seen) {
			t.Fatalf("each visited %d keys, want %d", n, len(seen))
		}
		f := appendBloom(nil, &s)
		for k := range seen {
			if !bloomHas(f, []uint64{k}) {
				t.Fatalf("bloom lacks key %d", k)
			}
		}
	}
}
