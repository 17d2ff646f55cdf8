package loadgen

import "testing"

func TestCorpusDeterministicWithNeedles(t *testing.T) {
	a, b := NewCorpus(7), NewCorpus(7)
	const n = 250_000
	counts := make([]int, len(Needles))
	total := 0
	for i := 0; i < n; i++ {
		ma, mb := a.Next(int64(i)), b.Next(int64(i))
		if ma != mb {
			t.Fatalf("event %d differs between runs with one seed", i)
		}
		total += len(ma)
		for k, nd := range Needles {
			if contains(ma, nd.Term) {
				counts[k]++
			}
		}
	}
	for k := range Needles {
		if counts[k] != NeedleCount(k, n) {
			t.Errorf("needle %d: %d in corpus, NeedleCount says %d", k, counts[k], NeedleCount(k, n))
		}
	}
	if avg := total / n; avg < 180 || avg > 280 {
		t.Errorf("average event size %d bytes, want about 230", avg)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
