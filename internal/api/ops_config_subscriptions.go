package api

// Subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters,
// DeleteSubscriptionFilter. Filters are stored and validated exactly; the
// delivery of matching events to their destinations is a later issue
// (docs/api-coverage.md).

import (
	"strings"

	"github.com/logpond/logpond/internal/store"
)

const maxSubscriptionFilters = 2 // per log group

// subscriptionFilter is both the stored record and the wire shape.
type subscriptionFilter struct {
	FilterName             string   `json:"filterName"`
	LogGroupName           string   `json:"logGroupName"`
	FilterPattern          string   `json:"filterPattern"`
	DestinationArn         string   `json:"destinationArn"`
	RoleArn                string   `json:"roleArn,omitempty"`
	Distribution           string   `json:"distribution"`
	ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
	CreationTime           int64    `json:"creationTime"`
	FieldSelectionCriteria *string  `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFields       []string `json:"emitSystemFields,omitempty"`
}

type putSubscriptionFilterInput struct {
	LogGroupName           string   `json:"logGroupName"`
	FilterName             string   `json:"filterName"`
	FilterPattern          string   `json:"filterPattern"`
	DestinationArn         string   `json:"destinationArn"`
	RoleArn                string   `json:"roleArn"`
	Distribution           string   `json:"distribution"`
	ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria *string  `json:"fieldSelectionCriteria"`
	EmitSystemFields       []string `json:"emitSystemFields"`
}

// awsARN is a generic ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type awsARN struct {
	service, region, account, resource string
}

func parseAWSARN(s string) (awsARN, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" || !strings.HasPrefix(p[1], "aws") || p[2] == "" || p[5] == "" {
		return awsARN{}, false
	}
	return awsARN{service: p[2], region: p[3], account: p[4], resource: p[5]}, true
}

// isRoleARN reports whether s is an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME.
func isRoleARN(s string) bool {
	a, ok := parseAWSARN(s)
	return ok && a.service == "iam" && a.region == "" && isAccountID(a.account) &&
		strings.HasPrefix(a.resource, "role/") && len(a.resource) > len("role/")
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// destinationKind classifies a subscription destination ARN: "kinesis",
// "firehose", "lambda" or "logs" (a destination made with PutDestination);
// "" if the ARN is none of these.
func destinationKind(s string) (kind string, a awsARN) {
	a, ok := parseAWSARN(s)
	if !ok || a.region == "" || !isAccountID(a.account) {
		return "", a
	}
	switch {
	case a.service == "kinesis" && strings.HasPrefix(a.resource, "stream/") && len(a.resource) > 7:
		return "kinesis", a
	case a.service == "firehose" && strings.HasPrefix(a.resource, "deliverystream/") && len(a.resource) > 15:
		return "firehose", a
	case a.service == "lambda" && strings.HasPrefix(a.resource, "function:") && len(a.resource) > 9:
		return "lambda", a
	case a.service == "logs" && strings.HasPrefix(a.resource, "destination:") && len(a.resource) > 12:
		return "logs", a
	}
	return "", a
}

func (s *Server) putSubscriptionFilter(c *call) (any, error) {
	var in putSubscriptionFilterInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parsePattern(in.FilterPattern); err != nil {
		return nil, err
	}
	kind, dest := destinationKind(in.DestinationArn)
	switch {
	case kind == "":
		return nil, invalidParameter("Invalid destinationArn %s: must be the ARN of a Kinesis data stream, a Firehose delivery stream, a Lambda function or a CloudWatch Logs destination.", in.DestinationArn)
	case in.RoleArn != "" && !isRoleARN(in.RoleArn):
		return nil, invalidParameter("Invalid roleArn %s: must be the ARN of an IAM role.", in.RoleArn)
	case in.RoleArn == "" && (kind == "kinesis" || kind == "firehose"):
		return nil, invalidParameter("A roleArn is required to deliver to %s.", in.DestinationArn)
	case kind != "kinesis" && kind != "logs" && in.Distribution != "":
		return nil, invalidParameter("distribution applies only to Kinesis data streams.")
	}
	for _, f := range in.EmitSystemFields {
		if f != "@aws.account" && f != "@aws.region" && f != "@source.log" {
			return nil, invalidParameter("Invalid system field %q: must be @aws.account, @aws.region or @source.log.", f)
		}
	}
	if in.Distribution == "" {
		in.Distribution = "ByLogStream"
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.GroupExists(in.LogGroupName) {
			return errGroupNotFound
		}
		if kind == "logs" && dest.account == c.scope.Account && dest.region == c.scope.Region &&
			!tx.Exists(kindDestination, "", strings.TrimPrefix(dest.resource, "destination:")) {
			return notFound("The specified destination does not exist.")
		}
		created, err := s.keptCreationTime(tx, kindSubscriptionFilter, in.LogGroupName, in.FilterName, maxSubscriptionFilters, errLimit)
		if err != nil {
			return err
		}
		return tx.Put(kindSubscriptionFilter, in.LogGroupName, in.FilterName, subscriptionFilter{
			FilterName:             in.FilterName,
			LogGroupName:           in.LogGroupName,
			FilterPattern:          in.FilterPattern,
			DestinationArn:         in.DestinationArn,
			RoleArn:                in.RoleArn,
			Distribution:           in.Distribution,
			ApplyOnTransformedLogs: in.ApplyOnTransformedLogs,
			CreationTime:           created,
			FieldSelectionCriteria: in.FieldSelectionCriteria,
			EmitSystemFields:       in.EmitSystemFields,
		})
	})
}

type describeSubscriptionFiltersInput struct {
	LogGroupName     string  `json:"logGroupName"`
	FilterNamePrefix string  `json:"filterNamePrefix"`
	NextToken        *string `json:"nextToken"`
	Limit            *int    `json:"limit"`
}

type describeSubscriptionFiltersOutput struct {
	SubscriptionFilters []subscriptionFilter `json:"subscriptionFilters"`
	NextToken           string               `json:"nextToken,omitempty"`
}

func (s *Server) describeSubscriptionFilters(c *call) (any, error) {
	var in describeSubscriptionFiltersInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := describeSubscriptionFiltersOutput{SubscriptionFilters: []subscriptionFilter{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.GroupExists(in.LogGroupName) {
			return errGroupNotFound
		}
		q := store.ConfigQuery{Kind: kindSubscriptionFilter, Parent: in.LogGroupName, NamePrefix: in.FilterNamePrefix}
		fs, next, err := page[subscriptionFilter](tx, q, in.NextToken, limitOr(in.Limit, 50), nil)
		if fs != nil {
			out.SubscriptionFilters = fs
		}
		out.NextToken = next
		return err
	})
	return out, err
}

func (s *Server) deleteSubscriptionFilter(c *call) (any, error) {
	var in deleteFilterInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteFilterRecord(c, kindSubscriptionFilter, in, "The specified subscription filter does not exist.")
}
