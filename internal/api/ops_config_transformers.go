package api

// Log transformers: PutTransformer, GetTransformer, DeleteTransformer are
// stored as configuration of the log group (logpond does not transform
// events at ingestion yet); TestTransformer runs the processors
// (ops_config_processors.go) on the sample events.

import (
	"errors"
	"net/http"

	"github.com/logpond/logpond/internal/store"
)

type transformerRecord struct {
	LogGroupIdentifier string      `json:"logGroupIdentifier"`
	CreationTime       int64       `json:"creationTime"`
	LastModifiedTime   int64       `json:"lastModifiedTime"`
	TransformerConfig  []processor `json:"transformerConfig"`
}

type putTransformerInput struct {
	LogGroupIdentifier string      `json:"logGroupIdentifier"`
	TransformerConfig  []processor `json:"transformerConfig"`
}

func (s *Server) putTransformer(c *call) (any, error) {
	var in putTransformerInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := checkTransformer(in.TransformerConfig); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := standardGroup(c, tx, in.LogGroupIdentifier, "transformers")
		if err != nil {
			return err
		}
		now := s.now()
		rec := transformerRecord{LogGroupIdentifier: in.LogGroupIdentifier, CreationTime: now, LastModifiedTime: now, TransformerConfig: in.TransformerConfig}
		var old transformerRecord
		found, err := tx.Get(kindTransformer, name, "", &old)
		if err != nil {
			return err
		}
		if found {
			rec.CreationTime = old.CreationTime
		}
		return tx.Put(kindTransformer, name, "", rec)
	})
}

func (s *Server) getTransformer(c *call) (any, error) {
	var in logGroupIdentifierInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var rec transformerRecord
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := groupForConfig(tx, c.scope, in.LogGroupIdentifier)
		if err != nil {
			return err
		}
		found, err := tx.Get(kindTransformer, name, "", &rec)
		if err == nil && !found {
			err = notFound("The specified log group has no transformer.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	rec.LogGroupIdentifier = in.LogGroupIdentifier
	return rec, nil
}

func (s *Server) deleteTransformer(c *call) (any, error) {
	var in logGroupIdentifierInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteGroupRecord(c, kindTransformer, in.LogGroupIdentifier, "The specified log group has no transformer.")
}

type testTransformerInput struct {
	TransformerConfig []processor `json:"transformerConfig"`
	LogEventMessages  []string    `json:"logEventMessages"`
}

type transformedLogRecord struct {
	EventNumber             int64  `json:"eventNumber"`
	EventMessage            string `json:"eventMessage"`
	TransformedEventMessage string `json:"transformedEventMessage"`
}

func (s *Server) testTransformer(c *call) (any, error) {
	var in testTransformerInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := checkTransformer(in.TransformerConfig); err != nil {
		return nil, err
	}
	out := struct {
		TransformedLogs []transformedLogRecord `json:"transformedLogs"`
	}{[]transformedLogRecord{}}
	for i, msg := range in.LogEventMessages {
		t, err := transform(in.TransformerConfig, msg)
		var ni errProcessorNotImplemented
		if errors.As(err, &ni) {
			return nil, errorf(http.StatusBadRequest, "InvalidOperationException", "%v.", err)
		}
		if err != nil {
			return nil, err
		}
		out.TransformedLogs = append(out.TransformedLogs, transformedLogRecord{int64(i + 1), msg, t})
	}
	return out, nil
}
