package api

// Field index policies of log groups (PutIndexPolicy, DescribeIndexPolicies,
// DeleteIndexPolicy) and the field indexes they declare
// (DescribeFieldIndexes). Stored as configuration: logpond's queries do not
// use field indexes.

import (
	"encoding/json"
	"slices"

	"github.com/logpond/logpond/internal/store"
)

const (
	maxIndexFields    = 20
	maxIndexFieldName = 100
)

// defaultFieldIndexes are the indexes every Standard log group has.
var defaultFieldIndexes = []string{"@logStream", "@aws.region", "@aws.account", "@source.log", "traceId"}

type indexPolicy struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LastUpdateTime     int64  `json:"lastUpdateTime"`
	PolicyDocument     string `json:"policyDocument"`
	PolicyName         string `json:"policyName,omitempty"`
	Source             string `json:"source"`
}

// indexDocument is a field index policy document: {"Fields": [...]} and,
// in the newer form, {"FieldsV2": {"name": {"type": "FIELD_INDEX"|"FACET"}}}.
type indexDocument struct {
	Fields   []string `json:"Fields"`
	FieldsV2 map[string]struct {
		Type string `json:"type"`
	} `json:"FieldsV2"`
}

// fields returns the document's indexed fields with their types, sorted.
func (d indexDocument) fields() [][2]string {
	var out [][2]string
	for _, f := range d.Fields {
		out = append(out, [2]string{f, "FIELD_INDEX"})
	}
	for f, t := range d.FieldsV2 {
		typ := t.Type
		if typ == "" {
			typ = "FIELD_INDEX"
		}
		out = append(out, [2]string{f, typ})
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		if a[0] < b[0] {
			return -1
		}
		if a[0] > b[0] {
			return 1
		}
		return 0
	})
	return slices.Compact(out)
}

func parseIndexDocument(doc string) (indexDocument, error) {
	var d indexDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return d, invalidParameter("Invalid policyDocument: %v", err)
	}
	fs := d.fields()
	if len(fs) == 0 {
		return d, invalidParameter("Invalid policyDocument: it must list the fields to index in \"Fields\".")
	}
	if len(fs) > maxIndexFields {
		return d, invalidParameter("Invalid policyDocument: a field index policy can index at most %d fields.", maxIndexFields)
	}
	for _, f := range fs {
		if len(f[0]) == 0 || len(f[0]) > maxIndexFieldName {
			return d, invalidParameter("Invalid policyDocument: field names must have 1 to %d characters.", maxIndexFieldName)
		}
		if f[1] != "FIELD_INDEX" && f[1] != "FACET" {
			return d, invalidParameter("Invalid policyDocument: field type %q must be FIELD_INDEX or FACET.", f[1])
		}
	}
	return d, nil
}

// standardGroup resolves identifier to an existing group of the Standard
// class, as field index policies and transformers require.
func standardGroup(c *call, tx *store.ConfigTx, identifier, what string) (string, error) {
	name, err := groupForConfig(tx, c.scope, identifier)
	if err != nil {
		return "", err
	}
	if g, err := tx.Group(name); err == nil && g.Class != "" && g.Class != "STANDARD" {
		return "", invalidParameter("Only log groups in the Standard log class support %s.", what)
	}
	return name, nil
}

type putIndexPolicyInput struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	PolicyDocument     string `json:"policyDocument"`
}

func (s *Server) putIndexPolicy(c *call) (any, error) {
	var in putIndexPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseIndexDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	var p indexPolicy
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := standardGroup(c, tx, in.LogGroupIdentifier, "field index policies")
		if err != nil {
			return err
		}
		p = indexPolicy{
			LogGroupIdentifier: store.GroupARN(c.scope.Region, c.scope.Account, name),
			LastUpdateTime:     s.now(),
			PolicyDocument:     in.PolicyDocument,
			PolicyName:         "LogGroupIndexPolicy",
			Source:             "LOG_GROUP",
		}
		return tx.Put(kindIndexPolicy, name, "", p)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		IndexPolicy indexPolicy `json:"indexPolicy"`
	}{p}, nil
}

type logGroupIdentifiersInput struct {
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	IndexCategories     []string `json:"indexCategories"`
	NextToken           *string  `json:"nextToken"`
}

func (s *Server) describeIndexPolicies(c *call) (any, error) {
	var in logGroupIdentifiersInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		IndexPolicies []indexPolicy `json:"indexPolicies"`
	}{[]indexPolicy{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		for _, id := range in.LogGroupIdentifiers {
			name, err := groupForConfig(tx, c.scope, id)
			if err != nil {
				return err
			}
			var p indexPolicy
			found, err := tx.Get(kindIndexPolicy, name, "", &p)
			if err != nil {
				return err
			}
			if found {
				out.IndexPolicies = append(out.IndexPolicies, p)
			}
		}
		return nil
	})
	return out, err
}

func (s *Server) deleteIndexPolicy(c *call) (any, error) {
	var in logGroupIdentifierInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteGroupRecord(c, kindIndexPolicy, in.LogGroupIdentifier, "The specified log group has no field index policy.")
}

type fieldIndex struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	FieldIndexName     string `json:"fieldIndexName"`
	Type               string `json:"type"`
	IndexCategory      string `json:"indexCategory"`
}

func (s *Server) describeFieldIndexes(c *call) (any, error) {
	var in logGroupIdentifiersInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cats := in.IndexCategories
	if len(cats) == 0 {
		cats = []string{"DEFAULT", "CUSTOM", "INACTIVE"}
	}
	out := struct {
		FieldIndexes []fieldIndex `json:"fieldIndexes"`
	}{[]fieldIndex{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		for _, id := range in.LogGroupIdentifiers {
			name, err := groupForConfig(tx, c.scope, id)
			if err != nil {
				return err
			}
			arn := store.GroupARN(c.scope.Region, c.scope.Account, name)
			if slices.Contains(cats, "DEFAULT") {
				for _, f := range defaultFieldIndexes {
					out.FieldIndexes = append(out.FieldIndexes, fieldIndex{arn, f, "FIELD_INDEX", "DEFAULT"})
				}
			}
			var p indexPolicy
			found, err := tx.Get(kindIndexPolicy, name, "", &p)
			if err != nil {
				return err
			}
			if !found || !slices.Contains(cats, "CUSTOM") {
				continue
			}
			d, _ := parseIndexDocument(p.PolicyDocument)
			for _, f := range d.fields() {
				out.FieldIndexes = append(out.FieldIndexes, fieldIndex{arn, f[0], f[1], "CUSTOM"})
			}
		}
		return nil
	})
	return out, err
}
