package segment

import (
	"container/list"
	"sync"
)

// CacheKey names one block of one open Reader. Segment is a number that the
// package gives each Reader when it is opened, so a file opened twice has
// two sets of keys and an entry never outlives the meaning of its key.
type CacheKey struct {
	Segment uint64
	Block   int
	// need is the key of the search (needSet.key) whose candidates a
	// parked block holds (Cursor.Park); empty for whole blocks.
	need string
}

// Cache holds decoded blocks for Readers. Implementations must be safe for
// concurrent use. A Block is immutable: the cache and any number of cursors
// may hold it at once.
type Cache interface {
	// Get returns the block stored under key, if any.
	Get(key CacheKey) (*Block, bool)
	// Add stores b under key; the cache may drop it at any time.
	Add(key CacheKey, b *Block)
}

// LRU is a Cache bounded by the Size of the blocks it holds, evicting the
// least recently used. The store owns one for all its segments.
type LRU struct {
	capacity int64

	mu sync.Mutex // guards everything below
	ll *list.List // of *lruEntry, most recently used first
	m  map[CacheKey]*list.Element
	st CacheStats
}

type lruEntry struct {
	key CacheKey
	b   *Block
}

// CacheStats are an LRU's counters, for /metrics.
type CacheStats struct {
	Hits, Misses, Evictions int64
	Bytes                   int64 // sum of the Size of the blocks held
	Blocks                  int
}

// NewLRU returns an LRU that holds at most capacity bytes of blocks. A block
// larger than the capacity is not kept.
func NewLRU(capacity int64) *LRU {
	return &LRU{capacity: capacity, ll: list.New(), m: make(map[CacheKey]*list.Element)}
}

// Get implements Cache.
func (c *LRU) Get(key CacheKey) (*Block, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.ll.MoveToFront(el)
		c.st.Hits++
		return el.Value.(*lruEntry).b, true
	}
	c.st.Misses++
	return nil, false
}

// Add implements Cache.
func (c *LRU) Add(key CacheKey, b *Block) {
	size := int64(b.Size())
	if size > c.capacity {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.ll.MoveToFront(el)
		return
	}
	c.m[key] = c.ll.PushFront(&lruEntry{key: key, b: b})
	c.st.Bytes += size
	c.st.Blocks++
	for c.st.Bytes > c.capacity {
		c.remove(c.ll.Back())
		c.st.Evictions++
	}
}

// take returns the block stored under key and removes it.
func (c *LRU) take(key CacheKey) (*Block, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		c.st.Misses++
		return nil, false
	}
	c.st.Hits++
	b := el.Value.(*lruEntry).b
	c.remove(el)
	return b, true
}

func (c *LRU) remove(el *list.Element) {
	e := el.Value.(*lruEntry)
	c.ll.Remove(el)
	delete(c.m, e.key)
	c.st.Bytes -= int64(e.b.Size())
	c.st.Blocks--
}

// Stats returns the cache's counters.
func (c *LRU) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}
