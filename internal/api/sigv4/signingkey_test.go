package sigv4

import (
	"fmt"
	"testing"
)

func TestKeyCacheReusesKeys(t *testing.T) {
	var c keyCache
	a := c.get("secret", "20260102", "us-east-1", "logs")
	if b := c.get("secret", "20260102", "us-east-1", "logs"); a != b {
		t.Error("same scope gave two keys")
	}
	if b := c.get("other", "20260102", "us-east-1", "logs"); a == b || a.key == b.key {
		t.Error("another secret gave the same key")
	}
	if b := c.get("secret", "20260103", "us-east-1", "logs"); a.key == b.key {
		t.Error("another day gave the same key")
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	var c keyCache
	for i := range maxCachedKeys + 10 {
		c.get("secret", "20260102", fmt.Sprintf("region-%d", i), "logs")
		if n := c.len(); n > maxCachedKeys {
			t.Fatalf("cache holds %d keys, more than %d", n, maxCachedKeys)
		}
	}
}

func TestSigningKeyMAC(t *testing.T) {
	k := newSigningKey("secret", "20260102", "us-east-1", "logs")
	first := k.appendMAC(nil, []byte("message"))
	again := k.appendMAC([]byte("prefix"), []byte("message")) // from the pool, after Reset
	if string(again[len("prefix"):]) != string(first) {
		t.Errorf("MAC changed on reuse: %x, then %x", first, again)
	}
	if want := testHMAC(k.key[:], "message"); string(first) != string(want) {
		t.Errorf("MAC = %x, want %x", first, want)
	}
}
