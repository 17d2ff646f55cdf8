package segment

import "testing"

// BenchmarkAppendDict measures the dictionary form of one block of the
// corpus (256 KiB of messages): splitting, folding and packing, per event.
func BenchmarkAppendDict(b *testing.B) {
	evs := benchData()
	var be blockEncoder
	be.reset(evs[0].Stream)
	for i := range evs {
		if evs[i].Stream != evs[0].Stream {
			continue
		}
		be.add(&evs[i])
		if be.msgBytes >= 256<<10 {
			break
		}
	}
	var dst []byte
	b.ResetTimer()
	for b.Loop() {
		dst, _ = be.dict.appendDict(dst[:0], be.tmpl, be.ends, be.quotes, be.nums)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*be.count()), "ns/event")
}
