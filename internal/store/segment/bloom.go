package segment

// Bloom filters (docs/format/segment.md, "Bloom filters"). A filter is one
// byte k (the number of probes, 1..16) followed by the bit array; its m bits
// are the 8*(len-1) bits of the array, bit j being 1<<(j%8) of byte j/8. A
// key h (64 bits) sets or tests the bits
//
//	p_i = (uint32(h) + i*(uint32(h>>32)|1)) mod 2^32 * m >> 32,  i = 0..k-1
//
// (double hashing, mapped to [0, m) by a multiply and shift).

const (
	bloomBitsPerKey = 12
	bloomK          = 8
	maxBloomBytes   = 64 << 20 // a reader rejects larger filters
)

// keySet is an open-addressing set of non-zero uint64 keys, reused for each
// block; the writer deduplicates a block's keys with it before sizing the
// filter.
type keySet struct {
	slots []uint64
	n     int
	zero  bool // whether key 0 was added
}

func (s *keySet) reset() {
	if s.n > 0 || s.zero {
		clear(s.slots)
	}
	s.n, s.zero = 0, false
}

func (s *keySet) len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

func (s *keySet) add(k uint64) {
	if k == 0 {
		s.zero = true
		return
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return
		case 0:
			s.slots[i] = k
			s.n++
			return
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	s.n = 0
	for _, k := range old {
		if k != 0 {
			s.add(k)
		}
	}
}

func (s *keySet) each(f func(uint64)) {
	if s.zero {
		f(0)
	}
	for _, k := range s.slots {
		if k != 0 {
			f(k)
		}
	}
}

// appendBloom appends a filter holding the keys of s.
func appendBloom(dst []byte, s *keySet) []byte {
	m := (s.len()*bloomBitsPerKey + 63) &^ 63
	m = max(m, 64)
	start := len(dst)
	dst = append(dst, bloomK)
	dst = append(dst, make([]byte, m/8)...)
	arr := dst[start+1:]
	s.each(func(h uint64) {
		a, b := uint32(h), uint32(h>>32)|1
		for i := uint32(0); i < bloomK; i++ {
			p := bloomPos(a+i*b, uint64(m))
			arr[p/8] |= 1 << (p % 8)
		}
	})
	return dst
}

// bloomPos maps x to [0, m); m < 2^32 (maxBloomBytes).
func bloomPos(x uint32, m uint64) uint64 { return uint64(x) * m >> 32 }

// bloomHas reports whether the filter f (validated: k in 1..16) may hold
// every key of keys.
func bloomHas(f []byte, keys []uint64) bool {
	k := uint32(f[0])
	arr := f[1:]
	m := uint64(len(arr)) * 8
	if m == 0 {
		return len(keys) == 0
	}
	for _, h := range keys {
		a, b := uint32(h), uint32(h>>32)|1
		for i := uint32(0); i < k; i++ {
			p := bloomPos(a+i*b, m)
			if arr[p/8]&(1<<(p%8)) == 0 {
				return false
			}
		}
	}
	return true
}
