package store

import "context"

// Scan calls fn for every event of the group within r, in ascending Key
// order across its streams, until fn returns false or ctx ends. Streams are
// selected as in FilterLogEvents (names, prefix or all). It is the
// building block of analytical queries: the caller sees each event once
// and keeps only what it needs.
//
// fn is called without locks held; the FilteredEvent is valid only during
// the call.
func (s *Store) Scan(ctx context.Context, sc Scope, groupName string, r TimeRange, streamNames []string, prefix string, fn func(*FilteredEvent) bool) error {
	var after *Key
	for {
		res, err := s.FilterLogEvents(sc, groupName, FilterQuery{Range: r, StreamNames: streamNames, Prefix: prefix, After: after})
		if err != nil {
			return err
		}
		for i := range res.Events {
			if !fn(&res.Events[i]) {
				return nil
			}
		}
		if res.Next == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		after = res.Next
	}
}

// GetEvent returns one event of a stream by its key (Logs Insights' @ptr
// and GetLogRecord).
func (s *Store) GetEvent(sc Scope, groupName, streamName string, k Key) (Event, error) {
	res, err := s.GetLogEvents(sc, groupName, streamName, GetQuery{
		Range: TimeRange{Start: k.Timestamp, End: k.Timestamp + 1}, Limit: MaxBatchEvents,
	})
	if err != nil {
		return Event{}, err
	}
	for _, e := range res.Events {
		if e.Seq == k.Seq {
			return e, nil
		}
	}
	return Event{}, ErrEventNotFound
}
