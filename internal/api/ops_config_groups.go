package api

// Settings of log groups and of the account that are configuration only:
// what DescribeLogGroups reports from configuration records (decorateGroups),
// KMS key association (AssociateKmsKey, DisassociateKmsKey: recorded and
// reported as kmsKeyId; logpond does not encrypt with KMS), bearer-token
// authentication (PutBearerTokenAuthentication: a flag reported by
// DescribeLogGroups), and the storage tier (Get/PutStorageTierPolicy).

import (
	"strings"

	"github.com/logpond/logpond/internal/store"
)

type kmsKeyInput struct {
	LogGroupName       *string `json:"logGroupName"`
	KmsKeyID           string  `json:"kmsKeyId"`
	ResourceIdentifier *string `json:"resourceIdentifier"`
}

// kmsTarget resolves the log group (or, for the query-result resource, "")
// that AssociateKmsKey and DisassociateKmsKey act on.
func kmsTarget(c *call, in kmsKeyInput) (group string, queryResults bool, err error) {
	switch {
	case in.LogGroupName != nil && in.ResourceIdentifier != nil:
		return "", false, invalidParameter("logGroupName and resourceIdentifier are mutually exclusive parameters.")
	case in.LogGroupName != nil:
		return *in.LogGroupName, false, nil
	case in.ResourceIdentifier == nil:
		return "", false, invalidParameter("Either logGroupName or resourceIdentifier must be specified.")
	}
	id := *in.ResourceIdentifier
	if a, err := parseARN(id); err == nil && a.kind == "query-result" {
		if a.account != c.scope.Account || a.region != c.scope.Region {
			return "", false, notFound("The specified resource does not exist.")
		}
		return "", true, nil
	}
	name, err := groupFromIdentifier(c.scope, id)
	if err != nil {
		return "", false, err
	}
	if !strings.HasPrefix(id, "arn:") {
		return "", false, invalidParameter("Invalid resourceIdentifier %s: must be a log group ARN or arn:aws:logs:REGION:ACCOUNT:query-result:*.", id)
	}
	return name, false, nil
}

// isKmsKeyARN reports whether s looks like a KMS key ARN
// (arn:aws:kms:REGION:ACCOUNT:key/ID).
func isKmsKeyARN(s string) bool {
	a, ok := parseAWSARN(s)
	return ok && a.service == "kms" && a.region != "" && isAccountID(a.account) &&
		strings.HasPrefix(a.resource, "key/") && len(a.resource) > len("key/")
}

func (s *Server) associateKmsKey(c *call) (any, error) {
	var in kmsKeyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !isKmsKeyARN(in.KmsKeyID) {
		return nil, invalidParameter("Specified KMS key %s is not valid: it must be the ARN of a KMS key.", in.KmsKeyID)
	}
	return s.setKmsKey(c, in, in.KmsKeyID)
}

func (s *Server) disassociateKmsKey(c *call) (any, error) {
	var in kmsKeyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return s.setKmsKey(c, in, "")
}

func (s *Server) setKmsKey(c *call, in kmsKeyInput, key string) (any, error) {
	group, queryResults, err := kmsTarget(c, in)
	if err != nil {
		return nil, err
	}
	if !queryResults {
		return struct{}{}, s.store.SetKmsKey(c.scope, group, key)
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if key == "" {
			_, err := tx.Delete(kindAccountSetting, "", settingQueryResultKey)
			return err
		}
		return tx.Put(kindAccountSetting, "", settingQueryResultKey, key)
	})
}

type putBearerTokenInput struct {
	LogGroupIdentifier               string `json:"logGroupIdentifier"`
	BearerTokenAuthenticationEnabled bool   `json:"bearerTokenAuthenticationEnabled"`
}

func (s *Server) putBearerTokenAuthentication(c *call) (any, error) {
	var in putBearerTokenInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		name, err := groupForConfig(tx, c.scope, in.LogGroupIdentifier)
		if err != nil {
			return err
		}
		return tx.Put(kindBearerToken, name, "", in.BearerTokenAuthenticationEnabled)
	})
}

type storageTierPolicy struct {
	StorageTier     string `json:"storageTier"`
	LastUpdatedTime int64  `json:"lastUpdatedTime,omitempty"`
}

func (s *Server) getStorageTierPolicy(c *call) (any, error) {
	var in struct{}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p := storageTierPolicy{StorageTier: "STANDARD"}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		_, err := tx.Get(kindAccountSetting, "", settingStorageTier, &p)
		return err
	})
	return p, err
}

func (s *Server) putStorageTierPolicy(c *call) (any, error) {
	var in storageTierPolicy
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	in.LastUpdatedTime = s.now()
	return in, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		return tx.Put(kindAccountSetting, "", settingStorageTier, in)
	})
}

// decorateGroups fills in what DescribeLogGroups reports from configuration
// records: metricFilterCount, dataProtectionStatus and
// bearerTokenAuthenticationEnabled. Brief entries (those without
// metricFilterCount) are left alone.
func (s *Server) decorateGroups(c *call, groups []logGroupOutput) error {
	return s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		for i := range groups {
			g := &groups[i]
			if g.MetricFilterCount == nil {
				continue
			}
			n := tx.Count(kindMetricFilter, g.LogGroupName)
			g.MetricFilterCount = &n
			if tx.Exists(kindDataProtection, g.LogGroupName, "") {
				g.DataProtectionStatus = "ACTIVATED"
			}
			var on bool
			if _, err := tx.Get(kindBearerToken, g.LogGroupName, "", &on); err != nil {
				return err
			}
			g.BearerTokenAuthenticationEnabled = &on
		}
		return nil
	})
}
