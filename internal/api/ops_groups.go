package api

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/store"
)

// retentionDays are the retention periods CloudWatch Logs accepts.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

type createLogGroupInput struct {
	LogGroupName              string            `json:"logGroupName"`
	KmsKeyID                  string            `json:"kmsKeyId"`
	Tags                      map[string]string `json:"tags"`
	LogGroupClass             string            `json:"logGroupClass"`
	DeletionProtectionEnabled bool              `json:"deletionProtectionEnabled"`
}

func (s *Server) createLogGroup(c *call) (any, error) {
	var in createLogGroupInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	err := s.store.CreateLogGroup(c.scope, in.LogGroupName, store.GroupOptions{
		KmsKeyID: in.KmsKeyID, Class: in.LogGroupClass, Tags: in.Tags, DeletionProtection: in.DeletionProtectionEnabled,
	})
	return struct{}{}, err
}

type logGroupNameInput struct {
	LogGroupName string `json:"logGroupName"`
}

func (s *Server) deleteLogGroup(c *call) (any, error) {
	var in logGroupNameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.DeleteLogGroup(c.scope, in.LogGroupName)
}

type logGroupOutput struct {
	LogGroupName              string `json:"logGroupName"`
	CreationTime              int64  `json:"creationTime"`
	RetentionInDays           *int32 `json:"retentionInDays,omitempty"`
	MetricFilterCount         *int   `json:"metricFilterCount,omitempty"`
	Arn                       string `json:"arn"`
	StoredBytes               *int64 `json:"storedBytes,omitempty"`
	KmsKeyID                  string `json:"kmsKeyId,omitempty"`
	LogGroupClass             string `json:"logGroupClass,omitempty"`
	LogGroupArn               string `json:"logGroupArn,omitempty"`
	DeletionProtectionEnabled *bool  `json:"deletionProtectionEnabled,omitempty"`
	// Set by decorateGroups from configuration records.
	DataProtectionStatus             string `json:"dataProtectionStatus,omitempty"`
	BearerTokenAuthenticationEnabled *bool  `json:"bearerTokenAuthenticationEnabled,omitempty"`
}

func groupOutput(g store.Group, brief bool) logGroupOutput {
	out := logGroupOutput{LogGroupName: g.Name, CreationTime: g.CreationTime, Arn: g.ARN()}
	if brief {
		return out
	}
	zero := 0
	out.MetricFilterCount = &zero
	out.StoredBytes = &g.StoredBytes
	out.KmsKeyID = g.KmsKeyID
	out.LogGroupClass = g.Class
	out.LogGroupArn = store.GroupARN(g.Region, g.Account, g.Name)
	out.DeletionProtectionEnabled = &g.DeletionProtection
	if g.RetentionInDays > 0 {
		out.RetentionInDays = &g.RetentionInDays
	}
	return out
}

type describeLogGroupsInput struct {
	LogGroupNamePrefix  *string  `json:"logGroupNamePrefix"`
	LogGroupNamePattern *string  `json:"logGroupNamePattern"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int     `json:"limit"`
	LogGroupClass       string   `json:"logGroupClass"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupOutput `json:"logGroups"`
	NextToken string           `json:"nextToken,omitempty"`
}

func (s *Server) describeLogGroups(c *call) (any, error) {
	var in describeLogGroupsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	f := store.GroupFilter{Class: in.LogGroupClass, Limit: 50}
	if in.Limit != nil {
		f.Limit = *in.Limit
	}
	if in.LogGroupNamePrefix != nil {
		f.Prefix = *in.LogGroupNamePrefix
	}
	if in.LogGroupNamePattern != nil {
		f.Contains = *in.LogGroupNamePattern
	}
	if in.LogGroupIdentifiers != nil {
		if in.LogGroupNamePrefix != nil || in.LogGroupNamePattern != nil {
			return nil, invalidParameter("logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.")
		}
		f.Names = []string{}
		for _, id := range in.LogGroupIdentifiers {
			name, err := groupFromIdentifier(c.scope, id)
			if err == errGroupNotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			f.Names = append(f.Names, name)
		}
	}
	groups, next, err := s.listGroups(c, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := describeLogGroupsOutput{LogGroups: make([]logGroupOutput, 0, len(groups)), NextToken: next}
	for _, g := range groups {
		out.LogGroups = append(out.LogGroups, groupOutput(g, in.LogGroupNamePattern != nil))
	}
	if err := s.decorateGroups(c, out.LogGroups); err != nil {
		return nil, err
	}
	return out, nil
}

type listLogGroupsInput struct {
	LogGroupNamePattern *string `json:"logGroupNamePattern"`
	LogGroupClass       string  `json:"logGroupClass"`
	NextToken           *string `json:"nextToken"`
	Limit               *int    `json:"limit"`
}

type logGroupSummary struct {
	LogGroupName  string `json:"logGroupName"`
	LogGroupArn   string `json:"logGroupArn"`
	LogGroupClass string `json:"logGroupClass"`
}

type listLogGroupsOutput struct {
	LogGroups []logGroupSummary `json:"logGroups"`
	NextToken string            `json:"nextToken,omitempty"`
}

func (s *Server) listLogGroups(c *call) (any, error) {
	var in listLogGroupsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	f := store.GroupFilter{Class: in.LogGroupClass, Limit: 50}
	if in.Limit != nil {
		f.Limit = *in.Limit
	}
	if in.LogGroupNamePattern != nil {
		// The model's pattern admits only ^, | and name characters, so this
		// compiles; '.' is a wildcard, as AWS documents.
		re, err := regexp.Compile(*in.LogGroupNamePattern)
		if err != nil {
			return nil, invalidParameter("Invalid logGroupNamePattern: %v", err)
		}
		f.Match = re.MatchString
	}
	groups, next, err := s.listGroups(c, f, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := listLogGroupsOutput{LogGroups: make([]logGroupSummary, 0, len(groups)), NextToken: next}
	for _, g := range groups {
		out.LogGroups = append(out.LogGroups, logGroupSummary{g.Name, store.GroupARN(g.Region, g.Account, g.Name), g.Class})
	}
	return out, nil
}

// listGroups runs a group listing from a pagination token and returns the
// token of the next page ("" at the end).
func (s *Server) listGroups(c *call, f store.GroupFilter, token *string) ([]store.Group, string, error) {
	if token != nil {
		parts, err := decodeListToken(*token, 1)
		if err != nil {
			return nil, "", err
		}
		f.After = parts[0]
	}
	groups, more, err := s.store.ListGroups(c.scope, f)
	if err != nil || !more {
		return groups, "", err
	}
	return groups, encodeListToken(groups[len(groups)-1].Name), nil
}

type putRetentionPolicyInput struct {
	LogGroupName    string `json:"logGroupName"`
	RetentionInDays int32  `json:"retentionInDays"`
}

func (s *Server) putRetentionPolicy(c *call) (any, error) {
	var in putRetentionPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		allowed := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			allowed[i] = strconv.Itoa(int(d))
		}
		return nil, validationError(c.op, []model.Violation{{
			Path: "retentionInDays", Value: "'" + strconv.Itoa(int(in.RetentionInDays)) + "'",
			Message: "Member must satisfy enum value set: [" + strings.Join(allowed, ", ") + "]",
		}})
	}
	return struct{}{}, s.store.SetRetention(c.scope, in.LogGroupName, in.RetentionInDays)
}

func (s *Server) deleteRetentionPolicy(c *call) (any, error) {
	var in logGroupNameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.SetRetention(c.scope, in.LogGroupName, 0)
}

type putLogGroupDeletionProtectionInput struct {
	LogGroupIdentifier        string `json:"logGroupIdentifier"`
	DeletionProtectionEnabled bool   `json:"deletionProtectionEnabled"`
}

func (s *Server) putLogGroupDeletionProtection(c *call) (any, error) {
	var in putLogGroupDeletionProtectionInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := groupFromIdentifier(c.scope, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.SetDeletionProtection(c.scope, name, in.DeletionProtectionEnabled)
}
