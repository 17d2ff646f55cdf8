package api

// routes maps operation names to their handlers. Operations of the model
// that are missing here answer UnknownOperationException.
func (s *Server) routes() map[string]handler {
	m := map[string]handler{
		"CreateLogGroup":                s.createLogGroup,
		"DeleteLogGroup":                s.deleteLogGroup,
		"DescribeLogGroups":             s.describeLogGroups,
		"ListLogGroups":                 s.listLogGroups,
		"CreateLogStream":               s.createLogStream,
		"DeleteLogStream":               s.deleteLogStream,
		"DescribeLogStreams":            s.describeLogStreams,
		"PutLogEvents":                  s.putLogEvents,
		"GetLogEvents":                  s.getLogEvents,
		"FilterLogEvents":               s.filterLogEvents,
		"PutRetentionPolicy":            s.putRetentionPolicy,
		"DeleteRetentionPolicy":         s.deleteRetentionPolicy,
		"PutLogGroupDeletionProtection": s.putLogGroupDeletionProtection,
		"TagResource":                   s.tagResource,
		"UntagResource":                 s.untagResource,
		"ListTagsForResource":           s.listTagsForResource,
		"TagLogGroup":                   s.tagLogGroup,
		"UntagLogGroup":                 s.untagLogGroup,
		"ListTagsLogGroup":              s.listTagsLogGroup,
		"StartQuery":                    s.startQuery,
		"GetQueryResults":               s.getQueryResults,
		"StopQuery":                     s.stopQuery,
		"DescribeQueries":               s.describeQueries,
		"GetLogRecord":                  s.getLogRecord,
		"GetLogGroupFields":             s.getLogGroupFields,
		"PutQueryDefinition":            s.putQueryDefinition,
		"DescribeQueryDefinitions":      s.describeQueryDefinitions,
		"DeleteQueryDefinition":         s.deleteQueryDefinition,
		"ListLogGroupsForQuery":         s.listLogGroupsForQuery,
	}
	s.configRoutes(m) // ops_config_routes.go
	return m
}
