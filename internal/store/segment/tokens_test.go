package segment

// appendMessageKeysRef computes a message's bloom keys plainly from
// tokenHash and allDigits: the definition the fused encoder (fused.go) must
// keep.
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
