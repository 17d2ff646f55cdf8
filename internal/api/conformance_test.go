package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/server"
)

// The conformance suite drives every operation of the service model with
// requests generated from the model: a minimal valid request (required
// members filled with values that satisfy their constraints, the resources
// it names created first) must succeed, or fail as docs/api-coverage.md
// documents; and requests made invalid in one member (missing, too long,
// not matching the pattern, not in the enum) must fail with the operation's
// validation exception and AWS's exact message.

const (
	confAccount = "000000000000"
	confGroup   = "conf-group"
	confARN     = "arn:aws:logs:us-east-1:" + confAccount + ":"
	roleARN     = "arn:aws:iam::" + confAccount + ":role/conf"
	kinesisARN  = "arn:aws:kinesis:us-east-1:" + confAccount + ":stream/conf"
	kmsKeyARN   = "arn:aws:kms:us-east-1:" + confAccount + ":key/conf"
)

// confServer is an in-process server (no authentication: every request is
// account 000000000000 in us-east-1) with the resources that minimal
// requests name.
type confServer struct {
	t    *testing.T
	h    http.Handler
	vars map[string]string // IDs of resources created by setup
}

type response struct {
	status  int
	typ     string
	message string
	body    map[string]any
}

func (r response) String() string {
	if r.typ != "" {
		return fmt.Sprintf("%d %s: %s", r.status, r.typ, r.message)
	}
	return fmt.Sprintf("%d %v", r.status, r.body)
}

// post sends one request and decodes the answer.
func post(h http.Handler, op string, body any) response {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	// A successful StartLiveTail streams until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := response{status: rec.Code}
	json.Unmarshal(rec.Body.Bytes(), &r.body)
	if rec.Code != http.StatusOK {
		r.typ, _ = r.body["__type"].(string)
		r.message, _ = r.body["message"].(string)
	}
	return r
}

func startConf(t *testing.T) *confServer {
	t.Helper()
	srv, err := server.Open(server.Options{DataDir: t.TempDir(), NoAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &confServer{t: t, h: srv.Handler(), vars: map[string]string{}}
}

// must sends a request that has to succeed and returns its answer.
func (s *confServer) must(op string, body any) map[string]any {
	s.t.Helper()
	r := post(s.h, op, body)
	if r.status != http.StatusOK {
		s.t.Fatalf("setup %s %v: %v", op, body, r)
	}
	return r.body
}

// setup creates one resource of each kind that minimal requests name.
func (s *confServer) setup() {
	g := map[string]any{"logGroupName": confGroup}
	s.must("CreateLogGroup", g)
	s.must("CreateLogStream", map[string]any{"logGroupName": confGroup, "logStreamName": "conf-stream"})
	s.must("PutMetricFilter", map[string]any{"logGroupName": confGroup, "filterName": "conf-mf", "filterPattern": "",
		"metricTransformations": []any{map[string]any{"metricName": "m", "metricNamespace": "ns", "metricValue": "1"}}})
	s.must("PutSubscriptionFilter", map[string]any{"logGroupName": confGroup, "filterName": "conf-sf", "filterPattern": "",
		"destinationArn": kinesisARN, "roleArn": roleARN})
	s.must("PutDestination", map[string]any{"destinationName": "conf-dest", "targetArn": kinesisARN, "roleArn": roleARN})
	s.must("PutResourcePolicy", map[string]any{"policyName": "conf-rp", "policyDocument": "{}"})
	s.must("PutDataProtectionPolicy", map[string]any{"logGroupIdentifier": confGroup, "policyDocument": "{}"})
	s.must("PutAccountPolicy", map[string]any{"policyName": "conf-ap", "policyDocument": "{}", "policyType": "DATA_PROTECTION_POLICY"})
	s.must("PutIndexPolicy", map[string]any{"logGroupIdentifier": confGroup, "policyDocument": `{"Fields":["a"]}`})
	s.must("PutTransformer", map[string]any{"logGroupIdentifier": confGroup, "transformerConfig": []any{map[string]any{"parseJSON": map[string]any{}}}})
	out := s.must("CreateLogAnomalyDetector", map[string]any{"logGroupArnList": []any{confARN + "log-group:" + confGroup}})
	s.vars["anomalyDetectorArn"] = out["anomalyDetectorArn"].(string)
	out = s.must("CreateLookupTable", map[string]any{"lookupTableName": "conf_table", "tableBody": "a,b\n1,2\n"})
	s.vars["lookupTableArn"] = out["lookupTableArn"].(string)
	for _, n := range []string{"conf-src", "conf-src2"} {
		s.must("PutDeliverySource", map[string]any{"name": n, "resourceArn": confARN + "log-group:" + confGroup, "logType": "APPLICATION_LOGS"})
	}
	for _, n := range []string{"conf-ddest", "conf-ddest2"} {
		s.must("PutDeliveryDestination", map[string]any{"name": n,
			"deliveryDestinationConfiguration": map[string]any{"destinationResourceArn": confARN + "log-group:" + confGroup}})
	}
	s.must("PutDeliveryDestinationPolicy", map[string]any{"deliveryDestinationName": "conf-ddest", "deliveryDestinationPolicy": "{}"})
	out = s.must("CreateDelivery", map[string]any{"deliverySourceName": "conf-src", "deliveryDestinationArn": confARN + "delivery-destination:conf-ddest"})
	s.vars["deliveryId"] = out["delivery"].(map[string]any)["id"].(string)
	s.must("CreateScheduledQuery", map[string]any{"name": "conf-sq", "queryLanguage": "CWLI", "queryString": "fields @message",
		"scheduleExpression": "rate(1 hour)", "executionRoleArn": roleARN})
}

// memberValues are the values of members, by name, wherever they occur,
// chosen to name the resources setup creates. Values "$name" are taken
// from confServer.vars.
var memberValues = map[string]any{
	"logGroupName":              confGroup,
	"logGroupIdentifier":        confGroup,
	"logGroupIdentifiers":       []any{confGroup},
	"logStreamName":             "conf-stream",
	"logGroupArnList":           []any{confARN + "log-group:" + confGroup},
	"resourceArn":               confARN + "log-group:" + confGroup,
	"destinationArn":            kinesisARN,
	"targetArn":                 kinesisARN,
	"roleArn":                   roleARN,
	"executionRoleArn":          roleARN,
	"importRoleArn":             roleARN,
	"destinationName":           "conf-dest",
	"policyDocument":            "{}",
	"accessPolicy":              "{}",
	"metricValue":               "1",
	"kmsKeyId":                  kmsKeyARN,
	"anomalyDetectorArn":        "$anomalyDetectorArn",
	"lookupTableArn":            "$lookupTableArn",
	"lookupTableName":           "conf_table",
	"tableBody":                 "a,b\n1,2\n",
	"deliverySourceName":        "conf-src",
	"deliveryDestinationArn":    confARN + "delivery-destination:conf-ddest",
	"deliveryDestinationName":   "conf-ddest",
	"deliveryDestinationPolicy": "{}",
	"id":                        "$deliveryId",
	"identifier":                "conf-sq",
	"scheduleExpression":        "rate(1 hour)",
	"transformerConfig":         []any{map[string]any{"parseJSON": map[string]any{}}},
	"tags":                      map[string]any{"k": "v"},
	"tagKeys":                   []any{"k"},
	"logType":                   "APPLICATION_LOGS",
}

// opValues adjust the minimal request of one operation: members to set
// (including optional ones its semantics need) beyond memberValues.
var opValues = map[string]map[string]any{
	"CreateLogGroup":            {"logGroupName": "new-group"},
	"CreateLogStream":           {"logStreamName": "new-stream"},
	"DescribeLogStreams":        {"logGroupName": confGroup},
	"GetLogEvents":              {"logGroupName": confGroup},
	"FilterLogEvents":           {"logGroupName": confGroup},
	"PutSubscriptionFilter":     {"roleArn": roleARN},
	"DeleteMetricFilter":        {"filterName": "conf-mf"},
	"DeleteSubscriptionFilter":  {"filterName": "conf-sf"},
	"PutResourcePolicy":         {"policyName": "p", "policyDocument": "{}"},
	"DeleteResourcePolicy":      {"policyName": "conf-rp"},
	"DeleteAccountPolicy":       {"policyName": "conf-ap"},
	"PutIndexPolicy":            {"policyDocument": `{"Fields":["b"]}`},
	"AssociateKmsKey":           {"logGroupName": confGroup},
	"DisassociateKmsKey":        {"logGroupName": confGroup},
	"PutDeliverySource":         {"name": "new-src"},
	"GetDeliverySource":         {"name": "conf-src"},
	"DeleteDeliverySource":      {"name": "conf-src2"},
	"PutDeliveryDestination":    {"name": "new-ddest", "deliveryDestinationConfiguration": map[string]any{"destinationResourceArn": "arn:aws:s3:::conf-bucket"}},
	"GetDeliveryDestination":    {"name": "conf-ddest"},
	"DeleteDeliveryDestination": {"name": "conf-ddest2"},
	"CreateDelivery":            {"deliverySourceName": "conf-src2"},
	"CreateLookupTable":         {"lookupTableName": "new_table", "tableBody": "a,b\n1,2\n"},
	"PutAccountPolicy":          {"policyType": "FIELD_INDEX_POLICY"},
	"UntagLogGroup":             {"tags": []any{"k"}},
	"CreateScheduledQuery":      {"name": "new-sq"},
	"UpdateAnomaly":             {"anomalyId": "00000000-0000-0000-0000-000000000000"},
	"ListTagsForResource":       {"resourceArn": confARN + "destination:conf-dest"},
}

// opErrors are the documented errors of minimal requests that cannot
// succeed in logpond (besides unsupported operations).
var opErrors = map[string]string{
	"UpdateAnomaly": "ResourceNotFoundException", // logpond detects no anomalies
}

// insightsOps are the Logs Insights operations. Their minimal requests
// name queries and records that do not exist, so they must succeed or
// fail with an exception the operation declares, other than a validation
// failure.
var insightsOps = map[string]bool{
	"StartQuery": true, "GetQueryResults": true, "StopQuery": true, "DescribeQueries": true, "GetLogRecord": true,
	"GetLogGroupFields": true, "PutQueryDefinition": true, "DescribeQueryDefinitions": true, "DeleteQueryDefinition": true,
	"ListLogGroupsForQuery": true,
}

// samples are values of patterned string shapes, by shape name.
var samples = map[string]string{
	"AccountId":                confAccount,
	"AmazonResourceName":       confARN + "log-group:" + confGroup,
	"AnomalyDetectorArn":       "$anomalyDetectorArn",
	"ClientToken":              strings.Repeat("c", 36),
	"DeliveryId":               "$deliveryId",
	"DetectorKmsKeyArn":        kmsKeyARN,
	"LogGroupNamePattern":      "conf",
	"LogGroupNameRegexPattern": "conf",
	"MappingVersion":           "1.0",
	"QueryParameterName":       "a",
	"S3Uri":                    "s3://conf-bucket/x",
	"VpcEndpointId":            "vpce-0a",
}

// gen builds values of shapes from the model.
type gen struct {
	vars map[string]string
}

func (g gen) resolve(v any) any {
	if s, ok := v.(string); ok && strings.HasPrefix(s, "$") {
		return g.vars[s[1:]]
	}
	return v
}

// value returns a minimal valid value of shape id.
func (g gen) value(id model.ShapeID, member string) any {
	if v, ok := memberValues[member]; ok {
		return g.resolve(v)
	}
	sh := model.ShapeOf(id)
	switch sh.Kind {
	case model.KindString, model.KindBlob:
		if len(sh.Enum) > 0 {
			return sh.Enum[0]
		}
		if v, ok := samples[sh.Name]; ok {
			return g.resolve(v)
		}
		n := int64(1)
		if sh.HasMin && sh.Min > n {
			n = sh.Min
		}
		return strings.Repeat("a", int(n))
	case model.KindInteger, model.KindLong:
		n := int64(1)
		if sh.HasMin && sh.Min > n {
			n = sh.Min
		}
		return n
	case model.KindDouble:
		return 1
	case model.KindBoolean:
		return true
	case model.KindList:
		n := int64(1)
		if sh.HasMin && sh.Min > n {
			n = sh.Min
		}
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(sh.Elem, "")
		}
		return out
	case model.KindMap:
		return map[string]any{g.value(sh.Key, "").(string): g.value(sh.Value, "")}
	case model.KindStructure:
		obj := map[string]any{}
		for _, m := range sh.Members {
			if m.Required {
				obj[m.Name] = g.value(m.Shape, m.Name)
			}
		}
		if sh.Union && len(obj) == 0 && len(sh.Members) > 0 {
			m := sh.Members[0]
			obj[m.Name] = g.value(m.Shape, m.Name)
		}
		return obj
	}
	return nil
}

// minimalRequest returns the minimal valid request of op.
func (g gen) minimalRequest(op *model.Operation) map[string]any {
	req := map[string]any{}
	if op.Input != 0 {
		req = g.value(op.Input, "").(map[string]any)
	}
	for k, v := range opValues[op.Name] {
		req[k] = g.resolve(v)
	}
	return req
}

func TestConformanceMinimalRequests(t *testing.T) {
	cov := readCoverage(t)
	for _, op := range model.Operations() {
		t.Run(op.Name, func(t *testing.T) {
			s := startConf(t)
			s.setup()
			g := gen{s.vars}
			req := g.minimalRequest(op)
			if vs, err := model.Validate(op.Input, roundTrip(t, req)); err != nil || len(vs) > 0 {
				t.Fatalf("generated request %v is invalid: %v %v", req, err, vs)
			}
			r := post(s.h, op.Name, req)
			st := cov[op.Name]
			switch {
			case st.status == "planned":
				if r.typ != "UnknownOperationException" {
					t.Fatalf("planned operation answered %v", r)
				}
			case st.exception != "":
				if r.typ != st.exception || !strings.Contains(r.message, "is not supported by logpond") {
					t.Fatalf("unsupported operation answered %v, want %s", r, st.exception)
				}
			case insightsOps[op.Name]:
				if r.status != http.StatusOK && (!op.HasError(r.typ) || strings.Contains(r.message, "validation error")) {
					t.Fatalf("%v: %v", req, r)
				}
			case opErrors[op.Name] != "":
				if r.typ != opErrors[op.Name] {
					t.Fatalf("%v: got %v, want %s", req, r, opErrors[op.Name])
				}
			case r.status != http.StatusOK:
				t.Fatalf("%v: %v", req, r)
			}
		})
	}
}

// roundTrip re-decodes a request as the server does (numbers as
// json.Number).
func roundTrip(t *testing.T, v any) any {
	b, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// invalidCase is a request made invalid in one top-level member, with the
// violation the server must report.
type invalidCase struct {
	name string
	req  map[string]any
	want string // the violation, as in "Value ... failed to satisfy constraint: ..."
}

// badPatternValues are tried in turn to violate a pattern.
var badPatternValues = []string{"bad value *:$", "\x01", "a", "arn:aws:nothing", "-"}

func invalidCases(g gen, op *model.Operation) []invalidCase {
	base := g.minimalRequest(op)
	var out []invalidCase
	for _, m := range model.ShapeOf(op.Input).Members {
		sh := model.ShapeOf(m.Shape)
		with := func(v any) map[string]any {
			r := maps.Clone(base)
			if v == nil {
				delete(r, m.Name)
			} else {
				r[m.Name] = v
			}
			return r
		}
		if m.Required {
			out = append(out, invalidCase{"missing " + m.Name, with(nil),
				fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", m.Name)})
		}
		if sh.Kind != model.KindString {
			continue
		}
		if len(sh.Enum) > 0 {
			out = append(out, invalidCase{"enum " + m.Name, with("NOT_AN_ENUM_VALUE"),
				fmt.Sprintf("Value 'NOT_AN_ENUM_VALUE' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", m.Name, strings.Join(sh.Enum, ", "))})
			continue
		}
		matches := func(s string) bool {
			if sh.Pattern == "" {
				return true
			}
			re, err := regexp.Compile(`^(?:` + sh.Pattern + `)$`)
			return err != nil || re.MatchString(s)
		}
		if sh.HasMax && sh.Max < 100_000 {
			v, _ := g.value(m.Shape, m.Name).(string)
			if v == "" || !matches(v) {
				v = "a"
			}
			long := strings.Repeat(v, int(sh.Max)/utf8.RuneCountInString(v)+1)
			if matches(long) {
				out = append(out, invalidCase{"too long " + m.Name, with(long),
					fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", long, m.Name, sh.Max)})
			}
		}
		if sh.Pattern != "" {
			for _, bad := range badPatternValues {
				n := int64(utf8.RuneCountInString(bad))
				if matches(bad) || (sh.HasMin && n < sh.Min) || (sh.HasMax && n > sh.Max) {
					continue
				}
				out = append(out, invalidCase{"pattern " + m.Name, with(bad),
					fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", bad, m.Name, sh.Pattern)})
				break
			}
		}
	}
	return out
}

func TestConformanceInvalidRequests(t *testing.T) {
	cov := readCoverage(t)
	s := startConf(t)
	s.setup()
	g := gen{s.vars}
	total := 0
	for _, op := range model.Operations() {
		if cov[op.Name].status == "planned" {
			continue
		}
		for _, tc := range invalidCases(g, op) {
			total++
			r := post(s.h, op.Name, tc.req)
			want := "1 validation error detected: " + tc.want
			if r.typ != op.ValidationErrorType() || r.message != want {
				t.Errorf("%s, %s:\n got %v\nwant %s: %s", op.Name, tc.name, r, op.ValidationErrorType(), want)
			}
		}
	}
	if total < 300 {
		t.Errorf("only %d invalid requests generated", total)
	}
	t.Logf("%d invalid requests", total)
}

// The kinds of invalid requests generated cover every kind of constraint.
func TestConformanceCoversConstraintKinds(t *testing.T) {
	g := gen{map[string]string{}}
	seen := map[string]bool{}
	for _, op := range model.Operations() {
		for _, tc := range invalidCases(g, op) {
			seen[strings.Fields(tc.name)[0]] = true
		}
	}
	for _, k := range []string{"missing", "too", "pattern", "enum"} {
		if !seen[k] {
			t.Errorf("no %q cases generated", k)
		}
	}
	if !slices.Contains(slices.Collect(maps.Keys(seen)), "missing") {
		t.Error("no missing-member cases")
	}
}
