package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/logpond/logpond/internal/server/servertest"
)

func TestLogGroups(t *testing.T) {
	_, c := setup(t, "")
	ctx := servertest.Ctx(t)
	names := []string{"/aws/lambda/b", "/aws/lambda/a", "app", "App-2", "zeta"}
	for _, n := range names {
		must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(n), Tags: map[string]string{"team": "x"}}))
	}
	_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("bad name")})
	wantAPIError(t, err, "InvalidParameterException",
		`1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)

	// All groups, paginated two at a time, in ASCII order.
	var got []string
	p := cwl.NewDescribeLogGroupsPaginator(c, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		if len(out.LogGroups) > 2 {
			t.Fatalf("page of %d groups", len(out.LogGroups))
		}
		for _, g := range out.LogGroups {
			got = append(got, *g.LogGroupName)
			if *g.Arn != "arn:aws:logs:us-east-1:111111111111:log-group:"+*g.LogGroupName+":*" {
				t.Errorf("arn = %s", *g.Arn)
			}
			if *g.LogGroupArn != "arn:aws:logs:us-east-1:111111111111:log-group:"+*g.LogGroupName {
				t.Errorf("logGroupArn = %s", *g.LogGroupArn)
			}
			if g.LogGroupClass != types.LogGroupClassStandard || g.CreationTime == nil || g.StoredBytes == nil {
				t.Errorf("group fields: %+v", g)
			}
		}
	}
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("groups = %q, want %q", got, want)
	}

	cases := []struct {
		in   cwl.DescribeLogGroupsInput
		want []string
	}{
		{cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/")}, []string{"/aws/lambda/a", "/aws/lambda/b"}},
		{cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("pp")}, []string{"App-2", "app"}},
		{cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("APP")}, nil},
		{cwl.DescribeLogGroupsInput{LogGroupIdentifiers: []string{"zeta", "arn:aws:logs:us-east-1:111111111111:log-group:app", "missing"}}, []string{"app", "zeta"}},
	}
	for _, tc := range cases {
		out := must(c.DescribeLogGroups(ctx, &tc.in))
		var got []string
		for _, g := range out.LogGroups {
			got = append(got, *g.LogGroupName)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.in, got, tc.want)
		}
	}
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("a"), LogGroupNamePattern: aws.String("b")})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	wantAPIError(t, err, "InvalidParameterException",
		"1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")

	// ListLogGroups: regex-like patterns, prefix with ^, alternatives.
	lg := must(c.ListLogGroups(ctx, &cwl.ListLogGroupsInput{LogGroupNamePattern: aws.String("^/aws/lambda|zeta")}))
	var lnames []string
	for _, g := range lg.LogGroups {
		lnames = append(lnames, *g.LogGroupName)
	}
	if !slices.Equal(lnames, []string{"/aws/lambda/a", "/aws/lambda/b", "zeta"}) {
		t.Errorf("ListLogGroups = %q", lnames)
	}

	must(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("zeta")}))
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("zeta")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestRetentionAndProtection(t *testing.T) {
	_, c := setup(t, "g", "s")
	ctx := servertest.Ctx(t)
	must(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(30)}))
	g := must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups[0]
	if g.RetentionInDays == nil || *g.RetentionInDays != 30 {
		t.Fatalf("retention = %v", g.RetentionInDays)
	}
	for _, bad := range []int32{0, 2, 4000, -1} {
		_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(bad)})
		wantAPIError(t, err, "InvalidParameterException", fmt.Sprintf("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", bad))
	}
	_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(1)})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	must(c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("g")}))
	g = must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups[0]
	if g.RetentionInDays != nil {
		t.Fatalf("retention after delete = %v", *g.RetentionInDays)
	}

	must(c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String("g"), DeletionProtectionEnabled: aws.Bool(true)}))
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")})
	wantAPIError(t, err, "ValidationException", "")
	_, err = c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	wantAPIError(t, err, "ValidationException", "")
	g = must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups[0]
	if g.DeletionProtectionEnabled == nil || !*g.DeletionProtectionEnabled {
		t.Fatal("deletion protection not reported")
	}
	must(c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:g"), DeletionProtectionEnabled: aws.Bool(false)}))
	must(c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	must(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")}))
}

func TestTags(t *testing.T) {
	_, c := setup(t, "g")
	ctx := servertest.Ctx(t)
	arn := aws.String("arn:aws:logs:us-east-1:111111111111:log-group:g")
	must(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"a": "1", "b": "2"}}))
	must(c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a"}}))
	must(c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"c": "3"}}))
	tags := must(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: arn})).Tags
	if len(tags) != 2 || tags["b"] != "2" || tags["c"] != "3" {
		t.Fatalf("tags = %v", tags)
	}
	must(c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("g"), Tags: []string{"b"}}))
	legacy := must(c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")})).Tags
	if len(legacy) != 1 || legacy["c"] != "3" {
		t.Fatalf("legacy tags = %v", legacy)
	}
	many := map[string]string{}
	for i := 0; i < 50; i++ {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: arn, Tags: many})
	wantAPIError(t, err, "TooManyTagsException", "")
	// The failed call changed nothing.
	if tags := must(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: arn})).Tags; len(tags) != 1 {
		t.Fatalf("tags after failed call = %v", tags)
	}
	_, err = c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:222222222222:log-group:g"), Tags: map[string]string{"x": "y"}})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}
