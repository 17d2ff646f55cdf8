package api

// Operations logpond cannot honour because they need another AWS service or
// data logpond does not produce. Each validates its request like any other
// operation and then answers an error that says why (never a fake
// success). Listings of resources that can therefore never exist answer an
// empty list, which is true. docs/api-coverage.md lists them all.

// unsupportedOps maps each such operation to the reason given.
var unsupportedOps = map[string]string{
	"CreateExportTask":                         "exporting to Amazon S3 needs S3; read events with GetLogEvents or FilterLogEvents instead.",
	"CancelExportTask":                         "export tasks cannot be created (see CreateExportTask), so there is none to cancel.",
	"CreateImportTask":                         "importing from CloudTrail Lake needs AWS CloudTrail.",
	"CancelImportTask":                         "import tasks cannot be created (see CreateImportTask), so there is none to cancel.",
	"DescribeImportTaskBatches":                "import tasks cannot be created (see CreateImportTask), so there is none to describe.",
	"PutIntegration":                           "integrations need Amazon OpenSearch Service.",
	"GetIntegration":                           "integrations need Amazon OpenSearch Service (see PutIntegration), so there is none to get.",
	"DeleteIntegration":                        "integrations need Amazon OpenSearch Service (see PutIntegration), so there is none to delete.",
	"AssociateSourceToS3TableIntegration":      "S3 Tables integrations need Amazon S3 Tables.",
	"DisassociateSourceFromS3TableIntegration": "S3 Tables integrations need Amazon S3 Tables.",
	"ListSourcesForS3TableIntegration":         "S3 Tables integrations need Amazon S3 Tables.",
	"PutSyslogConfiguration":                   "syslog ingestion through a VPC endpoint needs Amazon VPC.",
	"DeleteSyslogConfiguration":                "syslog ingestion through a VPC endpoint needs Amazon VPC (see PutSyslogConfiguration), so there is no configuration to delete.",
	"GetLogObject":                             "log objects are produced by AWS services that do not send logs to logpond.",
	"GetLogFields":                             "data sources (such as amazon_vpc.flow) are AWS-vended log types that logpond does not have.",
	"ListAggregateLogGroupSummaries":           "log groups are not classified by AWS data source in logpond.",
}

// unsupportedHandler returns the handler of an unsupported operation.
func (s *Server) unsupportedHandler(why string) handler {
	return func(c *call) (any, error) {
		var in struct{}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, unsupported(c, why)
	}
}

// emptyList returns a handler that validates the request and answers an
// empty listing in member (with nextToken absent).
func (s *Server) emptyList(member string) handler {
	return func(c *call) (any, error) {
		var in struct {
			NextToken *string `json:"nextToken"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		if in.NextToken != nil {
			return nil, errInvalidToken
		}
		return map[string][]struct{}{member: {}}, nil
	}
}
