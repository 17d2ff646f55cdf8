package api

// Scheduled queries as configuration: Create, Get, Update, Delete and
// ListScheduledQueries store and return them exactly. logpond does not run
// them on their schedule yet, so GetScheduledQueryHistory is always empty.

import (
	"encoding/json"
	"strings"

	"github.com/logpond/logpond/internal/store"
)

// scheduledQuery is the stored record and the shape of Get and Update.
type scheduledQuery struct {
	ScheduledQueryArn        string            `json:"scheduledQueryArn"`
	Name                     string            `json:"name"`
	Description              string            `json:"description,omitempty"`
	QueryLanguage            string            `json:"queryLanguage"`
	QueryString              string            `json:"queryString"`
	LogGroupIdentifiers      []string          `json:"logGroupIdentifiers,omitempty"`
	ScheduleExpression       string            `json:"scheduleExpression"`
	Timezone                 string            `json:"timezone,omitempty"`
	StartTimeOffset          *int64            `json:"startTimeOffset,omitempty"`
	EndTimeOffset            *int64            `json:"endTimeOffset,omitempty"`
	DestinationConfiguration json.RawMessage   `json:"destinationConfiguration,omitempty"`
	State                    string            `json:"state"`
	ScheduleType             string            `json:"scheduleType"`
	ScheduleStartTime        *int64            `json:"scheduleStartTime,omitempty"`
	ScheduleEndTime          *int64            `json:"scheduleEndTime,omitempty"`
	ExecutionRoleArn         string            `json:"executionRoleArn"`
	CreationTime             int64             `json:"creationTime"`
	LastUpdatedTime          int64             `json:"lastUpdatedTime"`
	Tags                     map[string]string `json:"tags,omitempty"`
}

type scheduledQueryInput struct {
	Name                     string            `json:"name"`
	Identifier               string            `json:"identifier"`
	Description              string            `json:"description"`
	QueryLanguage            string            `json:"queryLanguage"`
	QueryString              string            `json:"queryString"`
	LogGroupIdentifiers      []string          `json:"logGroupIdentifiers"`
	ScheduleExpression       string            `json:"scheduleExpression"`
	Timezone                 string            `json:"timezone"`
	StartTimeOffset          *int64            `json:"startTimeOffset"`
	EndTimeOffset            *int64            `json:"endTimeOffset"`
	DestinationConfiguration json.RawMessage   `json:"destinationConfiguration"`
	ScheduleStartTime        *int64            `json:"scheduleStartTime"`
	ScheduleEndTime          *int64            `json:"scheduleEndTime"`
	ExecutionRoleArn         string            `json:"executionRoleArn"`
	State                    string            `json:"state"`
	Tags                     map[string]string `json:"tags"`
}

var errScheduledQueryNotFound = notFound("The specified scheduled query does not exist.")

// apply checks the definition of a create or update request and copies it
// into q.
func (in *scheduledQueryInput) apply(c *call, q *scheduledQuery) error {
	e := in.ScheduleExpression
	if !(strings.HasPrefix(e, "cron(") || strings.HasPrefix(e, "rate(") || strings.HasPrefix(e, "at(")) || !strings.HasSuffix(e, ")") {
		return badRequest(c, "Invalid scheduleExpression %q: must be cron(...), rate(...) or at(...).", e)
	}
	if !isRoleARN(in.ExecutionRoleArn) {
		return badRequest(c, "Invalid executionRoleArn %s: must be the ARN of an IAM role.", in.ExecutionRoleArn)
	}
	if in.ScheduleStartTime != nil && in.ScheduleEndTime != nil && *in.ScheduleEndTime < *in.ScheduleStartTime {
		return badRequest(c, "scheduleEndTime must not be before scheduleStartTime.")
	}
	q.Description, q.QueryLanguage, q.QueryString = in.Description, in.QueryLanguage, in.QueryString
	q.LogGroupIdentifiers, q.ScheduleExpression, q.Timezone = in.LogGroupIdentifiers, in.ScheduleExpression, in.Timezone
	q.StartTimeOffset, q.EndTimeOffset = in.StartTimeOffset, in.EndTimeOffset
	q.DestinationConfiguration = in.DestinationConfiguration
	q.ScheduleStartTime, q.ScheduleEndTime, q.ExecutionRoleArn = in.ScheduleStartTime, in.ScheduleEndTime, in.ExecutionRoleArn
	if in.State != "" {
		q.State = in.State
	}
	return nil
}

// scheduledQueryName resolves a scheduled query's name or ARN.
func scheduledQueryName(c *call, id string) (string, error) {
	if strings.HasPrefix(id, "arn:") {
		return resolveConfigARN(c, id, "scheduled-query", errScheduledQueryNotFound)
	}
	return id, nil
}

func (s *Server) createScheduledQuery(c *call) (any, error) {
	var in scheduledQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	now := s.now()
	q := scheduledQuery{
		ScheduledQueryArn: configARN(c.scope, "scheduled-query", in.Name), Name: in.Name,
		State: "ENABLED", ScheduleType: "CUSTOMER_MANAGED", CreationTime: now, LastUpdatedTime: now, Tags: in.Tags,
	}
	if err := in.apply(c, &q); err != nil {
		return nil, err
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if tx.Exists(kindScheduledQuery, "", in.Name) {
			return conflict("A scheduled query named %s already exists.", in.Name)
		}
		return tx.Put(kindScheduledQuery, "", in.Name, q)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ScheduledQueryArn string `json:"scheduledQueryArn"`
		State             string `json:"state"`
	}{q.ScheduledQueryArn, q.State}, nil
}

func (s *Server) getScheduledQuery(c *call) (any, error) {
	var in scheduledQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return s.loadScheduledQuery(c, in.Identifier)
}

func (s *Server) loadScheduledQuery(c *call, id string) (*scheduledQuery, error) {
	name, err := scheduledQueryName(c, id)
	if err != nil {
		return nil, err
	}
	var q scheduledQuery
	err = s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindScheduledQuery, "", name, &q)
		if err == nil && !found {
			err = errScheduledQueryNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	q.Tags = nil
	return &q, nil
}

func (s *Server) updateScheduledQuery(c *call) (any, error) {
	var in scheduledQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := scheduledQueryName(c, in.Identifier)
	if err != nil {
		return nil, err
	}
	var q scheduledQuery
	err = s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindScheduledQuery, "", name, &q)
		if err != nil {
			return err
		}
		if !found {
			return errScheduledQueryNotFound
		}
		if err := in.apply(c, &q); err != nil {
			return err
		}
		q.LastUpdatedTime = s.now()
		return tx.Put(kindScheduledQuery, "", name, q)
	})
	if err != nil {
		return nil, err
	}
	q.Tags = nil
	return q, nil
}

func (s *Server) deleteScheduledQuery(c *call) (any, error) {
	var in scheduledQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := scheduledQueryName(c, in.Identifier)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindScheduledQuery, "", name)
		if err == nil && !found {
			err = errScheduledQueryNotFound
		}
		return err
	})
}

type listScheduledQueriesInput struct {
	MaxResults   *int    `json:"maxResults"`
	NextToken    *string `json:"nextToken"`
	State        string  `json:"state"`
	ScheduleType string  `json:"scheduleType"`
}

type scheduledQuerySummary struct {
	ScheduledQueryArn        string          `json:"scheduledQueryArn"`
	Name                     string          `json:"name"`
	State                    string          `json:"state"`
	ScheduleType             string          `json:"scheduleType"`
	ScheduleExpression       string          `json:"scheduleExpression"`
	Timezone                 string          `json:"timezone,omitempty"`
	DestinationConfiguration json.RawMessage `json:"destinationConfiguration,omitempty"`
	CreationTime             int64           `json:"creationTime"`
	LastUpdatedTime          int64           `json:"lastUpdatedTime"`
}

func (s *Server) listScheduledQueries(c *call) (any, error) {
	var in listScheduledQueriesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		ScheduledQueries []scheduledQuerySummary `json:"scheduledQueries"`
		NextToken        string                  `json:"nextToken,omitempty"`
	}{ScheduledQueries: []scheduledQuerySummary{}}
	keep := func(q *scheduledQuery) bool {
		return (in.State == "" || q.State == in.State) && (in.ScheduleType == "" || q.ScheduleType == in.ScheduleType)
	}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		qs, next, err := page(tx, store.ConfigQuery{Kind: kindScheduledQuery}, in.NextToken, limitOr(in.MaxResults, 50), keep)
		for _, q := range qs {
			out.ScheduledQueries = append(out.ScheduledQueries, scheduledQuerySummary{
				q.ScheduledQueryArn, q.Name, q.State, q.ScheduleType, q.ScheduleExpression, q.Timezone,
				q.DestinationConfiguration, q.CreationTime, q.LastUpdatedTime,
			})
		}
		out.NextToken = next
		return err
	})
	return out, err
}

func (s *Server) getScheduledQueryHistory(c *call) (any, error) {
	var in scheduledQueryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	q, err := s.loadScheduledQuery(c, in.Identifier)
	if err != nil {
		return nil, err
	}
	return struct {
		Name              string     `json:"name"`
		ScheduledQueryArn string     `json:"scheduledQueryArn"`
		TriggerHistory    []struct{} `json:"triggerHistory"`
	}{q.Name, q.ScheduledQueryArn, []struct{}{}}, nil
}
