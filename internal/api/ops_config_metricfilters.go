package api

// Metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter
// and TestMetricFilter. Filters are stored and validated; logpond has no
// CloudWatch metrics to publish to, so they emit nothing (docs/api-coverage.md).

import (
	"errors"
	"strconv"
	"strings"

	"github.com/logpond/logpond/internal/query"
	"github.com/logpond/logpond/internal/store"
)

const (
	maxMetricFilters = 100 // per log group
	maxDimensions    = 3   // per metric transformation, system-field dimensions included
)

type metricTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

// metricFilter is both the stored record and the wire shape MetricFilter.
type metricFilter struct {
	FilterName                string                 `json:"filterName"`
	FilterPattern             string                 `json:"filterPattern"`
	MetricTransformations     []metricTransformation `json:"metricTransformations"`
	CreationTime              int64                  `json:"creationTime"`
	LogGroupName              string                 `json:"logGroupName"`
	ApplyOnTransformedLogs    bool                   `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria    *string                `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions,omitempty"`
}

type putMetricFilterInput struct {
	LogGroupName              string                 `json:"logGroupName"`
	FilterName                string                 `json:"filterName"`
	FilterPattern             string                 `json:"filterPattern"`
	MetricTransformations     []metricTransformation `json:"metricTransformations"`
	ApplyOnTransformedLogs    bool                   `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria    *string                `json:"fieldSelectionCriteria"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions"`
}

// parsePattern parses a filter pattern with the API's error wording.
func parsePattern(p string) (*query.FilterPattern, error) {
	fp, err := query.ParseFilterPattern(p)
	if err != nil {
		var pe *query.PatternError
		if errors.As(err, &pe) {
			return nil, invalidParameter("Invalid filter pattern: %s (at character %d)", pe.Msg, pe.Pos+1)
		}
		return nil, invalidParameter("Invalid filter pattern: %v", err)
	}
	return fp, nil
}

// checkMetricTransformation applies CloudWatch's rules beyond the model:
// values and dimensions may name fields only of JSON and space-delimited
// patterns, at most three dimensions, no default value with dimensions.
func checkMetricTransformation(t metricTransformation, kind query.PatternKind, systemDims []string) error {
	fields := kind == query.PatternJSON || kind == query.PatternDelimited
	if t.MetricName == "" || t.MetricNamespace == "" {
		return invalidParameter("Invalid metric transformation: metricName and metricNamespace must not be empty.")
	}
	if strings.HasPrefix(t.MetricValue, "$") {
		if !fields {
			return invalidParameter("Invalid metric value %s: a field can be used as the metric value only with a JSON or space-delimited filter pattern.", t.MetricValue)
		}
	} else if _, err := strconv.ParseFloat(t.MetricValue, 64); err != nil {
		return invalidParameter("Invalid metric value %s: must be a number or a field of the filter pattern ($name or $.selector).", t.MetricValue)
	}
	if len(t.Dimensions)+len(systemDims) > maxDimensions {
		return invalidParameter("A metric transformation can have at most %d dimensions.", maxDimensions)
	}
	if len(t.Dimensions) > 0 {
		if !fields {
			return invalidParameter("Dimensions can be used only with a JSON or space-delimited filter pattern.")
		}
		if t.DefaultValue != nil {
			return invalidParameter("A metric transformation with dimensions cannot have a default value.")
		}
		for k, v := range t.Dimensions {
			if !strings.HasPrefix(v, "$") {
				return invalidParameter("Invalid dimension %s: its value must be a field of the filter pattern, not %q.", k, v)
			}
		}
	}
	for _, d := range systemDims {
		if d != "@aws.account" && d != "@aws.region" {
			return invalidParameter("Invalid system field dimension %q: must be @aws.account or @aws.region.", d)
		}
	}
	return nil
}

func (s *Server) putMetricFilter(c *call) (any, error) {
	var in putMetricFilterInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	fp, err := parsePattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	for _, t := range in.MetricTransformations {
		if err := checkMetricTransformation(t, fp.Kind(), in.EmitSystemFieldDimensions); err != nil {
			return nil, err
		}
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.GroupExists(in.LogGroupName) {
			return errGroupNotFound
		}
		created, err := s.keptCreationTime(tx, kindMetricFilter, in.LogGroupName, in.FilterName, maxMetricFilters, errLimit)
		if err != nil {
			return err
		}
		return tx.Put(kindMetricFilter, in.LogGroupName, in.FilterName, metricFilter{
			FilterName:                in.FilterName,
			FilterPattern:             in.FilterPattern,
			MetricTransformations:     in.MetricTransformations,
			CreationTime:              created,
			LogGroupName:              in.LogGroupName,
			ApplyOnTransformedLogs:    in.ApplyOnTransformedLogs,
			FieldSelectionCriteria:    in.FieldSelectionCriteria,
			EmitSystemFieldDimensions: in.EmitSystemFieldDimensions,
		})
	})
}

type describeMetricFiltersInput struct {
	LogGroupName     *string `json:"logGroupName"`
	FilterNamePrefix string  `json:"filterNamePrefix"`
	NextToken        *string `json:"nextToken"`
	Limit            *int    `json:"limit"`
	MetricName       *string `json:"metricName"`
	MetricNamespace  *string `json:"metricNamespace"`
}

type describeMetricFiltersOutput struct {
	MetricFilters []metricFilter `json:"metricFilters"`
	NextToken     string         `json:"nextToken,omitempty"`
}

func (s *Server) describeMetricFilters(c *call) (any, error) {
	var in describeMetricFiltersInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if (in.MetricName == nil) != (in.MetricNamespace == nil) {
		return nil, invalidParameter("metricName and metricNamespace must be specified together.")
	}
	q := store.ConfigQuery{Kind: kindMetricFilter, AnyParent: true}
	if in.LogGroupName != nil {
		// As in CloudWatch, the prefix applies only within a log group.
		q = store.ConfigQuery{Kind: kindMetricFilter, Parent: *in.LogGroupName, NamePrefix: in.FilterNamePrefix}
	}
	var keep func(*metricFilter) bool
	if in.MetricName != nil {
		keep = func(f *metricFilter) bool {
			for _, t := range f.MetricTransformations {
				if t.MetricName == *in.MetricName && t.MetricNamespace == *in.MetricNamespace {
					return true
				}
			}
			return false
		}
	}
	var out describeMetricFiltersOutput
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		if in.LogGroupName != nil && !tx.GroupExists(*in.LogGroupName) {
			return errGroupNotFound
		}
		var err error
		out.MetricFilters, out.NextToken, err = page(tx, q, in.NextToken, limitOr(in.Limit, 50), keep)
		return err
	})
	if out.MetricFilters == nil {
		out.MetricFilters = []metricFilter{}
	}
	return out, err
}

type deleteFilterInput struct {
	LogGroupName string `json:"logGroupName"`
	FilterName   string `json:"filterName"`
}

func (s *Server) deleteMetricFilter(c *call) (any, error) {
	var in deleteFilterInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteFilterRecord(c, kindMetricFilter, in, "The specified resource does not exist.")
}

// deleteFilterRecord deletes a log group's filter record (metric or
// subscription filter), answering notFoundMsg when there is none.
func (s *Server) deleteFilterRecord(c *call, kind string, in deleteFilterInput, notFoundMsg string) error {
	return s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.GroupExists(in.LogGroupName) {
			return errGroupNotFound
		}
		found, err := tx.Delete(kind, in.LogGroupName, in.FilterName)
		if err == nil && !found {
			err = notFound("%s", notFoundMsg)
		}
		return err
	})
}

type testMetricFilterInput struct {
	FilterPattern    string   `json:"filterPattern"`
	LogEventMessages []string `json:"logEventMessages"`
}

type metricFilterMatch struct {
	EventNumber     int64             `json:"eventNumber"`
	EventMessage    string            `json:"eventMessage"`
	ExtractedValues map[string]string `json:"extractedValues"`
}

type testMetricFilterOutput struct {
	Matches []metricFilterMatch `json:"matches"`
}

func (s *Server) testMetricFilter(c *call) (any, error) {
	var in testMetricFilterInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	fp, err := parsePattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	out := testMetricFilterOutput{Matches: []metricFilterMatch{}}
	for i, msg := range in.LogEventMessages {
		ok, vals := fp.MatchExtract(msg)
		if !ok {
			continue
		}
		if vals == nil {
			vals = map[string]string{}
		}
		out.Matches = append(out.Matches, metricFilterMatch{EventNumber: int64(i + 1), EventMessage: msg, ExtractedValues: vals})
	}
	return out, nil
}
