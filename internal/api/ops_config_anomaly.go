package api

// Log anomaly detectors as configuration: Create, Get, Update, Delete and
// ListLogAnomalyDetectors store and return them exactly. logpond does not
// detect anomalies, so ListAnomalies is always empty and UpdateAnomaly finds
// no anomaly to update.

import (
	"slices"

	"github.com/logpond/logpond/internal/store"
)

type anomalyDetector struct {
	AnomalyDetectorArn    string            `json:"anomalyDetectorArn"`
	DetectorName          string            `json:"detectorName,omitempty"`
	LogGroupArnList       []string          `json:"logGroupArnList"`
	EvaluationFrequency   string            `json:"evaluationFrequency,omitempty"`
	FilterPattern         string            `json:"filterPattern,omitempty"`
	AnomalyDetectorStatus string            `json:"anomalyDetectorStatus"`
	KmsKeyID              string            `json:"kmsKeyId,omitempty"`
	CreationTimeStamp     int64             `json:"creationTimeStamp"`
	LastModifiedTimeStamp int64             `json:"lastModifiedTimeStamp"`
	AnomalyVisibilityTime int64             `json:"anomalyVisibilityTime,omitempty"`
	Tags                  map[string]string `json:"tags,omitempty"`
}

// resolveConfigARN returns the name in an ARN of a configuration resource
// of the caller of the given type, or ResourceNotFoundException.
func resolveConfigARN(c *call, s, typ string, errNotFound *Error) (string, error) {
	a, err := parseARN(s)
	if err != nil || a.kind != typ || a.account != c.scope.Account || a.region != c.scope.Region {
		return "", errNotFound
	}
	return a.name, nil
}

var errDetectorNotFound = notFound("The specified anomaly detector does not exist.")

type createLogAnomalyDetectorInput struct {
	LogGroupArnList       []string          `json:"logGroupArnList"`
	DetectorName          string            `json:"detectorName"`
	EvaluationFrequency   string            `json:"evaluationFrequency"`
	FilterPattern         *string           `json:"filterPattern"`
	KmsKeyID              string            `json:"kmsKeyId"`
	AnomalyVisibilityTime int64             `json:"anomalyVisibilityTime"`
	Tags                  map[string]string `json:"tags"`
}

func (s *Server) createLogAnomalyDetector(c *call) (any, error) {
	var in createLogAnomalyDetectorInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.LogGroupArnList) == 0 {
		return nil, invalidParameter("logGroupArnList must name at least one log group.")
	}
	if in.FilterPattern != nil {
		if _, err := parsePattern(*in.FilterPattern); err != nil {
			return nil, err
		}
	}
	if in.AnomalyVisibilityTime == 0 {
		in.AnomalyVisibilityTime = 21
	}
	id := newRequestID()
	now := s.now()
	d := anomalyDetector{
		AnomalyDetectorArn:    configARN(c.scope, "anomaly-detector", id),
		DetectorName:          in.DetectorName,
		LogGroupArnList:       in.LogGroupArnList,
		EvaluationFrequency:   in.EvaluationFrequency,
		AnomalyDetectorStatus: "INITIALIZING",
		KmsKeyID:              in.KmsKeyID,
		CreationTimeStamp:     now,
		LastModifiedTimeStamp: now,
		AnomalyVisibilityTime: in.AnomalyVisibilityTime,
		Tags:                  in.Tags,
	}
	if in.FilterPattern != nil {
		d.FilterPattern = *in.FilterPattern
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		for _, arn := range in.LogGroupArnList {
			a, err := parseARN(arn)
			if err != nil || a.kind != "log-group" {
				return invalidParameter("Invalid log group ARN %s.", arn)
			}
			if a.account != c.scope.Account || a.region != c.scope.Region || !tx.GroupExists(a.name) {
				return errGroupNotFound
			}
		}
		return tx.Put(kindAnomalyDetector, "", id, d)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		AnomalyDetectorArn string `json:"anomalyDetectorArn"`
	}{d.AnomalyDetectorArn}, nil
}

type anomalyDetectorArnInput struct {
	AnomalyDetectorArn string `json:"anomalyDetectorArn"`
}

func (s *Server) getLogAnomalyDetector(c *call) (any, error) {
	var in anomalyDetectorArnInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	id, err := resolveConfigARN(c, in.AnomalyDetectorArn, "anomaly-detector", errDetectorNotFound)
	if err != nil {
		return nil, err
	}
	var d anomalyDetector
	err = s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindAnomalyDetector, "", id, &d)
		if err == nil && !found {
			err = errDetectorNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Tags = nil
	return d, nil
}

type updateLogAnomalyDetectorInput struct {
	AnomalyDetectorArn    string  `json:"anomalyDetectorArn"`
	EvaluationFrequency   string  `json:"evaluationFrequency"`
	FilterPattern         *string `json:"filterPattern"`
	AnomalyVisibilityTime int64   `json:"anomalyVisibilityTime"`
	Enabled               bool    `json:"enabled"`
}

func (s *Server) updateLogAnomalyDetector(c *call) (any, error) {
	var in updateLogAnomalyDetectorInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.FilterPattern != nil {
		if _, err := parsePattern(*in.FilterPattern); err != nil {
			return nil, err
		}
	}
	id, err := resolveConfigARN(c, in.AnomalyDetectorArn, "anomaly-detector", errDetectorNotFound)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		var d anomalyDetector
		found, err := tx.Get(kindAnomalyDetector, "", id, &d)
		if err != nil {
			return err
		}
		if !found {
			return errDetectorNotFound
		}
		if in.EvaluationFrequency != "" {
			d.EvaluationFrequency = in.EvaluationFrequency
		}
		if in.FilterPattern != nil {
			d.FilterPattern = *in.FilterPattern
		}
		if in.AnomalyVisibilityTime != 0 {
			d.AnomalyVisibilityTime = in.AnomalyVisibilityTime
		}
		d.AnomalyDetectorStatus = "INITIALIZING"
		if !in.Enabled {
			d.AnomalyDetectorStatus = "PAUSED"
		}
		d.LastModifiedTimeStamp = s.now()
		return tx.Put(kindAnomalyDetector, "", id, d)
	})
}

func (s *Server) deleteLogAnomalyDetector(c *call) (any, error) {
	var in anomalyDetectorArnInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	id, err := resolveConfigARN(c, in.AnomalyDetectorArn, "anomaly-detector", errDetectorNotFound)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindAnomalyDetector, "", id)
		if err == nil && !found {
			err = errDetectorNotFound
		}
		return err
	})
}

type listLogAnomalyDetectorsInput struct {
	FilterLogGroupArn *string `json:"filterLogGroupArn"`
	Limit             *int    `json:"limit"`
	NextToken         *string `json:"nextToken"`
}

func (s *Server) listLogAnomalyDetectors(c *call) (any, error) {
	var in listLogAnomalyDetectorsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		AnomalyDetectors []anomalyDetector `json:"anomalyDetectors"`
		NextToken        string            `json:"nextToken,omitempty"`
	}{AnomalyDetectors: []anomalyDetector{}}
	keep := func(d *anomalyDetector) bool {
		d.Tags = nil
		return in.FilterLogGroupArn == nil || slices.Contains(d.LogGroupArnList, *in.FilterLogGroupArn)
	}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		ds, next, err := page(tx, store.ConfigQuery{Kind: kindAnomalyDetector}, in.NextToken, limitOr(in.Limit, 50), keep)
		if ds != nil {
			out.AnomalyDetectors = ds
		}
		out.NextToken = next
		return err
	})
	return out, err
}

type listAnomaliesInput struct {
	AnomalyDetectorArn *string `json:"anomalyDetectorArn"`
	NextToken          *string `json:"nextToken"`
}

// detectorExists checks that an anomaly detector ARN names a detector of
// the caller.
func (s *Server) detectorExists(c *call, arn string) error {
	id, err := resolveConfigARN(c, arn, "anomaly-detector", errDetectorNotFound)
	if err != nil {
		return err
	}
	return s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindAnomalyDetector, "", id) {
			return errDetectorNotFound
		}
		return nil
	})
}

func (s *Server) listAnomalies(c *call) (any, error) {
	var in listAnomaliesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.AnomalyDetectorArn != nil {
		if err := s.detectorExists(c, *in.AnomalyDetectorArn); err != nil {
			return nil, err
		}
	}
	if in.NextToken != nil {
		return nil, errInvalidToken
	}
	return struct {
		Anomalies []struct{} `json:"anomalies"`
	}{[]struct{}{}}, nil
}

type updateAnomalyInput struct {
	AnomalyID          *string `json:"anomalyId"`
	PatternID          *string `json:"patternId"`
	AnomalyDetectorArn string  `json:"anomalyDetectorArn"`
}

func (s *Server) updateAnomaly(c *call) (any, error) {
	var in updateAnomalyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if (in.AnomalyID == nil) == (in.PatternID == nil) {
		return nil, invalidParameter("Exactly one of anomalyId and patternId must be specified.")
	}
	if err := s.detectorExists(c, in.AnomalyDetectorArn); err != nil {
		return nil, err
	}
	return nil, notFound("The specified anomaly does not exist: logpond does not detect anomalies.")
}
