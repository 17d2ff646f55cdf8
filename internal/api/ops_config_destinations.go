package api

// Destinations for cross-account subscriptions: PutDestination,
// PutDestinationPolicy, DescribeDestinations, DeleteDestination. Stored and
// validated; nothing is delivered to their targets yet.

import (
	"github.com/logpond/logpond/internal/store"
)

// destinationRecord is the stored destination: the wire shape plus tags.
type destinationRecord struct {
	destination
	Tags map[string]string `json:"tags,omitempty"`
}

type destination struct {
	DestinationName string `json:"destinationName"`
	TargetArn       string `json:"targetArn"`
	RoleArn         string `json:"roleArn"`
	AccessPolicy    string `json:"accessPolicy,omitempty"`
	Arn             string `json:"arn"`
	CreationTime    int64  `json:"creationTime"`
}

type putDestinationInput struct {
	DestinationName string            `json:"destinationName"`
	TargetArn       string            `json:"targetArn"`
	RoleArn         string            `json:"roleArn"`
	Tags            map[string]string `json:"tags"`
}

type destinationOutput struct {
	Destination destination `json:"destination"`
}

func (s *Server) putDestination(c *call) (any, error) {
	var in putDestinationInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if k, _ := destinationKind(in.TargetArn); k != "kinesis" && k != "firehose" {
		return nil, invalidParameter("Invalid targetArn %s: must be the ARN of a Kinesis data stream or a Firehose delivery stream.", in.TargetArn)
	}
	if !isRoleARN(in.RoleArn) {
		return nil, invalidParameter("Invalid roleArn %s: must be the ARN of an IAM role.", in.RoleArn)
	}
	var rec destinationRecord
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindDestination, "", in.DestinationName, &rec)
		if err != nil {
			return err
		}
		if !found {
			rec = destinationRecord{destination: destination{
				DestinationName: in.DestinationName,
				Arn:             configARN(c.scope, "destination", in.DestinationName),
				CreationTime:    s.now(),
			}}
		}
		rec.TargetArn, rec.RoleArn = in.TargetArn, in.RoleArn
		if len(in.Tags) > 0 {
			if rec.Tags == nil {
				rec.Tags = map[string]string{}
			}
			for k, v := range in.Tags {
				rec.Tags[k] = v
			}
			if len(rec.Tags) > store.MaxTags {
				return store.ErrTooManyTags
			}
		}
		return tx.Put(kindDestination, "", in.DestinationName, rec)
	})
	if err != nil {
		return nil, err
	}
	return destinationOutput{rec.destination}, nil
}

type putDestinationPolicyInput struct {
	DestinationName string `json:"destinationName"`
	AccessPolicy    string `json:"accessPolicy"`
	ForceUpdate     bool   `json:"forceUpdate"`
}

var errDestinationNotFound = notFound("The specified destination does not exist.")

func (s *Server) putDestinationPolicy(c *call) (any, error) {
	var in putDestinationPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !isJSONObject(in.AccessPolicy) {
		return nil, invalidParameter("Invalid accessPolicy: the policy must be a JSON IAM policy document.")
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		var rec destinationRecord
		found, err := tx.Get(kindDestination, "", in.DestinationName, &rec)
		if err != nil {
			return err
		}
		if !found {
			return errDestinationNotFound
		}
		rec.AccessPolicy = in.AccessPolicy
		return tx.Put(kindDestination, "", in.DestinationName, rec)
	})
}

type describeDestinationsInput struct {
	DestinationNamePrefix string  `json:"DestinationNamePrefix"`
	NextToken             *string `json:"nextToken"`
	Limit                 *int    `json:"limit"`
}

type describeDestinationsOutput struct {
	Destinations []destination `json:"destinations"`
	NextToken    string        `json:"nextToken,omitempty"`
}

func (s *Server) describeDestinations(c *call) (any, error) {
	var in describeDestinationsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := describeDestinationsOutput{Destinations: []destination{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		q := store.ConfigQuery{Kind: kindDestination, NamePrefix: in.DestinationNamePrefix}
		recs, next, err := page[destinationRecord](tx, q, in.NextToken, limitOr(in.Limit, 50), nil)
		for _, r := range recs {
			out.Destinations = append(out.Destinations, r.destination)
		}
		out.NextToken = next
		return err
	})
	return out, err
}

type deleteDestinationInput struct {
	DestinationName string `json:"destinationName"`
}

func (s *Server) deleteDestination(c *call) (any, error) {
	var in deleteDestinationInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindDestination, "", in.DestinationName)
		if err == nil && !found {
			err = errDestinationNotFound
		}
		return err
	})
}
