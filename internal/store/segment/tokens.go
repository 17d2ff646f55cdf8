package segment

// Tokenization for the bloom filters (docs/format/segment.md, "Tokens and
// keys"). The writer adds the keys of every message of a block to the
// block's bloom filter; a query computes the keys that every message
// containing a term as a substring must have, and skips a block whose filter
// lacks one of them.
//
// A word byte is an ASCII letter, digit or '_', or any byte ≥ 0x80 (so
// UTF-8 text outside ASCII forms words). A token is a maximal run of word
// bytes. A message has two kinds of keys:
//
//   - token keys: tokenHash(t) for every token t of at least minTokenLen
//     bytes that is not all ASCII digits (see allDigits);
//   - gram keys: for every token of at least minGramTokenLen bytes, the
//     hashes of its gramLen-byte substrings ("grams") are computed, and for
//     every window of gramWindow consecutive grams the smallest hash (the
//     rightmost one on ties) is a key. This is winnowing: it samples about
//     2/(gramWindow+1) of the grams, and any gramWindow consecutive grams of
//     a token select the same key wherever they occur.
//
// For a term, the keys every containing message must have are:
//
//   - the token key of every run of word bytes in the term that has a
//     non-word byte of the term on both sides (a complete token: in the
//     message it is bounded by the same bytes), has at least minTokenLen
//     bytes and is not all digits;
//   - the gram keys of every run of word bytes in the term of at least
//     minGramTokenLen bytes, complete or not: the run lies inside one token
//     of the message, and every window of grams inside the run is a window
//     of that token.
const (
	minTokenLen     = 2
	gramLen         = 4
	gramWindow      = 13
	minGramTokenLen = gramLen + gramWindow - 1 // 16
)

// isWordByte reports whether c belongs to tokens.
func isWordByte(c byte) bool { return wordByte[c] }

var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c >= 0x80
	}
	return t
}()

// fmix64 is the 64-bit finalizer of MurmurHash3.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// tokenHash is FNV-1a (64 bit) of the token, finalized with fmix64.
func tokenHash(t string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= 0x100000001b3
	}
	return fmix64(h)
}

// gramHash hashes the gramLen bytes at s[0:4]: fmix64 of their
// little-endian value plus 2^32, which keeps it apart from token hashes of
// the same bytes.
func gramHash(s string) uint64 {
	v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
	return fmix64(v | 1<<32)
}

// appendGramKeys appends the winnowed gram keys of the word run t
// (len(t) >= minGramTokenLen). Consecutive windows that select the same
// gram append it once.
func appendGramKeys(dst []uint64, t string) []uint64 {
	var buf [64]uint64
	n := len(t) - gramLen + 1
	var grams []uint64
	if n <= len(buf) {
		grams = buf[:n]
	} else {
		grams = make([]uint64, n)
	}
	for i := range grams {
		grams[i] = gramHash(t[i : i+gramLen])
	}
	last := -1
	for s := 0; s+gramWindow <= n; s++ {
		at := s
		if last >= s {
			// The previous minimum is still inside the window: only the
			// new gram can replace it.
			at = last
			if grams[s+gramWindow-1] <= grams[at] {
				at = s + gramWindow - 1
			}
		} else {
			for j := s + 1; j < s+gramWindow; j++ {
				if grams[j] <= grams[at] {
					at = j
				}
			}
		}
		if at != last {
			dst = append(dst, grams[at])
			last = at
		}
	}
	return dst
}

// appendTermKeys appends the keys that every message containing term must
// have (possibly none).
func appendTermKeys(dst []uint64, term string) []uint64 {
	for i := 0; i < len(term); {
		if !wordByte[term[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(term) && wordByte[term[j]] {
			j++
		}
		r := term[i:j]
		if i > 0 && j < len(term) && len(r) >= minTokenLen && !allDigits(r) {
			dst = append(dst, tokenHash(r))
		}
		if len(r) >= minGramTokenLen {
			dst = appendGramKeys(dst, r)
		}
		i = j
	}
	return dst
}

// CheckableTerm reports whether the bloom filters can rule out blocks for
// term, that is whether term has at least one key: a run of at least 2 word
// bytes, not all digits, with a non-word byte of term on both sides
// ("NEEDLE-f00d-cafe" has "f00d"), or a run of at least 16 word bytes
// anywhere (a trace ID). Terms
// without keys ("ERROR", "connection refused") are still matched by the
// caller; they just cannot skip blocks.
func CheckableTerm(term string) bool { return len(appendTermKeys(nil, term)) > 0 }

// allDigits reports whether t is all ASCII digits. Such tokens (sizes,
// latencies, IDs) are most of the distinct tokens of typical logs and are
// rarely searched for between two separators, so they get no token key.
func allDigits(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}
