package api

type tagResourceInput struct {
	ResourceArn string            `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

// resourceGroup resolves a tagging ARN to a log group of the caller.
func resourceGroup(c *call, resourceArn string) (string, error) {
	a, err := parseARN(resourceArn)
	if err != nil {
		return "", err
	}
	if a.kind != "log-group" {
		return "", errorf(400, "ResourceNotFoundException", "The specified resource does not exist.")
	}
	if a.account != c.scope.Account || a.region != c.scope.Region {
		return "", errGroupNotFound
	}
	return a.name, nil
}

func (s *Server) tagResource(c *call) (any, error) {
	var in tagResourceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if out, ok, err := s.configTags(c, in.ResourceArn, in.Tags, nil); ok {
		return out, err
	}
	name, err := resourceGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.TagGroup(c.scope, name, in.Tags)
}

type untagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

func (s *Server) untagResource(c *call) (any, error) {
	var in untagResourceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if out, ok, err := s.configTags(c, in.ResourceArn, nil, in.TagKeys); ok {
		return out, err
	}
	name, err := resourceGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UntagGroup(c.scope, name, in.TagKeys)
}

type listTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

type tagsOutput struct {
	Tags map[string]string `json:"tags"`
}

func (s *Server) listTagsForResource(c *call) (any, error) {
	var in listTagsForResourceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if out, ok, err := s.configTags(c, in.ResourceArn, nil, nil); ok {
		return out, err
	}
	name, err := resourceGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := s.store.GroupTags(c.scope, name)
	return tagsOutput{tags}, err
}

type tagLogGroupInput struct {
	LogGroupName string            `json:"logGroupName"`
	Tags         map[string]string `json:"tags"`
}

func (s *Server) tagLogGroup(c *call) (any, error) {
	var in tagLogGroupInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.TagGroup(c.scope, in.LogGroupName, in.Tags)
}

type untagLogGroupInput struct {
	LogGroupName string   `json:"logGroupName"`
	Tags         []string `json:"tags"`
}

func (s *Server) untagLogGroup(c *call) (any, error) {
	var in untagLogGroupInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UntagGroup(c.scope, in.LogGroupName, in.Tags)
}

func (s *Server) listTagsLogGroup(c *call) (any, error) {
	var in logGroupNameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.store.GroupTags(c.scope, in.LogGroupName)
	return tagsOutput{tags}, err
}
