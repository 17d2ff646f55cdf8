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

func TestDeliveries(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	groupARN := "arn:aws:logs:us-east-1:111111111111:log-group:app"
	for i := range 3 {
		src := must(c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{Name: aws.String(fmt.Sprintf("src%d", i)),
			ResourceArn: aws.String("arn:aws:bedrock:us-east-1:111111111111:knowledge-base/kb"), LogType: aws.String("APPLICATION_LOGS")})).DeliverySource
		if *src.Service != "bedrock" || *src.Arn != fmt.Sprintf("arn:aws:logs:us-east-1:111111111111:delivery-source:src%d", i) || src.ResourceArns[0] != "arn:aws:bedrock:us-east-1:111111111111:knowledge-base/kb" {
			t.Fatalf("source: %+v", src)
		}
	}
	dest := must(c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("to-logs"), OutputFormat: types.OutputFormatJson,
		DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String(groupARN)}})).DeliveryDestination
	if dest.DeliveryDestinationType != types.DeliveryDestinationTypeCwl || *dest.Arn != "arn:aws:logs:us-east-1:111111111111:delivery-destination:to-logs" {
		t.Errorf("destination: %+v", dest)
	}
	must(c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("to-s3"),
		DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String("arn:aws:s3:::bucket")}}))
	_, err := c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("x"), DeliveryDestinationType: types.DeliveryDestinationTypeS3,
		DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String(groupARN)}})
	wantAPIError(t, err, "ValidationException", "")
	_, err = c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("x")})
	wantAPIError(t, err, "ValidationException", "")

	policy := `{"Version":"2012-10-17","Statement":[]}`
	must(c.PutDeliveryDestinationPolicy(ctx, &cwl.PutDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-logs"), DeliveryDestinationPolicy: aws.String(policy)}))
	if p := must(c.GetDeliveryDestinationPolicy(ctx, &cwl.GetDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-logs")})); *p.Policy.DeliveryDestinationPolicy != policy {
		t.Errorf("policy: %+v", p.Policy)
	}
	_, err = c.PutDeliveryDestinationPolicy(ctx, &cwl.PutDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("nope"), DeliveryDestinationPolicy: aws.String(policy)})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	s3 := types.S3DeliveryConfiguration{SuffixPath: aws.String("{yyyy}/{MM}"), EnableHiveCompatiblePath: aws.Bool(true)}
	d := must(c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("src0"), DeliveryDestinationArn: aws.String("arn:aws:logs:us-east-1:111111111111:delivery-destination:to-s3"),
		S3DeliveryConfiguration: &s3, RecordFields: []string{"a", "b"}})).Delivery
	if d.DeliveryDestinationType != types.DeliveryDestinationTypeS3 || *d.Arn != "arn:aws:logs:us-east-1:111111111111:delivery:"+*d.Id || *d.S3DeliveryConfiguration.SuffixPath != "{yyyy}/{MM}" {
		t.Errorf("delivery: %+v", d)
	}
	_, err = c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("src0"), DeliveryDestinationArn: d.DeliveryDestinationArn})
	wantAPIError(t, err, "ConflictException", "")
	_, err = c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("nope"), DeliveryDestinationArn: d.DeliveryDestinationArn})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified delivery source does not exist.")
	_, err = c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("src1"), DeliveryDestinationArn: dest.Arn, S3DeliveryConfiguration: &s3})
	wantAPIError(t, err, "ValidationException", "s3DeliveryConfiguration applies only to deliveries to S3.")
	for _, src := range []string{"src1", "src2"} {
		must(c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String(src), DeliveryDestinationArn: dest.Arn}))
	}

	must(c.UpdateDeliveryConfiguration(ctx, &cwl.UpdateDeliveryConfigurationInput{Id: d.Id, FieldDelimiter: aws.String("|")}))
	if got := must(c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: d.Id})).Delivery; *got.FieldDelimiter != "|" || !slices.Equal(got.RecordFields, []string{"a", "b"}) {
		t.Errorf("updated delivery: %+v", got)
	}

	var ids []string
	p := cwl.NewDescribeDeliveriesPaginator(c, &cwl.DescribeDeliveriesInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		for _, d := range must(p.NextPage(ctx)).Deliveries {
			ids = append(ids, *d.Id)
		}
	}
	if len(ids) != 3 || !slices.Contains(ids, *d.Id) {
		t.Errorf("deliveries: %q", ids)
	}
	var srcs []string
	ps := cwl.NewDescribeDeliverySourcesPaginator(c, &cwl.DescribeDeliverySourcesInput{Limit: aws.Int32(2)})
	for ps.HasMorePages() {
		for _, s := range must(ps.NextPage(ctx)).DeliverySources {
			srcs = append(srcs, *s.Name)
		}
	}
	if !slices.Equal(srcs, []string{"src0", "src1", "src2"}) {
		t.Errorf("sources: %q", srcs)
	}
	if n := len(must(c.DescribeDeliveryDestinations(ctx, &cwl.DescribeDeliveryDestinationsInput{})).DeliveryDestinations); n != 2 {
		t.Errorf("%d destinations", n)
	}

	// In use: no deletion.
	_, err = c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("src0")})
	wantAPIError(t, err, "ConflictException", "")
	_, err = c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("to-s3")})
	wantAPIError(t, err, "ConflictException", "")
	must(c.DeleteDelivery(ctx, &cwl.DeleteDeliveryInput{Id: d.Id}))
	_, err = c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: d.Id})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified delivery does not exist.")
	must(c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("src0")}))
	must(c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("to-s3")}))
	must(c.DeleteDeliveryDestinationPolicy(ctx, &cwl.DeleteDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-logs")}))
	_, err = c.DeleteDeliveryDestinationPolicy(ctx, &cwl.DeleteDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-logs")})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	// Tags of a delivery source by ARN.
	arn := aws.String("arn:aws:logs:us-east-1:111111111111:delivery-source:src1")
	must(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"a": "1"}}))
	if tags := must(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: arn})).Tags; tags["a"] != "1" {
		t.Errorf("tags %v", tags)
	}
	if ts := must(c.DescribeConfigurationTemplates(ctx, &cwl.DescribeConfigurationTemplatesInput{})).ConfigurationTemplates; len(ts) != 0 {
		t.Errorf("templates: %+v", ts)
	}
}

func TestAnomalyDetectors(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	must(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("web")}))
	app, web := "arn:aws:logs:us-east-1:111111111111:log-group:app", "arn:aws:logs:us-east-1:111111111111:log-group:web"
	var arns []string
	for i, groups := range [][]string{{app}, {web}, {app, web}} {
		out := must(c.CreateLogAnomalyDetector(ctx, &cwl.CreateLogAnomalyDetectorInput{LogGroupArnList: groups, DetectorName: aws.String(fmt.Sprintf("d%d", i)),
			EvaluationFrequency: types.EvaluationFrequencyFiveMin, FilterPattern: aws.String("ERROR")}))
		arns = append(arns, *out.AnomalyDetectorArn)
	}
	d := must(c.GetLogAnomalyDetector(ctx, &cwl.GetLogAnomalyDetectorInput{AnomalyDetectorArn: aws.String(arns[0])}))
	if *d.DetectorName != "d0" || d.EvaluationFrequency != types.EvaluationFrequencyFiveMin || *d.FilterPattern != "ERROR" || !slices.Equal(d.LogGroupArnList, []string{app}) ||
		d.AnomalyDetectorStatus != types.AnomalyDetectorStatusInitializing || *d.AnomalyVisibilityTime != 21 {
		t.Errorf("detector: %+v", d)
	}
	must(c.UpdateLogAnomalyDetector(ctx, &cwl.UpdateLogAnomalyDetectorInput{AnomalyDetectorArn: aws.String(arns[0]), Enabled: aws.Bool(false), AnomalyVisibilityTime: aws.Int64(30)}))
	if d := must(c.GetLogAnomalyDetector(ctx, &cwl.GetLogAnomalyDetectorInput{AnomalyDetectorArn: aws.String(arns[0])})); d.AnomalyDetectorStatus != types.AnomalyDetectorStatusPaused || *d.AnomalyVisibilityTime != 30 {
		t.Errorf("updated detector: %+v", d)
	}
	count := func(in *cwl.ListLogAnomalyDetectorsInput) int {
		n := 0
		p := cwl.NewListLogAnomalyDetectorsPaginator(c, in)
		for p.HasMorePages() {
			n += len(must(p.NextPage(ctx)).AnomalyDetectors)
		}
		return n
	}
	if n := count(&cwl.ListLogAnomalyDetectorsInput{Limit: aws.Int32(1)}); n != 3 {
		t.Errorf("%d detectors", n)
	}
	if n := count(&cwl.ListLogAnomalyDetectorsInput{FilterLogGroupArn: aws.String(web)}); n != 2 {
		t.Errorf("%d detectors of web", n)
	}
	if a := must(c.ListAnomalies(ctx, &cwl.ListAnomaliesInput{AnomalyDetectorArn: aws.String(arns[0])})).Anomalies; len(a) != 0 {
		t.Errorf("anomalies: %+v", a)
	}
	_, err := c.UpdateAnomaly(ctx, &cwl.UpdateAnomalyInput{AnomalyDetectorArn: aws.String(arns[0]), PatternId: aws.String("0123456789abcdef0123456789abcdef"), Baseline: aws.Bool(true)})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.CreateLogAnomalyDetector(ctx, &cwl.CreateLogAnomalyDetectorInput{LogGroupArnList: []string{"arn:aws:logs:us-east-1:111111111111:log-group:nope"}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	must(c.DeleteLogAnomalyDetector(ctx, &cwl.DeleteLogAnomalyDetectorInput{AnomalyDetectorArn: aws.String(arns[0])}))
	_, err = c.GetLogAnomalyDetector(ctx, &cwl.GetLogAnomalyDetectorInput{AnomalyDetectorArn: aws.String(arns[0])})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified anomaly detector does not exist.")
}

func TestLookupTables(t *testing.T) {
	_, c := setup(t, "")
	ctx := servertest.Ctx(t)
	body := "ip,owner\n10.0.0.1,alice\n10.0.0.2,bob\n"
	var arn string
	for _, n := range []string{"hosts", "teams", "hosts_v2"} {
		out := must(c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String(n), TableBody: aws.String(body), Description: aws.String("d")}))
		if n == "hosts" {
			arn = *out.LookupTableArn
		}
	}
	if arn != "arn:aws:logs:us-east-1:111111111111:lookup-table:hosts" {
		t.Errorf("arn %s", arn)
	}
	_, err := c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("hosts"), TableBody: aws.String(body)})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "")
	_, err = c.CreateLookupTable(ctx, &cwl.CreateLookupTableInput{LookupTableName: aws.String("bad"), TableBody: aws.String("a,\"b\n")})
	wantAPIError(t, err, "InvalidParameterException", "")

	var names []string
	for in := (&cwl.DescribeLookupTablesInput{LookupTableNamePrefix: aws.String("hosts"), MaxResults: 1}); ; {
		out := must(c.DescribeLookupTables(ctx, in))
		if len(out.LookupTables) > 1 {
			t.Fatalf("page of %d tables", len(out.LookupTables))
		}
		for _, lt := range out.LookupTables {
			names = append(names, *lt.LookupTableName)
			if *lt.RecordsCount != 2 || !slices.Equal(lt.TableFields, []string{"ip", "owner"}) || *lt.SizeBytes != int64(len(body)) {
				t.Errorf("table: %+v", lt)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if !slices.Equal(names, []string{"hosts", "hosts_v2"}) {
		t.Errorf("tables: %q", names)
	}
	must(c.UpdateLookupTable(ctx, &cwl.UpdateLookupTableInput{LookupTableArn: aws.String(arn), TableBody: aws.String("ip\n1\n")}))
	got := must(c.GetLookupTable(ctx, &cwl.GetLookupTableInput{LookupTableArn: aws.String(arn)}))
	if *got.TableBody != "ip\n1\n" || *got.Description != "d" {
		t.Errorf("updated table: %+v", got)
	}
	must(c.DeleteLookupTable(ctx, &cwl.DeleteLookupTableInput{LookupTableArn: aws.String(arn)}))
	_, err = c.GetLookupTable(ctx, &cwl.GetLookupTableInput{LookupTableArn: aws.String(arn)})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified lookup table does not exist.")
}

func TestScheduledQueries(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	for _, n := range []string{"daily", "hourly"} {
		must(c.CreateScheduledQuery(ctx, &cwl.CreateScheduledQueryInput{Name: aws.String(n), QueryLanguage: types.QueryLanguageCwli,
			QueryString: aws.String("fields @message | limit 5"), ScheduleExpression: aws.String("cron(0 * * * ? *)"), ExecutionRoleArn: aws.String(testRole),
			LogGroupIdentifiers: []string{"app"}}))
	}
	_, err := c.CreateScheduledQuery(ctx, &cwl.CreateScheduledQueryInput{Name: aws.String("daily"), QueryLanguage: types.QueryLanguageCwli,
		QueryString: aws.String("x"), ScheduleExpression: aws.String("cron(0 * * * ? *)"), ExecutionRoleArn: aws.String(testRole)})
	wantAPIError(t, err, "ConflictException", "")
	_, err = c.CreateScheduledQuery(ctx, &cwl.CreateScheduledQueryInput{Name: aws.String("bad"), QueryLanguage: types.QueryLanguageCwli,
		QueryString: aws.String("x"), ScheduleExpression: aws.String("every hour"), ExecutionRoleArn: aws.String(testRole)})
	wantAPIError(t, err, "ValidationException", "")

	up := must(c.UpdateScheduledQuery(ctx, &cwl.UpdateScheduledQueryInput{Identifier: aws.String("daily"), QueryLanguage: types.QueryLanguageCwli,
		QueryString: aws.String("stats count()"), ScheduleExpression: aws.String("rate(1 day)"), ExecutionRoleArn: aws.String(testRole), State: types.ScheduledQueryStateDisabled}))
	if *up.QueryString != "stats count()" || up.State != types.ScheduledQueryStateDisabled {
		t.Errorf("updated: %+v", up)
	}
	got := must(c.GetScheduledQuery(ctx, &cwl.GetScheduledQueryInput{Identifier: aws.String("arn:aws:logs:us-east-1:111111111111:scheduled-query:daily")}))
	if *got.ScheduleExpression != "rate(1 day)" || *got.Name != "daily" {
		t.Errorf("get: %+v", got)
	}
	list := must(c.ListScheduledQueries(ctx, &cwl.ListScheduledQueriesInput{State: types.ScheduledQueryStateEnabled})).ScheduledQueries
	if len(list) != 1 || *list[0].Name != "hourly" {
		t.Errorf("enabled: %+v", list)
	}
	h := must(c.GetScheduledQueryHistory(ctx, &cwl.GetScheduledQueryHistoryInput{Identifier: aws.String("daily"), StartTime: aws.Int64(0), EndTime: aws.Int64(1)}))
	if len(h.TriggerHistory) != 0 {
		t.Errorf("history: %+v", h.TriggerHistory)
	}
	must(c.DeleteScheduledQuery(ctx, &cwl.DeleteScheduledQueryInput{Identifier: aws.String("daily")}))
	_, err = c.GetScheduledQuery(ctx, &cwl.GetScheduledQueryInput{Identifier: aws.String("daily")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}

// Configuration is per account and region, and survives a restart.
func TestConfigIsolationAndRestart(t *testing.T) {
	in, a := setup(t, "app")
	ctx := servertest.Ctx(t)
	must(a.PutMetricFilter(ctx, metricFilter("app", "errors", "ERROR", transformation("Errors", "1"))))
	must(a.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("central"), TargetArn: aws.String(testKinesis), RoleArn: aws.String(testRole)}))
	must(a.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String("{}")}))

	b := in.Client(servertest.KeyB)
	must(b.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app")}))
	eu := in.Client(servertest.KeyA, func(o *cwl.Options) { o.Region = "eu-west-1" })
	for _, c := range []*cwl.Client{b, eu} {
		if n := len(must(c.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{})).Destinations); n != 0 {
			t.Errorf("another scope sees %d destinations", n)
		}
		if n := len(must(c.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{})).ResourcePolicies); n != 0 {
			t.Errorf("another scope sees %d resource policies", n)
		}
	}
	if n := len(must(b.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("app")})).MetricFilters); n != 0 {
		t.Errorf("account B sees %d metric filters", n)
	}
	_, err := b.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:111111111111:destination:central")})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	in.Stop()
	in2 := servertest.Start(t, servertest.Options{Dir: in.Dir})
	a = in2.Client(servertest.KeyA)
	if fs := must(a.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{})).MetricFilters; len(fs) != 1 || *fs[0].FilterName != "errors" {
		t.Errorf("after restart: %+v", fs)
	}
	if ds := must(a.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{})).Destinations; len(ds) != 1 {
		t.Errorf("after restart: %+v", ds)
	}
}

// Operations logpond cannot honour fail with a reason through the SDK too.
func TestUnsupportedOperations(t *testing.T) {
	_, c := setup(t, "app")
	ctx := servertest.Ctx(t)
	_, err := c.CreateExportTask(ctx, &cwl.CreateExportTaskInput{LogGroupName: aws.String("app"), From: aws.Int64(0), To: aws.Int64(1), Destination: aws.String("bucket")})
	wantAPIError(t, err, "InvalidParameterException", "CreateExportTask is not supported by logpond: exporting to Amazon S3 needs S3; read events with GetLogEvents or FilterLogEvents instead.")
	_, err = c.CreateImportTask(ctx, &cwl.CreateImportTaskInput{ImportSourceArn: aws.String("arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x"), ImportRoleArn: aws.String(testRole)})
	wantAPIError(t, err, "InvalidOperationException", "CreateImportTask is not supported by logpond: importing from CloudTrail Lake needs AWS CloudTrail.")
	if ts := must(c.DescribeExportTasks(ctx, &cwl.DescribeExportTasksInput{})).ExportTasks; len(ts) != 0 {
		t.Errorf("export tasks: %+v", ts)
	}
}
