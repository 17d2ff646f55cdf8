package segment

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/logpond/logpond/internal/loadgen"
)

// The per-message functions the fused encoder (fused.go) replaced, kept as
// its reference.

// byteClass folds the tables appendTemplate consults for each byte into one
// lookup: clStop for bytes that always end a literal run (markers and
// digits), clHex for the other lower-case hex digits (which start a hex run
// at a word boundary), clWord for word bytes.
const (
	clStop = 1 << iota
	clHex
	clWord
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if c <= tmLastMarker || (c >= '0' && c <= '9') {
			t[c] |= clStop
		}
		if isLowerHex[c] {
			t[c] |= clHex
		}
		if wordByte[c] {
			t[c] |= clWord
		}
	}
	return t
}()

// appendTemplate splits msg into the three sections (reference).
func appendTemplate(tmpl, nums, hex []byte, msg string, ts int64) ([]byte, []byte, []byte) {
	for i := 0; i < len(msg); {
		// Fast path: copy the run of bytes that stand for themselves (no
		// digit, no marker byte, no hex run starting at a word boundary)
		// with one append.
		j := i
		afterWord := i > 0 && wordByte[msg[i-1]]
		for j < len(msg) {
			cl := byteClass[msg[j]]
			if cl&clStop != 0 || (cl&clHex != 0 && !afterWord) {
				break
			}
			afterWord = cl&clWord != 0
			j++
		}
		if j > i {
			tmpl = append(tmpl, msg[i:j]...)
			if i = j; i == len(msg) {
				break
			}
		}
		c := msg[i]
		if isLowerHex[c] && (i == 0 || !wordByte[msg[i-1]]) {
			j := i + 1
			for j < len(msg) && isLowerHex[msg[j]] {
				j++
			}
			if n := j - i; n >= 2*minHexBytes && n <= 2*maxHexBytes && n%2 == 0 && (j == len(msg) || !wordByte[msg[j]]) {
				tmpl = append(tmpl, tmHex, byte(n/2))
				for k := i; k < j; k += 2 {
					hex = append(hex, unhex(msg[k])<<4|unhex(msg[k+1]))
				}
				i = j
				continue
			}
		}
		if c >= '0' && c <= '9' {
			j := i + 1
			for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
				j++
			}
			if j-i <= maxDigits {
				var v uint64
				for k := i; k < j; k++ {
					v = v*10 + uint64(msg[k]-'0')
				}
				if c == '0' && j-i > 1 {
					tmpl = append(tmpl, tmPadded, padBase+byte(j-i))
					nums = binary.AppendUvarint(nums, v)
				} else if ts >= 0 && v == uint64(ts) {
					tmpl = append(tmpl, tmTime)
				} else {
					tmpl = append(tmpl, tmNumber)
					nums = binary.AppendUvarint(nums, v)
				}
			} else {
				tmpl = append(tmpl, msg[i:j]...)
			}
			i = j
			continue
		}
		if c <= tmLastMarker {
			tmpl = append(tmpl, tmEscape)
		}
		tmpl = append(tmpl, c)
		i++
	}
	return append(tmpl, tmEnd), nums, hex
}

// checkFused compares appendTemplateKeys with the references on msg.
func checkFused(t *testing.T, msg string, ts int64) {
	t.Helper()
	tm, nu, hx, ks := appendTemplateKeys(nil, nil, nil, nil, nil, msg, ts)
	rtm, rnu, rhx := appendTemplate(nil, nil, nil, msg, ts)
	rks := appendMessageKeysRef(nil, msg)
	if !bytes.Equal(tm, rtm) || !bytes.Equal(nu, rnu) || !bytes.Equal(hx, rhx) || !slices.Equal(ks, rks) {
		t.Fatalf("message %q (ts %d):\ntemplate %q\nwant     %q\nnumbers %x want %x\nhex %x want %x\nkeys %x\nwant %x", msg, ts, tm, rtm, nu, rnu, hx, rhx, ks, rks)
	}
}

// TestTemplateKeysFused checks the fused encoder against the references on
// the loadgen corpus, on random strings over an alphabet rich in the
// encoder's special cases, and on edge cases.
func TestTemplateKeysFused(t *testing.T) {
	for _, m := range []string{"", "a", "0", "00", "0123", "1700000000000", "x1700000000000y",
		"deadbeefdeadbeef", "deadbeefdeadbee", "deadbeefdeadbeefz", "DEADBEEFDEADBEEF", "1234567890123456",
		"12345678901234567890123", "\x00\x01\x02\x03\x04\x05", "a\x00b", "é1é", "v1.2.3-rc4", "_9_"} {
		checkFused(t, m, 1700000000000)
	}
	c := loadgen.NewCorpus(11)
	for i := range 20000 {
		ts := int64(1700000000000 + i)
		checkFused(t, c.Next(ts), ts)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789abcdefXZ_ -./:\"{}\x00\x03\x04\x05\x80\xc3\xa9")
	for range 50000 {
		b := make([]byte, rng.IntN(60))
		for k := range b {
			b[k] = alphabet[rng.IntN(len(alphabet))]
		}
		checkFused(t, string(b), int64(rng.IntN(3))*1234)
	}
}

func FuzzTemplateKeys(f *testing.F) {
	f.Add("GET /api/v1/orders/1234 200 deadbeefcafebabe0123456789abcdef 1700000000000", int64(1700000000000))
	f.Add("\x00\x04 007 12345678901234567890", int64(-1))
	f.Fuzz(func(t *testing.T, msg string, ts int64) { checkFused(t, msg, ts) })
}

// BenchmarkTemplateKeys is the seal's per-message work (template, numbers,
// hex bytes and bloom keys) over the loadgen corpus.
func BenchmarkTemplateKeys(b *testing.B) {
	evs := benchData()[:100_000]
	var tmpl, nums, hex []byte
	var keys []uint64
	var bytes int
	for _, e := range evs {
		bytes += len(e.Message)
	}
	b.SetBytes(int64(bytes / len(evs)))
	i := 0
	for b.Loop() {
		e := &evs[i%len(evs)]
		if i%1000 == 0 {
			tmpl, nums, hex = tmpl[:0], nums[:0], hex[:0]
		}
		tmpl, nums, hex, keys = appendTemplateKeys(tmpl, nums, hex, keys[:0], nil, e.Message, e.Timestamp)
		i++
	}
}
