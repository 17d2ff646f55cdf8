package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strings"
	"sync"
)

// signingKey is the key SigV4 derives from a secret for one day, region and
// service. It keeps a pool of HMAC states keyed with it, so signing a request
// allocates nothing once the pool is warm.
type signingKey struct {
	macs sync.Pool // of hash.Hash: HMAC-SHA256 keyed with key
	key  [sha256.Size]byte
}

func newSigningKey(secret, date, region, service string) *signingKey {
	k := &signingKey{}
	mac := hmacSHA256([]byte("AWS4"+secret), date)
	mac = hmacSHA256(mac, region)
	mac = hmacSHA256(mac, service)
	mac = hmacSHA256(mac, terminator)
	copy(k.key[:], mac)
	return k
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// appendMAC appends HMAC-SHA256(key, msg) to dst. It is safe for
// concurrent use.
func (k *signingKey) appendMAC(dst, msg []byte) []byte {
	h, _ := k.macs.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, k.key[:])
	}
	h.Write(msg)
	dst = h.Sum(dst)
	h.Reset()
	k.macs.Put(h)
	return dst
}

// maxCachedKeys bounds the key cache. A key lives a day, so a server needs
// about one per secret, region and day in use; when the cache is full it is
// emptied and refills from the requests that follow.
const maxCachedKeys = 256

// keyCache holds derived signing keys, so the four HMACs of the derivation
// run once per secret, day, region and service instead of on every request.
// The zero value is ready; it is safe for concurrent use.
type keyCache struct {
	mu   sync.RWMutex // guards keys
	keys map[keyID]*signingKey
}

type keyID struct{ secret, date, region, service string }

func (c *keyCache) get(secret, date, region, service string) *signingKey {
	id := keyID{secret, date, region, service}
	c.mu.RLock()
	k := c.keys[id]
	c.mu.RUnlock()
	if k != nil {
		return k
	}

	k = newSigningKey(secret, date, region, service)
	// date, region and service are slices of a request header; copy them so
	// the cache does not keep the request's memory alive.
	id = keyID{secret, strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing := c.keys[id]; existing != nil {
		return existing
	}
	if c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys = make(map[keyID]*signingKey)
	}
	c.keys[id] = k
	return k
}

func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.keys)
}
