package api

// Lookup tables (CSV tables for Logs Insights lookups) stored as
// configuration: CreateLookupTable, DescribeLookupTables, GetLookupTable,
// UpdateLookupTable, DeleteLookupTable.

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strings"

	"github.com/logpond/logpond/internal/store"
)

type lookupTable struct {
	LookupTableArn  string            `json:"lookupTableArn"`
	LookupTableName string            `json:"lookupTableName"`
	Description     string            `json:"description,omitempty"`
	TableBody       string            `json:"tableBody,omitempty"`
	TableFields     []string          `json:"tableFields,omitempty"`
	RecordsCount    int64             `json:"recordsCount"`
	SizeBytes       int64             `json:"sizeBytes"`
	LastUpdatedTime int64             `json:"lastUpdatedTime"`
	KmsKeyID        string            `json:"kmsKeyId,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
}

var errLookupTableNotFound = notFound("The specified lookup table does not exist.")

// setBody parses a CSV table body (a header row, then records) into t.
func (t *lookupTable) setBody(body string) error {
	r := csv.NewReader(strings.NewReader(body))
	rows, err := r.ReadAll()
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return errNoHeader
	}
	t.TableBody, t.TableFields = body, rows[0]
	t.RecordsCount, t.SizeBytes = int64(len(rows)-1), int64(len(body))
	return nil
}

var errNoHeader = errors.New("the table has no header row")

type lookupTableInput struct {
	LookupTableName string            `json:"lookupTableName"`
	LookupTableArn  string            `json:"lookupTableArn"`
	Description     *string           `json:"description"`
	TableBody       *string           `json:"tableBody"`
	QueryID         *string           `json:"queryId"`
	KmsKeyID        *string           `json:"kmsKeyId"`
	Tags            map[string]string `json:"tags"`
}

// apply applies the optional members of a create or update request.
func (in *lookupTableInput) apply(c *call, t *lookupTable) error {
	if in.QueryID != nil {
		return badRequest(c, "Creating lookup tables from query results is not supported by logpond: give the table as tableBody.")
	}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if in.KmsKeyID != nil {
		t.KmsKeyID = *in.KmsKeyID
	}
	if in.TableBody != nil {
		if err := t.setBody(*in.TableBody); err != nil {
			return badRequest(c, "Invalid tableBody: %v.", err)
		}
	}
	return nil
}

func (s *Server) createLookupTable(c *call) (any, error) {
	var in lookupTableInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.TableBody == nil && in.QueryID == nil {
		return nil, badRequest(c, "tableBody is required.")
	}
	t := lookupTable{
		LookupTableArn:  configARN(c.scope, "lookup-table", in.LookupTableName),
		LookupTableName: in.LookupTableName,
		LastUpdatedTime: s.now(),
		Tags:            in.Tags,
	}
	if err := in.apply(c, &t); err != nil {
		return nil, err
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if tx.Exists(kindLookupTable, "", in.LookupTableName) {
			return errorf(http.StatusBadRequest, "ResourceAlreadyExistsException", "A lookup table named %s already exists.", in.LookupTableName)
		}
		return tx.Put(kindLookupTable, "", in.LookupTableName, t)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		LookupTableArn string `json:"lookupTableArn"`
		CreatedAt      int64  `json:"createdAt"`
	}{t.LookupTableArn, t.LastUpdatedTime}, nil
}

type describeLookupTablesInput struct {
	LookupTableNamePrefix string  `json:"lookupTableNamePrefix"`
	MaxResults            *int    `json:"maxResults"`
	NextToken             *string `json:"nextToken"`
}

func (s *Server) describeLookupTables(c *call) (any, error) {
	var in describeLookupTablesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	limit := limitOr(in.MaxResults, 50)
	if limit <= 0 {
		limit = 50
	}
	out := struct {
		LookupTables []lookupTable `json:"lookupTables"`
		NextToken    string        `json:"nextToken,omitempty"`
	}{LookupTables: []lookupTable{}}
	keep := func(t *lookupTable) bool { t.TableBody, t.Tags = "", nil; return true }
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		q := store.ConfigQuery{Kind: kindLookupTable, NamePrefix: in.LookupTableNamePrefix}
		ts, next, err := page(tx, q, in.NextToken, limit, keep)
		if ts != nil {
			out.LookupTables = ts
		}
		out.NextToken = next
		return err
	})
	return out, err
}

func (s *Server) getLookupTable(c *call) (any, error) {
	var in lookupTableInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := resolveConfigARN(c, in.LookupTableArn, "lookup-table", errLookupTableNotFound)
	if err != nil {
		return nil, err
	}
	var t lookupTable
	err = s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindLookupTable, "", name, &t)
		if err == nil && !found {
			err = errLookupTableNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	t.TableFields, t.Tags = nil, nil
	return struct {
		LookupTableArn  string `json:"lookupTableArn"`
		LookupTableName string `json:"lookupTableName"`
		Description     string `json:"description,omitempty"`
		TableBody       string `json:"tableBody"`
		SizeBytes       int64  `json:"sizeBytes"`
		LastUpdatedTime int64  `json:"lastUpdatedTime"`
		KmsKeyID        string `json:"kmsKeyId,omitempty"`
	}{t.LookupTableArn, t.LookupTableName, t.Description, t.TableBody, t.SizeBytes, t.LastUpdatedTime, t.KmsKeyID}, nil
}

func (s *Server) updateLookupTable(c *call) (any, error) {
	var in lookupTableInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := resolveConfigARN(c, in.LookupTableArn, "lookup-table", errLookupTableNotFound)
	if err != nil {
		return nil, err
	}
	var t lookupTable
	err = s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindLookupTable, "", name, &t)
		if err != nil {
			return err
		}
		if !found {
			return errLookupTableNotFound
		}
		if err := in.apply(c, &t); err != nil {
			return err
		}
		t.LastUpdatedTime = s.now()
		return tx.Put(kindLookupTable, "", name, t)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		LookupTableArn  string `json:"lookupTableArn"`
		LastUpdatedTime int64  `json:"lastUpdatedTime"`
	}{t.LookupTableArn, t.LastUpdatedTime}, nil
}

func (s *Server) deleteLookupTable(c *call) (any, error) {
	var in lookupTableInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := resolveConfigARN(c, in.LookupTableArn, "lookup-table", errLookupTableNotFound)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindLookupTable, "", name)
		if err == nil && !found {
			err = errLookupTableNotFound
		}
		return err
	})
}
