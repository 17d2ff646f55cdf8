package api

// Configuration resources: what the ops_config_*.go handlers share. Each
// resource family stores its records in the store's generic configuration
// store (store.UpdateConfig / store.ViewConfig) under one of the kinds
// below; records belonging to a log group use the group's name as parent,
// so that deleting the group deletes them.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/logpond/logpond/internal/store"
)

// Kinds of configuration records. Changing a value orphans stored records.
const (
	kindMetricFilter       = "metricFilter"       // parent: log group
	kindSubscriptionFilter = "subscriptionFilter" // parent: log group
	kindDataProtection     = "dataProtection"     // parent: log group; name ""
	kindIndexPolicy        = "indexPolicy"        // parent: log group; name ""
	kindTransformer        = "transformer"        // parent: log group; name ""
	kindBearerToken        = "bearerToken"        // parent: log group; name ""
	kindGroupPolicy        = "groupPolicy"        // parent: log group; name "" (resource policy of a group)
	kindDestination        = "destination"
	kindResourcePolicy     = "resourcePolicy"
	kindAccountPolicy      = "accountPolicy" // name: policyType \x00 policyName
	kindAnomalyDetector    = "anomalyDetector"
	kindLookupTable        = "lookupTable"
	kindDeliverySource     = "deliverySource"
	kindDeliveryDest       = "deliveryDestination"
	kindDelivery           = "delivery"
	kindScheduledQuery     = "scheduledQuery"
	kindAccountSetting     = "accountSetting" // names: settingStorageTier, settingQueryResultKey
)

const (
	settingStorageTier    = "storageTier"
	settingQueryResultKey = "queryResultKmsKey"
)

// Errors of configuration operations.
func notFound(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ResourceNotFoundException", format, args...)
}

func limitExceeded(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "LimitExceededException", format, args...)
}

func conflict(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ConflictException", format, args...)
}

// errLimit is what CloudWatch Logs answers when a per-group or per-region
// count limit (metric filters, subscription filters, resource policies) is
// reached.
var errLimit = limitExceeded("Resource limit exceeded.")

// badRequest reports a semantic error in c's request in the exception the
// operation uses for invalid input (InvalidParameterException for the older
// operations, ValidationException for the newer).
func badRequest(c *call, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, c.op.ValidationErrorType(), format, args...)
}

// now returns the current time in epoch milliseconds.
func (s *Server) now() int64 { return s.opts.Now().UnixMilli() }

// configARN returns the ARN of a configuration resource of the caller.
func configARN(sc store.Scope, typ, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:%s:%s", sc.Region, sc.Account, typ, name)
}

// configToken encodes a listing position (parent and name of the last
// record returned). Names may contain any character, so the token keeps
// them apart by length rather than by a separator.
func encodeConfigToken(parent, name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("c1:%d:%s%s", len(parent), parent, name)))
}

func decodeConfigToken(tok string) (parent, name string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", "", errInvalidToken
	}
	rest, ok := strings.CutPrefix(string(b), "c1:")
	if !ok {
		return "", "", errInvalidToken
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return "", "", errInvalidToken
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil || n < 0 || n > len(rest)-i-1 {
		return "", "", errInvalidToken
	}
	rest = rest[i+1:]
	return rest[:n], rest[n:], nil
}

// page lists up to limit records of q, resuming after token (nil: from the
// start), keeping those for which keep (nil: all) returns true. It returns
// the decoded records and the token of the next page ("" at the end).
func page[T any](tx *store.ConfigTx, q store.ConfigQuery, token *string, limit int, keep func(*T) bool) ([]T, string, error) {
	if token != nil {
		p, n, err := decodeConfigToken(*token)
		if err != nil {
			return nil, "", err
		}
		q.AfterParent, q.After = p, n
	}
	var (
		out              []T
		lastParent, last string
		more             bool
	)
	err := tx.List(q, func(it store.ConfigItem) (bool, error) {
		var v T
		if err := it.Decode(&v); err != nil {
			return false, err
		}
		if keep != nil && !keep(&v) {
			return true, nil
		}
		if limit > 0 && len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, v)
		lastParent, last = it.Parent, it.Name
		return true, nil
	})
	if err != nil || !more {
		return out, "", err
	}
	return out, encodeConfigToken(lastParent, last), nil
}

// limitOr returns *p, or def when p is nil.
func limitOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// groupForConfig resolves a log group name or ARN of the caller (in a
// configuration transaction) and checks that the group exists.
func groupForConfig(tx *store.ConfigTx, sc store.Scope, identifier string) (string, error) {
	name, err := groupFromIdentifier(sc, identifier)
	if err != nil {
		return "", err
	}
	if !tx.GroupExists(name) {
		return "", errGroupNotFound
	}
	return name, nil
}

// isJSONObject reports whether s is a JSON object (policy documents).
func isJSONObject(s string) bool {
	var v map[string]any
	return json.Unmarshal([]byte(s), &v) == nil
}

// Tags of configuration resources. Records that can carry tags store them
// in a "tags" member; taggable names the ARN resource types that TagResource,
// UntagResource and ListTagsForResource accept besides log groups.
var taggable = map[string]string{
	"destination":          kindDestination,
	"delivery-source":      kindDeliverySource,
	"delivery-destination": kindDeliveryDest,
	"delivery":             kindDelivery,
	"anomaly-detector":     kindAnomalyDetector,
	"lookup-table":         kindLookupTable,
	"scheduled-query":      kindScheduledQuery,
}

// configTags serves TagResource (add), UntagResource (remove) and
// ListTagsForResource (neither) for configuration resources. handled is
// false for log-group ARNs (and unparsable ones), which the caller serves.
func (s *Server) configTags(c *call, resourceArn string, add map[string]string, remove []string) (out any, handled bool, err error) {
	a, err := parseARN(resourceArn)
	if err != nil || a.kind == "log-group" {
		return nil, false, nil
	}
	kind, ok := taggable[a.kind]
	if !ok {
		return nil, true, notFound("The specified resource does not exist.")
	}
	if a.account != c.scope.Account || a.region != c.scope.Region {
		return nil, true, notFound("The specified resource does not exist.")
	}
	var tags map[string]string
	update := func(tx *store.ConfigTx) error {
		var rec map[string]json.RawMessage
		found, err := tx.Get(kind, "", a.name, &rec)
		if err != nil {
			return err
		}
		if !found {
			return notFound("The specified resource does not exist.")
		}
		tags = map[string]string{}
		if raw, ok := rec["tags"]; ok {
			if err := json.Unmarshal(raw, &tags); err != nil {
				return err
			}
		}
		if add == nil && remove == nil {
			return nil
		}
		for k, v := range add {
			tags[k] = v
		}
		for _, k := range remove {
			delete(tags, k)
		}
		if len(tags) > store.MaxTags {
			return store.ErrTooManyTags
		}
		raw, err := json.Marshal(tags)
		if err != nil {
			return err
		}
		rec["tags"] = raw
		return tx.Put(kind, "", a.name, rec)
	}
	if add == nil && remove == nil {
		err = s.store.ViewConfig(c.scope, update)
		return tagsOutput{tags}, true, err
	}
	return struct{}{}, true, s.store.UpdateConfig(c.scope, update)
}

// unsupported is the answer of an operation that logpond cannot honour
// because it needs something logpond does not have (another AWS service, a
// data source it does not produce). It uses the most fitting exception the
// operation declares: InvalidOperationException, else ValidationException,
// else InvalidParameterException. why completes "logpond cannot ...".
func unsupported(c *call, why string) *Error {
	typ := "InvalidParameterException"
	switch {
	case c.op.HasError("InvalidOperationException"):
		typ = "InvalidOperationException"
	case c.op.HasError("ValidationException"):
		typ = "ValidationException"
	}
	return errorf(http.StatusBadRequest, typ, "%s is not supported by logpond: %s", c.op.Name, why)
}

// keptCreationTime returns the creationTime a put of (kind, parent, name)
// records: the stored record's when it replaces one, else now; a new record
// must fit under limit records per parent (errLimit otherwise).
func (s *Server) keptCreationTime(tx *store.ConfigTx, kind, parent, name string, limit int, errLimit error) (int64, error) {
	var old struct {
		CreationTime int64 `json:"creationTime"`
	}
	found, err := tx.Get(kind, parent, name, &old)
	if err != nil {
		return 0, err
	}
	if found {
		return old.CreationTime, nil
	}
	if tx.Count(kind, parent) >= limit {
		return 0, errLimit
	}
	return s.now(), nil
}
