package api

// Policies stored as configuration: resource policies (account-wide, at
// most 10 per region, or one per log group), data-protection policies of
// log groups and account policies. logpond records them and returns them
// exactly; it does not enforce or apply them.

import (
	"net/http"
	"slices"

	"github.com/logpond/logpond/internal/store"
)

const maxResourcePolicies = 10 // account-scoped, per region

type resourcePolicy struct {
	PolicyName      string `json:"policyName,omitempty"`
	PolicyDocument  string `json:"policyDocument"`
	LastUpdatedTime int64  `json:"lastUpdatedTime"`
	PolicyScope     string `json:"policyScope"`
	ResourceArn     string `json:"resourceArn,omitempty"`
	RevisionID      string `json:"revisionId"`
}

type putResourcePolicyInput struct {
	PolicyName         string  `json:"policyName"`
	PolicyDocument     string  `json:"policyDocument"`
	ResourceArn        string  `json:"resourceArn"`
	ExpectedRevisionID *string `json:"expectedRevisionId"`
}

type putResourcePolicyOutput struct {
	ResourcePolicy resourcePolicy `json:"resourcePolicy"`
	RevisionID     string         `json:"revisionId"`
}

var errRevisionMismatch = errorf(http.StatusBadRequest, "OperationAbortedException", "The expectedRevisionId does not match the policy's current revisionId.")

// policyKey returns where a resource policy is stored: in the log group
// named by resourceArn, or account-wide under its name.
func policyKey(c *call, tx *store.ConfigTx, name, resourceArn string) (kind, parent, key string, err error) {
	if resourceArn == "" {
		if name == "" {
			return "", "", "", invalidParameter("policyName is required when resourceArn is not specified.")
		}
		return kindResourcePolicy, "", name, nil
	}
	a, err := parseARN(resourceArn)
	if err != nil || a.kind != "log-group" {
		return "", "", "", invalidParameter("Invalid resourceArn %s: resource policies can be attached only to log groups.", resourceArn)
	}
	if a.account != c.scope.Account || a.region != c.scope.Region || !tx.GroupExists(a.name) {
		return "", "", "", errGroupNotFound
	}
	return kindGroupPolicy, a.name, "", nil
}

func (s *Server) putResourcePolicy(c *call) (any, error) {
	var in putResourcePolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.PolicyDocument == "" {
		return nil, invalidParameter("policyDocument is required.")
	}
	if !isJSONObject(in.PolicyDocument) {
		return nil, invalidParameter("Invalid policyDocument: the policy must be a JSON IAM policy document.")
	}
	var out putResourcePolicyOutput
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		kind, parent, key, err := policyKey(c, tx, in.PolicyName, in.ResourceArn)
		if err != nil {
			return err
		}
		var old resourcePolicy
		found, err := tx.Get(kind, parent, key, &old)
		if err != nil {
			return err
		}
		if in.ExpectedRevisionID != nil && (!found || old.RevisionID != *in.ExpectedRevisionID) {
			return errRevisionMismatch
		}
		if !found && kind == kindResourcePolicy && tx.Count(kindResourcePolicy, "") >= maxResourcePolicies {
			return errLimit
		}
		p := resourcePolicy{
			PolicyName: in.PolicyName, PolicyDocument: in.PolicyDocument, LastUpdatedTime: s.now(),
			PolicyScope: "ACCOUNT", RevisionID: newRequestID(),
		}
		if kind == kindGroupPolicy {
			p.PolicyScope, p.ResourceArn = "RESOURCE", in.ResourceArn
		}
		out = putResourcePolicyOutput{p, p.RevisionID}
		return tx.Put(kind, parent, key, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type describeResourcePoliciesInput struct {
	NextToken   *string `json:"nextToken"`
	Limit       *int    `json:"limit"`
	ResourceArn string  `json:"resourceArn"`
	PolicyScope string  `json:"policyScope"`
}

type describeResourcePoliciesOutput struct {
	ResourcePolicies []resourcePolicy `json:"resourcePolicies"`
	NextToken        string           `json:"nextToken,omitempty"`
}

func (s *Server) describeResourcePolicies(c *call) (any, error) {
	var in describeResourcePoliciesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := describeResourcePoliciesOutput{ResourcePolicies: []resourcePolicy{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		var q store.ConfigQuery
		switch {
		case in.ResourceArn != "":
			kind, parent, _, err := policyKey(c, tx, "", in.ResourceArn)
			if err != nil {
				return err
			}
			q = store.ConfigQuery{Kind: kind, Parent: parent}
		case in.PolicyScope == "RESOURCE":
			q = store.ConfigQuery{Kind: kindGroupPolicy, AnyParent: true}
		default:
			q = store.ConfigQuery{Kind: kindResourcePolicy}
		}
		ps, next, err := page[resourcePolicy](tx, q, in.NextToken, limitOr(in.Limit, 50), nil)
		if ps != nil {
			out.ResourcePolicies = ps
		}
		out.NextToken = next
		return err
	})
	return out, err
}

type deleteResourcePolicyInput struct {
	PolicyName         string  `json:"policyName"`
	ResourceArn        string  `json:"resourceArn"`
	ExpectedRevisionID *string `json:"expectedRevisionId"`
}

func (s *Server) deleteResourcePolicy(c *call) (any, error) {
	var in deleteResourcePolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		kind, parent, key, err := policyKey(c, tx, in.PolicyName, in.ResourceArn)
		if err != nil {
			return err
		}
		var old resourcePolicy
		found, err := tx.Get(kind, parent, key, &old)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Policy with name [%s] does not exist", in.PolicyName)
		}
		if in.ExpectedRevisionID != nil && old.RevisionID != *in.ExpectedRevisionID {
			return errRevisionMismatch
		}
		_, err = tx.Delete(kind, parent, key)
		return err
	})
}

// Data-protection policies of log groups.

type dataProtectionPolicy struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	PolicyDocument     string `json:"policyDocument,omitempty"`
	LastUpdatedTime    int64  `json:"lastUpdatedTime,omitempty"`
}

type logGroupIdentifierInput struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
}

func (s *Server) putDataProtectionPolicy(c *call) (any, error) {
	var in dataProtectionPolicy
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !isJSONObject(in.PolicyDocument) {
		return nil, invalidParameter("Invalid policyDocument: a data protection policy must be a JSON document.")
	}
	in.LastUpdatedTime = s.now()
	return in, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := groupForConfig(tx, c.scope, in.LogGroupIdentifier)
		if err != nil {
			return err
		}
		return tx.Put(kindDataProtection, name, "", in)
	})
}

func (s *Server) getDataProtectionPolicy(c *call) (any, error) {
	var in logGroupIdentifierInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := dataProtectionPolicy{LogGroupIdentifier: in.LogGroupIdentifier}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := groupForConfig(tx, c.scope, in.LogGroupIdentifier)
		if err != nil {
			return err
		}
		var p dataProtectionPolicy
		found, err := tx.Get(kindDataProtection, name, "", &p)
		if found {
			out.PolicyDocument, out.LastUpdatedTime = p.PolicyDocument, p.LastUpdatedTime
		}
		return err
	})
	return out, err
}

func (s *Server) deleteDataProtectionPolicy(c *call) (any, error) {
	var in logGroupIdentifierInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteGroupRecord(c, kindDataProtection, in.LogGroupIdentifier, "The specified log group has no data protection policy.")
}

// deleteGroupRecord deletes the single record of kind that a log group may
// have; ResourceNotFoundException with msg if there is none.
func (s *Server) deleteGroupRecord(c *call, kind, identifier, msg string) error {
	return s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := groupForConfig(tx, c.scope, identifier)
		if err != nil {
			return err
		}
		found, err := tx.Delete(kind, name, "")
		if err == nil && !found {
			err = notFound("%s", msg)
		}
		return err
	})
}

// Account policies.

// accountPolicyLimits are the number of account policies of each type a
// region may have.
var accountPolicyLimits = map[string]int{
	"DATA_PROTECTION_POLICY":     1,
	"SUBSCRIPTION_FILTER_POLICY": 1,
	"FIELD_INDEX_POLICY":         40,
	"TRANSFORMER_POLICY":         20,
	"METRIC_EXTRACTION_POLICY":   5,
}

type accountPolicy struct {
	PolicyName        string `json:"policyName"`
	PolicyDocument    string `json:"policyDocument"`
	LastUpdatedTime   int64  `json:"lastUpdatedTime"`
	PolicyType        string `json:"policyType"`
	Scope             string `json:"scope,omitempty"`
	SelectionCriteria string `json:"selectionCriteria,omitempty"`
	AccountID         string `json:"accountId"`
}

func (s *Server) putAccountPolicy(c *call) (any, error) {
	var in accountPolicy
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.PolicyName == "" {
		return nil, invalidParameter("policyName must not be empty.")
	}
	if !isJSONObject(in.PolicyDocument) {
		return nil, invalidParameter("Invalid policyDocument: an account policy must be a JSON document.")
	}
	if in.Scope == "" {
		in.Scope = "ALL"
	}
	in.LastUpdatedTime, in.AccountID = s.now(), c.scope.Account
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		key := in.PolicyType + "\x00" + in.PolicyName
		if !tx.Exists(kindAccountPolicy, "", key) {
			n := 0
			tx.List(store.ConfigQuery{Kind: kindAccountPolicy, NamePrefix: in.PolicyType + "\x00"}, func(store.ConfigItem) (bool, error) {
				n++
				return true, nil
			})
			if n >= accountPolicyLimits[in.PolicyType] {
				return limitExceeded("An account can have at most %d %s policies.", accountPolicyLimits[in.PolicyType], in.PolicyType)
			}
		}
		return tx.Put(kindAccountPolicy, "", key, in)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		AccountPolicy accountPolicy `json:"accountPolicy"`
	}{in}, nil
}

type describeAccountPoliciesInput struct {
	PolicyType         string   `json:"policyType"`
	PolicyName         *string  `json:"policyName"`
	AccountIdentifiers []string `json:"accountIdentifiers"`
	NextToken          *string  `json:"nextToken"`
}

type describeAccountPoliciesOutput struct {
	AccountPolicies []accountPolicy `json:"accountPolicies"`
	NextToken       string          `json:"nextToken,omitempty"`
}

func (s *Server) describeAccountPolicies(c *call) (any, error) {
	var in describeAccountPoliciesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := describeAccountPoliciesOutput{AccountPolicies: []accountPolicy{}}
	if len(in.AccountIdentifiers) > 0 && !slices.Contains(in.AccountIdentifiers, c.scope.Account) {
		return out, nil // other accounts' policies are not visible here
	}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		q := store.ConfigQuery{Kind: kindAccountPolicy, NamePrefix: in.PolicyType + "\x00"}
		keep := func(p *accountPolicy) bool { return in.PolicyName == nil || p.PolicyName == *in.PolicyName }
		ps, next, err := page(tx, q, in.NextToken, 50, keep)
		if ps != nil {
			out.AccountPolicies = ps
		}
		out.NextToken = next
		return err
	})
	return out, err
}

type deleteAccountPolicyInput struct {
	PolicyName string `json:"policyName"`
	PolicyType string `json:"policyType"`
}

func (s *Server) deleteAccountPolicy(c *call) (any, error) {
	var in deleteAccountPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindAccountPolicy, "", in.PolicyType+"\x00"+in.PolicyName)
		if err == nil && !found {
			err = notFound("Policy with name [%s] does not exist", in.PolicyName)
		}
		return err
	})
}
