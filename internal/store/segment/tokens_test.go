package segment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/logpond/logpond/internal/loadgen"
)

// appendMessageKeysRef is appendMessageKeys written plainly from
// tokenHash and allDigits: the definition the one-pass version must keep.
func appendMessageKeysRef(dst []uint64, msg string) []uint64 {
	for i := 0; i < len(msg); {
		if !wordByte[msg[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(msg) && wordByte[msg[j]] {
			j++
		}
		t := msg[i:j]
		if len(t) >= minTokenLen && !allDigits(t) {
			dst = append(dst, tokenHash(t))
		}
		if len(t) >= minGramTokenLen {
			dst = appendGramKeys(dst, t)
		}
		i = j
	}
	return dst
}

// TestMessageKeysOnePass checks the one-pass appendMessageKeys against the
// reference on the loadgen corpus and on random bytes.
func TestMessageKeysOnePass(t *testing.T) {
	c := loadgen.NewCorpus(7)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ09_-. :/\x80\xc3\xa9\"{}12345678deadbeef")
	for i := range 20000 {
		var msg string
		if i%2 == 0 {
			msg = c.Next(int64(i))
		} else {
			b := make([]byte, rng.IntN(80))
			for k := range b {
				b[k] = alphabet[rng.IntN(len(alphabet))]
			}
			msg = string(b)
		}
		if got, want := appendMessageKeys(nil, msg), appendMessageKeysRef(nil, msg); !slices.Equal(got, want) {
			t.Fatalf("keys of %q: %x, want %x", msg, got, want)
		}
	}
}

func FuzzMessageKeys(f *testing.F) {
	f.Add("GET /api/v1/orders 200 deadbeefcafebabe0123456789abcdef")
	f.Add("x 12 ab_cd 1234567890123456789")
	f.Fuzz(func(t *testing.T, msg string) {
		if got, want := appendMessageKeys(nil, msg), appendMessageKeysRef(nil, msg); !slices.Equal(got, want) {
			t.Fatalf("keys of %q: %x, want %x", msg, got, want)
		}
	})
}

// BenchmarkMessageKeys compares the one-pass key extraction with the
// reference on 10,000 corpus messages.
func BenchmarkMessageKeys(b *testing.B) {
	c := loadgen.NewCorpus(3)
	msgs := make([]string, 10000)
	for i := range msgs {
		msgs[i] = c.Next(int64(i))
	}
	for _, v := range []struct {
		name string
		fn   func([]uint64, string) []uint64
	}{{"onePass", appendMessageKeys}, {"reference", appendMessageKeysRef}} {
		b.Run(v.name, func(b *testing.B) {
			var dst []uint64
			for b.Loop() {
				for _, m := range msgs {
					dst = v.fn(dst[:0], m)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
		})
	}
}
