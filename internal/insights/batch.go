package insights

import (
	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

// queryBatch gives the engine a store's batch (query.Run.AddBatch), in qb:
// the same columns, not copied.
func queryBatch(b *store.ScanBatch, qb *query.Batch) *query.Batch {
	qb.TS, qb.Seq, qb.Stream, qb.Bytes, qb.Strs = b.TS, b.Seq, b.Stream, b.Bytes, b.Strs
	qb.Fields = qb.Fields[:0]
	for _, c := range b.Fields {
		qb.Fields = append(qb.Fields, query.Column(c))
	}
	return qb
}
