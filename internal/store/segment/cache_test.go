package segment

import (
	"sync"
	"testing"
)

func TestLRU(t *testing.T) {
	blk := func(n int) *Block { return &Block{msgs: string(make([]byte, n))} }
	one := blk(1000).Size()
	c := NewLRU(int64(3 * one))
	for i := 0; i < 3; i++ {
		c.Add(CacheKey{Segment: 1, Block: i}, blk(1000))
	}
	if _, ok := c.Get(CacheKey{Segment: 1, Block: 0}); !ok { // 0 becomes most recent
		t.Fatal("block 0 missing")
	}
	c.Add(CacheKey{Segment: 1, Block: 3}, blk(1000)) // evicts 1
	if _, ok := c.Get(CacheKey{Segment: 1, Block: 1}); ok {
		t.Error("block 1 not evicted")
	}
	for _, i := range []int{0, 2, 3} {
		if _, ok := c.Get(CacheKey{Segment: 1, Block: i}); !ok {
			t.Errorf("block %d evicted", i)
		}
	}
	c.Add(CacheKey{Segment: 2, Block: 0}, blk(10*one)) // too large to keep
	st := c.Stats()
	if st.Blocks != 3 || st.Bytes != int64(3*one) || st.Evictions != 1 || st.Hits != 4 || st.Misses != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestLRUConcurrent(t *testing.T) {
	evs := genEvents(51, 2, 500)
	cache := NewLRU(1 << 20)
	r := openBytes(t, writeSegment(t, evs, Options{BlockSize: 4 << 10}), ReaderOptions{Cache: cache})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range streamsOf(evs) {
				q := Query{Stream: id, Start: -1 << 62, Backward: g%2 == 1}
				got, _, err := collect(r, q)
				if err != nil {
					t.Error(err)
					return
				}
				if d := diffEvents(got, model(evs, q)); d != "" {
					t.Error(d)
					return
				}
			}
		}()
	}
	wg.Wait()
	if st := cache.Stats(); st.Hits == 0 || st.Bytes > 1<<20 {
		t.Errorf("cache stats %+v", st)
	}
}
