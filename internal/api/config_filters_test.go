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

const (
	testRole    = "arn:aws:iam::111111111111:role/logs"
	testKinesis = "arn:aws:kinesis:us-east-1:111111111111:stream/logs"
)

func metricFilter(group, name, pattern string, t types.MetricTransformation) *cwl.PutMetricFilterInput {
	return &cwl.PutMetricFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(pattern),
		MetricTransformations: []types.MetricTransformation{t},
	}
}

func transformation(name, value string) types.MetricTransformation {
	return types.MetricTransformation{MetricName: aws.String(name), MetricNamespace: aws.String("app"), MetricValue: aws.String(value)}
}

func metricFilterNames(t *testing.T, c *cwl.Client, in *cwl.DescribeMetricFiltersInput) []string {
	t.Helper()
	var out []string
	p := cwl.NewDescribeMetricFiltersPaginator(c, in)
	for p.HasMorePages() {
		page := must(p.NextPage(servertest.Ctx(t)))
		if in.Limit != nil && len(page.MetricFilters) > int(*in.Limit) {
			t.Fatalf("page of %d filters, limit %d", len(page.MetricFilters), *in.Limit)
		}
		for _, f := range page.MetricFilters {
			out = append(out, *f.LogGroupName+"/"+*f.FilterName)
		}
	}
	return out
}

func TestMetricFilters(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("web")}))
	for _, f := range []struct{ group, name, metric string }{
		{"app", "errors", "Errors"}, {"app", "latency", "Latency"}, {"app", "err-5xx", "Errors"}, {"web", "errors", "Errors"}, {"web", "bytes", "Bytes"},
	} {
		must(c.PutMetricFilter(ctx, metricFilter(f.group, f.name, "ERROR", transformation(f.metric, "1"))))
	}
	cases := []struct {
		in   cwl.DescribeMetricFiltersInput
		want []string
	}{
		{cwl.DescribeMetricFiltersInput{Limit: aws.Int32(2)}, []string{"app/err-5xx", "app/errors", "app/latency", "web/bytes", "web/errors"}},
		{cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("app"), FilterNamePrefix: aws.String("err"), Limit: aws.Int32(1)}, []string{"app/err-5xx", "app/errors"}},
		{cwl.DescribeMetricFiltersInput{MetricName: aws.String("Errors"), MetricNamespace: aws.String("app"), Limit: aws.Int32(2)}, []string{"app/err-5xx", "app/errors", "web/errors"}},
		{cwl.DescribeMetricFiltersInput{MetricName: aws.String("Errors"), MetricNamespace: aws.String("other")}, nil},
	}
	for _, tc := range cases {
		if got := metricFilterNames(t, c, &tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.in, got, tc.want)
		}
	}

	// The stored filter comes back exactly; an update keeps its creation time.
	dims := types.MetricTransformation{MetricName: aws.String("Latency"), MetricNamespace: aws.String("app"), MetricValue: aws.String("$.ms"),
		Dimensions: map[string]string{"Service": "$.service"}, Unit: types.StandardUnitMilliseconds}
	first := must(c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("app"), FilterNamePrefix: aws.String("latency")})).MetricFilters[0]
	must(c.PutMetricFilter(ctx, metricFilter("app", "latency", `{ $.ms > 0 }`, dims)))
	got := must(c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("app"), FilterNamePrefix: aws.String("latency")})).MetricFilters[0]
	mt := got.MetricTransformations[0]
	if *got.FilterPattern != `{ $.ms > 0 }` || *mt.MetricValue != "$.ms" || mt.Dimensions["Service"] != "$.service" || mt.Unit != types.StandardUnitMilliseconds ||
		*got.CreationTime != *first.CreationTime {
		t.Errorf("updated filter: %+v %+v", got, mt)
	}

	// metricFilterCount.
	groups := must(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})).LogGroups
	for _, g := range groups {
		if *g.MetricFilterCount != map[string]int32{"app": 3, "web": 2}[*g.LogGroupName] {
			t.Errorf("%s: metricFilterCount %d", *g.LogGroupName, *g.MetricFilterCount)
		}
	}

	// CloudWatch's rules beyond the model.
	bad := []struct {
		in   *cwl.PutMetricFilterInput
		code string
	}{
		{metricFilter("app", "x", "ERROR", transformation("M", "$.ms")), "InvalidParameterException"},
		{metricFilter("app", "x", "ERROR", transformation("M", "one")), "InvalidParameterException"},
		{metricFilter("app", "x", "ERROR", types.MetricTransformation{MetricName: aws.String("M"), MetricNamespace: aws.String("n"), MetricValue: aws.String("1"), Dimensions: map[string]string{"a": "$a"}}), "InvalidParameterException"},
		{metricFilter("app", "x", "[a, b]", types.MetricTransformation{MetricName: aws.String("M"), MetricNamespace: aws.String("n"), MetricValue: aws.String("1"), Dimensions: map[string]string{"a": "$a"}, DefaultValue: aws.Float64(0)}), "InvalidParameterException"},
		{metricFilter("app", "x", "[a, b, c, d]", types.MetricTransformation{MetricName: aws.String("M"), MetricNamespace: aws.String("n"), MetricValue: aws.String("1"), Dimensions: map[string]string{"a": "$a", "b": "$b", "c": "$c", "d": "$d"}}), "InvalidParameterException"},
		{metricFilter("app", "x", "{ $.a = ", transformation("M", "1")), "InvalidParameterException"},
		{metricFilter("missing", "x", "ERROR", transformation("M", "1")), "ResourceNotFoundException"},
	}
	for _, b := range bad {
		_, err := c.PutMetricFilter(ctx, b.in)
		wantAPIError(t, err, b.code, "")
	}
	_, err := c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{LogGroupName: aws.String("app"), FilterName: aws.String("x"), FilterPattern: aws.String(""),
		MetricTransformations: []types.MetricTransformation{transformation("A", "1"), transformation("B", "1")}})
	wantAPIError(t, err, "InvalidParameterException", "")
	if !strings.HasSuffix(err.Error(), "at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1") {
		t.Errorf("two transformations: %v", err)
	}

	// At most 100 per group.
	for i := range 97 {
		must(c.PutMetricFilter(ctx, metricFilter("app", fmt.Sprintf("f%03d", i), "", transformation("M", "1"))))
	}
	_, err = c.PutMetricFilter(ctx, metricFilter("app", "one-too-many", "", transformation("M", "1")))
	wantAPIError(t, err, "LimitExceededException", "Resource limit exceeded.")
	must(c.PutMetricFilter(ctx, metricFilter("app", "f000", "", transformation("M", "2")))) // updating is fine

	// Delete.
	must(c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("web"), FilterName: aws.String("bytes")}))
	_, err = c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("web"), FilterName: aws.String("bytes")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified resource does not exist.")
	if got := metricFilterNames(t, c, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("web")}); !slices.Equal(got, []string{"web/errors"}) {
		t.Errorf("after delete: %q", got)
	}

	// Deleting the group deletes its filters.
	must(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("app")}))
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app")}))
	if got := metricFilterNames(t, c, &cwl.DescribeMetricFiltersInput{}); !slices.Equal(got, []string{"web/errors"}) {
		t.Errorf("after deleting the group: %q", got)
	}
	_, err = c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("missing")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{MetricName: aws.String("Errors")})
	wantAPIError(t, err, "InvalidParameterException", "")
}

func TestTestMetricFilter(t *testing.T) {
	_, c := setup(t, "")
	ctx := servertest.Ctx(t)
	msgs := []string{`127.0.0.1 GET /a 200 12`, `10.0.0.1 POST /b 500 340`, `not enough`}
	out := must(c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[ip, method, path, status = 5*, ms]"), LogEventMessages: msgs}))
	if len(out.Matches) != 1 {
		t.Fatalf("matches: %+v", out.Matches)
	}
	m := out.Matches[0]
	if m.EventNumber != 2 || *m.EventMessage != msgs[1] || m.ExtractedValues["$status"] != "500" || m.ExtractedValues["$ms"] != "340" {
		t.Errorf("match: %d %q %v", m.EventNumber, *m.EventMessage, m.ExtractedValues)
	}
	out = must(c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String(`{ $.level = "error" }`),
		LogEventMessages: []string{`{"level":"error","ms":5}`, `{"level":"info"}`}}))
	if len(out.Matches) != 1 || out.Matches[0].ExtractedValues["$.level"] != "error" {
		t.Errorf("JSON matches: %+v", out.Matches)
	}
	out = must(c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("GET"), LogEventMessages: msgs}))
	if len(out.Matches) != 1 || out.Matches[0].EventNumber != 1 || len(out.Matches[0].ExtractedValues) != 0 {
		t.Errorf("term matches: %+v", out.Matches)
	}
	_, err := c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[a"), LogEventMessages: msgs})
	wantAPIError(t, err, "InvalidParameterException", "")
}

func subscriptionFilter(group, name, dest, role string) *cwl.PutSubscriptionFilterInput {
	in := &cwl.PutSubscriptionFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(""), DestinationArn: aws.String(dest)}
	if role != "" {
		in.RoleArn = aws.String(role)
	}
	return in
}

func TestSubscriptionFilters(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	lambda := "arn:aws:lambda:us-east-1:111111111111:function:ship"
	must(c.PutSubscriptionFilter(ctx, subscriptionFilter("app", "to-kinesis", testKinesis, testRole)))
	must(c.PutSubscriptionFilter(ctx, subscriptionFilter("app", "to-lambda", lambda, "")))
	_, err := c.PutSubscriptionFilter(ctx, subscriptionFilter("app", "third", lambda, ""))
	wantAPIError(t, err, "LimitExceededException", "Resource limit exceeded.")
	upd := subscriptionFilter("app", "to-kinesis", testKinesis, testRole)
	upd.FilterPattern, upd.Distribution = aws.String("ERROR"), types.DistributionRandom
	must(c.PutSubscriptionFilter(ctx, upd))

	var got []types.SubscriptionFilter
	p := cwl.NewDescribeSubscriptionFiltersPaginator(c, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("app"), Limit: aws.Int32(1)})
	for p.HasMorePages() {
		got = append(got, must(p.NextPage(ctx)).SubscriptionFilters...)
	}
	if len(got) != 2 || *got[0].FilterName != "to-kinesis" || *got[1].FilterName != "to-lambda" {
		t.Fatalf("filters: %+v", got)
	}
	k, l := got[0], got[1]
	if *k.FilterPattern != "ERROR" || k.Distribution != types.DistributionRandom || *k.RoleArn != testRole || *k.DestinationArn != testKinesis || *k.LogGroupName != "app" || k.CreationTime == nil {
		t.Errorf("kinesis filter: %+v", k)
	}
	if l.Distribution != types.DistributionByLogStream || l.RoleArn != nil {
		t.Errorf("lambda filter: %+v", l)
	}

	for _, b := range []*cwl.PutSubscriptionFilterInput{
		subscriptionFilter("app", "x", "arn:aws:sqs:us-east-1:111111111111:q", testRole),
		subscriptionFilter("app", "x", "not-an-arn", testRole),
		subscriptionFilter("app", "to-kinesis", testKinesis, ""),
		subscriptionFilter("app", "to-kinesis", testKinesis, "arn:aws:iam::111111111111:user/bob"),
	} {
		_, err := c.PutSubscriptionFilter(ctx, b)
		wantAPIError(t, err, "InvalidParameterException", "")
	}
	_, err = c.PutSubscriptionFilter(ctx, subscriptionFilter("app", "to-lambda", "arn:aws:logs:us-east-1:111111111111:destination:nope", ""))
	wantAPIError(t, err, "ResourceNotFoundException", "The specified destination does not exist.")
	_, err = c.PutSubscriptionFilter(ctx, subscriptionFilter("missing", "x", lambda, ""))
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	must(c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: aws.String("app"), FilterName: aws.String("to-lambda")}))
	_, err = c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: aws.String("app"), FilterName: aws.String("to-lambda")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	// A cross-account destination of this account.
	must(c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("central"), TargetArn: aws.String(testKinesis), RoleArn: aws.String(testRole)}))
	must(c.PutSubscriptionFilter(ctx, subscriptionFilter("app", "to-dest", "arn:aws:logs:us-east-1:111111111111:destination:central", "")))
	out := must(c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("app"), FilterNamePrefix: aws.String("to-d")}))
	if len(out.SubscriptionFilters) != 1 {
		t.Errorf("prefix: %+v", out.SubscriptionFilters)
	}
}

func TestDestinations(t *testing.T) {
	_, c := setup(t, "")
	ctx := servertest.Ctx(t)
	out := must(c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("central"), TargetArn: aws.String(testKinesis), RoleArn: aws.String(testRole),
		Tags: map[string]string{"team": "ops"}}))
	d := out.Destination
	if *d.Arn != "arn:aws:logs:us-east-1:111111111111:destination:central" || *d.TargetArn != testKinesis || *d.RoleArn != testRole || d.CreationTime == nil || d.AccessPolicy != nil {
		t.Errorf("destination: %+v", d)
	}
	for _, n := range []string{"b-dest", "a-dest", "central-2"} {
		must(c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String(n), TargetArn: aws.String("arn:aws:firehose:us-east-1:111111111111:deliverystream/f"), RoleArn: aws.String(testRole)}))
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"logs:PutSubscriptionFilter","Resource":"*"}]}`
	must(c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("central"), AccessPolicy: aws.String(policy)}))
	_, err := c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("nope"), AccessPolicy: aws.String(policy)})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified destination does not exist.")
	_, err = c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("central"), AccessPolicy: aws.String("not json")})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("x"), TargetArn: aws.String("arn:aws:lambda:us-east-1:111111111111:function:f"), RoleArn: aws.String(testRole)})
	wantAPIError(t, err, "InvalidParameterException", "")

	var names []string
	p := cwl.NewDescribeDestinationsPaginator(c, &cwl.DescribeDestinationsInput{Limit: aws.Int32(3)})
	for p.HasMorePages() {
		for _, d := range must(p.NextPage(ctx)).Destinations {
			names = append(names, *d.DestinationName)
			if *d.DestinationName == "central" && (d.AccessPolicy == nil || *d.AccessPolicy != policy) {
				t.Errorf("central: access policy %v", d.AccessPolicy)
			}
		}
	}
	if !slices.Equal(names, []string{"a-dest", "b-dest", "central", "central-2"}) {
		t.Errorf("destinations: %q", names)
	}
	got := must(c.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{DestinationNamePrefix: aws.String("central")})).Destinations
	if len(got) != 2 {
		t.Errorf("prefix: %+v", got)
	}

	// Tags on destination ARNs.
	arn := aws.String("arn:aws:logs:us-east-1:111111111111:destination:central")
	must(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "prod"}}))
	must(c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}))
	tags := must(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: arn})).Tags
	if len(tags) != 1 || tags["env"] != "prod" {
		t.Errorf("tags: %v", tags)
	}
	_, err = c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:111111111111:destination:nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	must(c.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")}))
	_, err = c.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified destination does not exist.")
}
