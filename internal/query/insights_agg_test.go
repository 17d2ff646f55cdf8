package query

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// refSketch is the map-only quantile sketch that quantileSketch replaced;
// the two must give the same answers.
type refSketch struct {
	pos, neg map[int32]uint64
	zero, n  uint64
}

func (q *refSketch) add(x float64) {
	idx := func(x float64) int32 { return int32(math.Ceil(math.Log(x) / sketchLnGamma)) }
	collapse := func(m map[int32]uint64) {
		if len(m) > maxSketchBuckets {
			keys := slices.Sorted(maps.Keys(m))
			m[keys[1]] += m[keys[0]]
			delete(m, keys[0])
		}
	}
	q.n++
	switch {
	case x > 1e-300:
		q.pos[idx(x)]++
		collapse(q.pos)
	case x < -1e-300:
		q.neg[idx(-x)]++
		collapse(q.neg)
	default:
		q.zero++
	}
}

func (q *refSketch) quantile(p float64) float64 {
	value := func(i int32) float64 { return 2 * math.Pow(sketchGamma, float64(i)) / (sketchGamma + 1) }
	rank := uint64(nearestRank(p, int(q.n)))
	seen := uint64(0)
	negKeys := slices.Sorted(maps.Keys(q.neg))
	for i := len(negKeys) - 1; i >= 0; i-- {
		if seen += q.neg[negKeys[i]]; seen >= rank {
			return -value(negKeys[i])
		}
	}
	if seen += q.zero; seen >= rank {
		return 0
	}
	posKeys := slices.Sorted(maps.Keys(q.pos))
	for _, k := range posKeys {
		if seen += q.pos[k]; seen >= rank {
			return value(k)
		}
	}
	if len(posKeys) > 0 {
		return value(posKeys[len(posKeys)-1])
	}
	return 0
}

func TestQuantileSketchMatchesMapSketch(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	gens := map[string]func() float64{
		"latencies": func() float64 { return float64(1 + rng.IntN(1+rng.IntN(2000))) },
		"fractions": func() float64 { return rng.Float64() * 10 },
		"signed":    func() float64 { return float64(rng.IntN(201) - 100) },
		"wide":      func() float64 { return math.Exp(rng.NormFloat64() * 40) }, // past the dense span, and collapsing
		"huge":      func() float64 { return math.Ldexp(1+rng.Float64(), rng.IntN(2000)-1000) },
	}
	for name, gen := range gens {
		got, want := newQuantileSketch(), &refSketch{pos: map[int32]uint64{}, neg: map[int32]uint64{}}
		const n = 6000 // past maxSketchBuckets for the wide ones
		for i := 0; i < n; i++ {
			x := gen()
			got.add(x)
			want.add(x)
			if i%1999 == 0 || i == n-1 {
				for _, p := range []float64{0, 1, 25, 50, 90, 99, 99.9, 100} {
					if g, w := got.quantile(p), want.quantile(p); g != w {
						t.Fatalf("%s after %d values: pct %v = %v, want %v", name, i+1, p, g, w)
					}
				}
			}
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "007", "-42", "123456789012345", "-123456789012345", "1234567890123456",
		"99999999999999999999", "1.5", "-2.25e3", "1e400", "+5", "-", "", "abc", "12a", "0x10"} {
		want, _ := strconv.ParseFloat(s, 64)
		if got := parseNumber(s); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
