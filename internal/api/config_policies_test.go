package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestResourcePolicies(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"route53.amazonaws.com"},"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`
	for i := range 10 {
		out := must(c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%d", i)), PolicyDocument: aws.String(doc)}))
		if *out.ResourcePolicy.PolicyDocument != doc || out.ResourcePolicy.PolicyScope != types.PolicyScopeAccount || *out.RevisionId == "" {
			t.Fatalf("put: %+v", out.ResourcePolicy)
		}
	}
	_, err := c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p10"), PolicyDocument: aws.String(doc)})
	wantAPIError(t, err, "LimitExceededException", "Resource limit exceeded.")
	must(c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p3"), PolicyDocument: aws.String("{}")}))
	_, err = c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p3"), PolicyDocument: aws.String("nope")})
	wantAPIError(t, err, "InvalidParameterException", "")

	// A policy on a log group, with revision checks.
	groupARN := aws.String("arn:aws:logs:us-east-1:111111111111:log-group:app")
	out := must(c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: groupARN, PolicyDocument: aws.String(doc)}))
	_, err = c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: groupARN, PolicyDocument: aws.String(doc), ExpectedRevisionId: aws.String("stale")})
	wantAPIError(t, err, "OperationAbortedException", "")
	must(c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: groupARN, PolicyDocument: aws.String("{}"), ExpectedRevisionId: out.RevisionId}))
	rp := must(c.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{ResourceArn: groupARN})).ResourcePolicies
	if len(rp) != 1 || rp[0].PolicyScope != types.PolicyScopeResource || *rp[0].ResourceArn != *groupARN || *rp[0].PolicyDocument != "{}" {
		t.Errorf("group policy: %+v", rp)
	}

	var names []string
	for in := (&cwl.DescribeResourcePoliciesInput{Limit: aws.Int32(4)}); ; {
		out := must(c.DescribeResourcePolicies(ctx, in))
		for _, rp := range out.ResourcePolicies {
			names = append(names, *rp.PolicyName)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(names) != 10 || names[0] != "p0" || names[9] != "p9" {
		t.Errorf("policies: %q", names)
	}
	must(c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p0")}))
	_, err = c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p0")})
	wantAPIError(t, err, "ResourceNotFoundException", "Policy with name [p0] does not exist")
	must(c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p10"), PolicyDocument: aws.String(doc)}))

	// The group's policy goes with the group.
	must(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("app")}))
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app")}))
	if rp := must(c.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{ResourceArn: groupARN})).ResourcePolicies; len(rp) != 0 {
		t.Errorf("group policy survived the group: %+v", rp)
	}
}

func TestGroupPolicies(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	app := aws.String("app")
	dp := `{"Name":"dp","Version":"2021-06-01","Statement":[]}`

	// Data protection.
	must(c.PutDataProtectionPolicy(ctx, &cwl.PutDataProtectionPolicyInput{LogGroupIdentifier: app, PolicyDocument: aws.String(dp)}))
	got := must(c.GetDataProtectionPolicy(ctx, &cwl.GetDataProtectionPolicyInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:app")}))
	if *got.PolicyDocument != dp || got.LastUpdatedTime == nil {
		t.Errorf("data protection: %+v", got)
	}
	g := must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups[0]
	if g.DataProtectionStatus != types.DataProtectionStatusActivated {
		t.Errorf("dataProtectionStatus %q", g.DataProtectionStatus)
	}
	must(c.DeleteDataProtectionPolicy(ctx, &cwl.DeleteDataProtectionPolicyInput{LogGroupIdentifier: app}))
	_, err := c.DeleteDataProtectionPolicy(ctx, &cwl.DeleteDataProtectionPolicyInput{LogGroupIdentifier: app})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.PutDataProtectionPolicy(ctx, &cwl.PutDataProtectionPolicyInput{LogGroupIdentifier: aws.String("nope"), PolicyDocument: aws.String(dp)})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	// Index policies and the field indexes they declare.
	idx := `{"Fields":["requestId","userId"]}`
	pol := must(c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: app, PolicyDocument: aws.String(idx)})).IndexPolicy
	if *pol.PolicyDocument != idx || pol.Source != types.IndexSourceLogGroup {
		t.Errorf("index policy: %+v", pol)
	}
	ps := must(c.DescribeIndexPolicies(ctx, &cwl.DescribeIndexPoliciesInput{LogGroupIdentifiers: []string{"app"}})).IndexPolicies
	if len(ps) != 1 || *ps[0].PolicyDocument != idx {
		t.Errorf("index policies: %+v", ps)
	}
	fi := must(c.DescribeFieldIndexes(ctx, &cwl.DescribeFieldIndexesInput{LogGroupIdentifiers: []string{"app"}, IndexCategories: []types.IndexCategory{types.IndexCategoryCustom}})).FieldIndexes
	var fields []string
	for _, f := range fi {
		fields = append(fields, *f.FieldIndexName)
	}
	if !slices.Equal(fields, []string{"requestId", "userId"}) {
		t.Errorf("field indexes: %q", fields)
	}
	var many []string
	for i := range 21 {
		many = append(many, fmt.Sprintf(`"f%d"`, i))
	}
	for _, bad := range []string{`{}`, `{"Fields":[` + strings.Join(many, ",") + `]}`, `not json`, `{"Fields":["` + strings.Repeat("x", 101) + `"]}`} {
		_, err := c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: app, PolicyDocument: aws.String(bad)})
		wantAPIError(t, err, "InvalidParameterException", "")
	}
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("ia"), LogGroupClass: types.LogGroupClassInfrequentAccess}))
	_, err = c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: aws.String("ia"), PolicyDocument: aws.String(idx)})
	wantAPIError(t, err, "InvalidParameterException", "Only log groups in the Standard log class support field index policies.")
	must(c.DeleteIndexPolicy(ctx, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: app}))
	_, err = c.DeleteIndexPolicy(ctx, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: app})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	// Account policies.
	must(c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String("sf"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy,
		PolicyDocument: aws.String(`{"DestinationArn":"` + testKinesis + `","RoleArn":"` + testRole + `","FilterPattern":""}`), SelectionCriteria: aws.String(`LogGroupName NOT IN ["app"]`)}))
	_, err = c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String("sf2"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy, PolicyDocument: aws.String(`{}`)})
	wantAPIError(t, err, "LimitExceededException", "")
	for i := range 3 {
		must(c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String(fmt.Sprintf("tr%d", i)), PolicyType: types.PolicyTypeTransformerPolicy, PolicyDocument: aws.String(`{}`)}))
	}
	aps := must(c.DescribeAccountPolicies(ctx, &cwl.DescribeAccountPoliciesInput{PolicyType: types.PolicyTypeSubscriptionFilterPolicy})).AccountPolicies
	if len(aps) != 1 || *aps[0].PolicyName != "sf" || *aps[0].SelectionCriteria != `LogGroupName NOT IN ["app"]` || *aps[0].AccountId != servertest.AccountA || aps[0].Scope != types.ScopeAll {
		t.Errorf("account policies: %+v", aps)
	}
	if n := len(must(c.DescribeAccountPolicies(ctx, &cwl.DescribeAccountPoliciesInput{PolicyType: types.PolicyTypeTransformerPolicy})).AccountPolicies); n != 3 {
		t.Errorf("%d transformer policies", n)
	}
	if n := len(must(c.DescribeAccountPolicies(ctx, &cwl.DescribeAccountPoliciesInput{PolicyType: types.PolicyTypeTransformerPolicy, PolicyName: aws.String("tr1")})).AccountPolicies); n != 1 {
		t.Errorf("%d policies named tr1", n)
	}
	must(c.DeleteAccountPolicy(ctx, &cwl.DeleteAccountPolicyInput{PolicyName: aws.String("sf"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy}))
	_, err = c.DeleteAccountPolicy(ctx, &cwl.DeleteAccountPolicyInput{PolicyName: aws.String("sf"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy})
	wantAPIError(t, err, "ResourceNotFoundException", "Policy with name [sf] does not exist")
}

func TestGroupSettings(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	key := "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	describe := func() types.LogGroup {
		t.Helper()
		return must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("app")})).LogGroups[0]
	}
	must(c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("app"), KmsKeyId: aws.String(key)}))
	if g := describe(); g.KmsKeyId == nil || *g.KmsKeyId != key {
		t.Errorf("kmsKeyId %v", g.KmsKeyId)
	}
	must(c.DisassociateKmsKey(ctx, &cwl.DisassociateKmsKeyInput{ResourceIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:app")}))
	if g := describe(); g.KmsKeyId != nil {
		t.Errorf("kmsKeyId %v after disassociating", *g.KmsKeyId)
	}
	must(c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{ResourceIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:query-result:*"), KmsKeyId: aws.String(key)}))
	_, err := c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("app"), KmsKeyId: aws.String("alias/x")})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("app"), ResourceIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:app"), KmsKeyId: aws.String(key)})
	wantAPIError(t, err, "InvalidParameterException", "logGroupName and resourceIdentifier are mutually exclusive parameters.")
	_, err = c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("nope"), KmsKeyId: aws.String(key)})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	if g := describe(); g.BearerTokenAuthenticationEnabled == nil || *g.BearerTokenAuthenticationEnabled {
		t.Errorf("bearer token: %v", g.BearerTokenAuthenticationEnabled)
	}
	must(c.PutBearerTokenAuthentication(ctx, &cwl.PutBearerTokenAuthenticationInput{LogGroupIdentifier: aws.String("app"), BearerTokenAuthenticationEnabled: aws.Bool(true)}))
	if g := describe(); !*g.BearerTokenAuthenticationEnabled {
		t.Error("bearer token not enabled")
	}

	tier := must(c.GetStorageTierPolicy(ctx, &cwl.GetStorageTierPolicyInput{}))
	if tier.StorageTier != types.StorageTierStandard {
		t.Errorf("default tier %q", tier.StorageTier)
	}
	must(c.PutStorageTierPolicy(ctx, &cwl.PutStorageTierPolicyInput{StorageTier: types.StorageTierIntelligentTiering}))
	if tier := must(c.GetStorageTierPolicy(ctx, &cwl.GetStorageTierPolicyInput{})); tier.StorageTier != types.StorageTierIntelligentTiering || tier.LastUpdatedTime == nil {
		t.Errorf("tier %+v", tier)
	}
}

func TestTransformers(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	procs := []types.Processor{
		{ParseJSON: &types.ParseJSON{}},
		{AddKeys: &types.AddKeys{Entries: []types.AddKeyEntry{{Key: aws.String("env"), Value: aws.String("prod")}}}},
		{RenameKeys: &types.RenameKeys{Entries: []types.RenameKeyEntry{{Key: aws.String("msg"), RenameTo: aws.String("message")}}}},
		{UpperCaseString: &types.UpperCaseString{WithKeys: []string{"level"}}},
		{DeleteKeys: &types.DeleteKeys{WithKeys: []string{"secret"}}},
		{CopyValue: &types.CopyValue{Entries: []types.CopyValueEntry{{Source: aws.String("user.id"), Target: aws.String("uid")}}}},
		{TrimString: &types.TrimString{WithKeys: []string{"message"}}},
		{SubstituteString: &types.SubstituteString{Entries: []types.SubstituteStringEntry{{Source: aws.String("message"), From: aws.String("[0-9]+"), To: aws.String("N")}}}},
		{TypeConverter: &types.TypeConverter{Entries: []types.TypeConverterEntry{{Key: aws.String("ms"), Type: types.TypeInteger}}}},
	}
	must(c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: aws.String("app"), TransformerConfig: procs}))
	got := must(c.GetTransformer(ctx, &cwl.GetTransformerInput{LogGroupIdentifier: aws.String("app")}))
	if len(got.TransformerConfig) != len(procs) || got.TransformerConfig[1].AddKeys == nil || *got.TransformerConfig[2].RenameKeys.Entries[0].RenameTo != "message" || got.CreationTime == nil {
		t.Errorf("transformer: %+v", got)
	}

	msgs := []string{`{"level":"warn","msg":"  took 42 ms ","secret":"x","user":{"id":7},"ms":"12"}`, `plain text`}
	out := must(c.TestTransformer(ctx, &cwl.TestTransformerInput{TransformerConfig: procs, LogEventMessages: msgs}))
	want := []string{`{"level":"WARN","user":{"id":7},"ms":12,"env":"prod","message":"took N ms","uid":7}`, `plain text`}
	for i, r := range out.TransformedLogs {
		if *r.TransformedEventMessage != want[i] || *r.EventMessage != msgs[i] || r.EventNumber != int64(i+1) {
			t.Errorf("event %d: %s\nwant %s", i+1, *r.TransformedEventMessage, want[i])
		}
	}

	for _, tc := range []struct {
		procs []types.Processor
		msg   string
		want  string
	}{
		{[]types.Processor{{ParseKeyValue: &types.ParseKeyValue{FieldDelimiter: aws.String(" "), KeyValueDelimiter: aws.String(":")}}}, "a:1 b:2", `{"a":"1","b":"2"}`},
		{[]types.Processor{{Csv: &types.CSV{Columns: []string{"ip", "status"}}}}, `10.0.0.1,"200"`, `{"ip":"10.0.0.1","status":"200"}`},
		{[]types.Processor{{Grok: &types.Grok{Match: aws.String("%{IP:client} %{WORD:method} %{NUMBER:status}")}}}, "10.0.0.1 GET 200", `{"client":"10.0.0.1","method":"GET","status":"200"}`},
		{[]types.Processor{{ParseJSON: &types.ParseJSON{Destination: aws.String("body")}}, {SplitString: &types.SplitString{Entries: []types.SplitStringEntry{{Source: aws.String("body.tags"), Delimiter: aws.String(",")}}}},
			{MoveKeys: &types.MoveKeys{Entries: []types.MoveKeyEntry{{Source: aws.String("body.tags"), Target: aws.String("tags")}}}}}, `{"tags":"a,b"}`, `{"body":{},"tags":["a","b"]}`},
	} {
		out := must(c.TestTransformer(ctx, &cwl.TestTransformerInput{TransformerConfig: tc.procs, LogEventMessages: []string{tc.msg}}))
		if got := *out.TransformedLogs[0].TransformedEventMessage; got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.msg, got, tc.want)
		}
	}
	_, err := c.TestTransformer(ctx, &cwl.TestTransformerInput{TransformerConfig: []types.Processor{{ParseToOCSF: &types.ParseToOCSF{EventSource: types.EventSourceEksAudit, OcsfVersion: types.OCSFVersionV11}}}, LogEventMessages: msgs})
	wantAPIError(t, err, "InvalidParameterException", `parseToOCSF: eventSource "EKSAudit" is not supported by logpond's TestTransformer (supported: AWSWAF, CloudTrail, Route53Resolver, VPCFlow).`)
	_, err = c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: aws.String("app"), TransformerConfig: procs[1:]})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.PutTransformer(ctx, &cwl.PutTransformerInput{LogGroupIdentifier: aws.String("app"), TransformerConfig: []types.Processor{{Grok: &types.Grok{Match: aws.String("%{NOPE:x}")}}}})
	wantAPIError(t, err, "InvalidParameterException", "")

	must(c.DeleteTransformer(ctx, &cwl.DeleteTransformerInput{LogGroupIdentifier: aws.String("app")}))
	_, err = c.GetTransformer(ctx, &cwl.GetTransformerInput{LogGroupIdentifier: aws.String("app")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}
