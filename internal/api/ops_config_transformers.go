package api

// Log transformers: PutTransformer, GetTransformer, DeleteTransformer are
// stored as configuration of the log group (logpond does not transform
// events at ingestion yet); TestTransformer runs the processors on the
// sample events with package transform, which documents what each
// processor does. Every processor type of the model is implemented, but
// parseToOCSF's EKSAudit source, which answers InvalidParameterException.

import (
	"encoding/json"

	"github.com/logpond/logpond/internal/store"
	"github.com/logpond/logpond/internal/transform"
)

type transformerRecord struct {
	LogGroupIdentifier string          `json:"logGroupIdentifier"`
	CreationTime       int64           `json:"creationTime"`
	LastModifiedTime   int64           `json:"lastModifiedTime"`
	TransformerConfig  json.RawMessage `json:"transformerConfig"`
}

type putTransformerInput struct {
	LogGroupIdentifier string          `json:"logGroupIdentifier"`
	TransformerConfig  json.RawMessage `json:"transformerConfig"`
}

// parseTransformer checks a transformerConfig; its rules answer
// InvalidParameterException.
func parseTransformer(config json.RawMessage) (transform.Pipeline, error) {
	p, err := transform.Parse(config)
	if err != nil {
		return p, invalidParameter("%v", err)
	}
	return p, nil
}

func (s *Server) putTransformer(c *call) (any, error) {
	var in putTransformerInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseTransformer(in.TransformerConfig); err != nil {
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
	TransformerConfig json.RawMessage `json:"transformerConfig"`
	LogEventMessages  []string        `json:"logEventMessages"`
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
	p, err := parseTransformer(in.TransformerConfig)
	if err != nil {
		return nil, err
	}
	transformed, err := p.Run(in.LogEventMessages)
	if err != nil {
		return nil, invalidParameter("%v", err)
	}
	out := struct {
		TransformedLogs []transformedLogRecord `json:"transformedLogs"`
	}{[]transformedLogRecord{}}
	for i, msg := range in.LogEventMessages {
		out.TransformedLogs = append(out.TransformedLogs, transformedLogRecord{int64(i + 1), msg, transformed[i]})
	}
	return out, nil
}
