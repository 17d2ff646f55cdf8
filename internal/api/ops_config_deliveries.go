package api

// Vended-log deliveries as configuration: delivery sources, delivery
// destinations with their policies, deliveries pairing the two,
// UpdateDeliveryConfiguration and DescribeConfigurationTemplates. No AWS
// service produces vended logs here, so these are complete when stored and
// validated; DescribeConfigurationTemplates has no templates to return.

import (
	"github.com/logpond/logpond/internal/store"
)

const kindDeliveryDestPolicy = "deliveryDestinationPolicy" // name: the destination's

type deliverySource struct {
	Name                        string            `json:"name"`
	Arn                         string            `json:"arn"`
	ResourceArns                []string          `json:"resourceArns"`
	Service                     string            `json:"service"`
	LogType                     string            `json:"logType"`
	Tags                        map[string]string `json:"tags,omitempty"`
	DeliverySourceConfiguration map[string]string `json:"deliverySourceConfiguration,omitempty"`
	Status                      string            `json:"status,omitempty"`
}

type putDeliverySourceInput struct {
	Name                        string            `json:"name"`
	ResourceArn                 string            `json:"resourceArn"`
	LogType                     string            `json:"logType"`
	Tags                        map[string]string `json:"tags"`
	DeliverySourceConfiguration map[string]string `json:"deliverySourceConfiguration"`
}

var (
	errDeliverySourceNotFound = notFound("The specified delivery source does not exist.")
	errDeliveryDestNotFound   = notFound("The specified delivery destination does not exist.")
	errDeliveryNotFound       = notFound("The specified delivery does not exist.")
)

func (s *Server) putDeliverySource(c *call) (any, error) {
	var in putDeliverySourceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	a, ok := parseAWSARN(in.ResourceArn)
	if !ok {
		return nil, badRequest(c, "Invalid resourceArn %s: must be the ARN of the resource that sends the logs.", in.ResourceArn)
	}
	src := deliverySource{
		Name: in.Name, Arn: configARN(c.scope, "delivery-source", in.Name),
		ResourceArns: []string{in.ResourceArn}, Service: a.service, LogType: in.LogType,
		Tags: in.Tags, DeliverySourceConfiguration: in.DeliverySourceConfiguration, Status: "ACTIVE",
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		var old deliverySource
		found, err := tx.Get(kindDeliverySource, "", in.Name, &old)
		if err != nil {
			return err
		}
		if found && (old.Service != src.Service || old.LogType != src.LogType) && s.deliveriesUsing(tx, in.Name, "") {
			return conflict("Delivery source %s is used by deliveries: its service and log type cannot change.", in.Name)
		}
		return tx.Put(kindDeliverySource, "", in.Name, src)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DeliverySource deliverySource `json:"deliverySource"`
	}{src}, nil
}

type nameInput struct {
	Name string `json:"name"`
}

func (s *Server) getDeliverySource(c *call) (any, error) {
	var in nameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var src deliverySource
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindDeliverySource, "", in.Name, &src)
		if err == nil && !found {
			err = errDeliverySourceNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DeliverySource deliverySource `json:"deliverySource"`
	}{src}, nil
}

type describeDeliveryInput struct {
	NextToken *string `json:"nextToken"`
	Limit     *int    `json:"limit"`
}

func (s *Server) describeDeliverySources(c *call) (any, error) {
	var in describeDeliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		DeliverySources []deliverySource `json:"deliverySources"`
		NextToken       string           `json:"nextToken,omitempty"`
	}{DeliverySources: []deliverySource{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		v, next, err := page[deliverySource](tx, store.ConfigQuery{Kind: kindDeliverySource}, in.NextToken, limitOr(in.Limit, 50), nil)
		if v != nil {
			out.DeliverySources = v
		}
		out.NextToken = next
		return err
	})
	return out, err
}

// deliveriesUsing reports whether a delivery uses the delivery source (or
// destination ARN) named.
func (s *Server) deliveriesUsing(tx *store.ConfigTx, source, destArn string) bool {
	used := false
	tx.List(store.ConfigQuery{Kind: kindDelivery}, func(it store.ConfigItem) (bool, error) {
		var d delivery
		if it.Decode(&d) == nil && ((source != "" && d.DeliverySourceName == source) || (destArn != "" && d.DeliveryDestinationArn == destArn)) {
			used = true
			return false, nil
		}
		return true, nil
	})
	return used
}

func (s *Server) deleteDeliverySource(c *call) (any, error) {
	var in nameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliverySource, "", in.Name) {
			return errDeliverySourceNotFound
		}
		if s.deliveriesUsing(tx, in.Name, "") {
			return conflict("Delivery source %s is used by deliveries; delete them first.", in.Name)
		}
		_, err := tx.Delete(kindDeliverySource, "", in.Name)
		return err
	})
}

// Delivery destinations.

type deliveryDestinationConfiguration struct {
	DestinationResourceArn string `json:"destinationResourceArn"`
}

type deliveryDestination struct {
	Name                             string                            `json:"name"`
	Arn                              string                            `json:"arn"`
	DeliveryDestinationType          string                            `json:"deliveryDestinationType"`
	OutputFormat                     string                            `json:"outputFormat,omitempty"`
	DeliveryDestinationConfiguration *deliveryDestinationConfiguration `json:"deliveryDestinationConfiguration,omitempty"`
	Tags                             map[string]string                 `json:"tags,omitempty"`
}

type putDeliveryDestinationInput struct {
	Name                             string                            `json:"name"`
	OutputFormat                     string                            `json:"outputFormat"`
	DeliveryDestinationConfiguration *deliveryDestinationConfiguration `json:"deliveryDestinationConfiguration"`
	DeliveryDestinationType          string                            `json:"deliveryDestinationType"`
	Tags                             map[string]string                 `json:"tags"`
}

// destinationTypeOf derives a delivery destination's type from the ARN of
// the resource it delivers to.
func destinationTypeOf(arn string) string {
	a, _ := parseAWSARN(arn)
	return map[string]string{"s3": "S3", "logs": "CWL", "firehose": "FH"}[a.service]
}

func (s *Server) putDeliveryDestination(c *call) (any, error) {
	var in putDeliveryDestinationInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	d := deliveryDestination{
		Name: in.Name, Arn: configARN(c.scope, "delivery-destination", in.Name),
		DeliveryDestinationType: in.DeliveryDestinationType, OutputFormat: in.OutputFormat,
		DeliveryDestinationConfiguration: in.DeliveryDestinationConfiguration, Tags: in.Tags,
	}
	switch conf := in.DeliveryDestinationConfiguration; {
	case conf == nil && in.DeliveryDestinationType != "XRAY":
		return nil, badRequest(c, "deliveryDestinationConfiguration is required unless deliveryDestinationType is XRAY.")
	case conf != nil:
		typ := destinationTypeOf(conf.DestinationResourceArn)
		if typ == "" {
			return nil, badRequest(c, "Invalid destinationResourceArn %s: must be the ARN of an S3 bucket, a log group or a Firehose delivery stream.", conf.DestinationResourceArn)
		}
		if in.DeliveryDestinationType != "" && in.DeliveryDestinationType != typ {
			return nil, badRequest(c, "deliveryDestinationType %s does not match destinationResourceArn %s.", in.DeliveryDestinationType, conf.DestinationResourceArn)
		}
		d.DeliveryDestinationType = typ
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		return tx.Put(kindDeliveryDest, "", in.Name, d)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DeliveryDestination deliveryDestination `json:"deliveryDestination"`
	}{d}, nil
}

func (s *Server) getDeliveryDestination(c *call) (any, error) {
	var in nameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var d deliveryDestination
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindDeliveryDest, "", in.Name, &d)
		if err == nil && !found {
			err = errDeliveryDestNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DeliveryDestination deliveryDestination `json:"deliveryDestination"`
	}{d}, nil
}

func (s *Server) describeDeliveryDestinations(c *call) (any, error) {
	var in describeDeliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		DeliveryDestinations []deliveryDestination `json:"deliveryDestinations"`
		NextToken            string                `json:"nextToken,omitempty"`
	}{DeliveryDestinations: []deliveryDestination{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		v, next, err := page[deliveryDestination](tx, store.ConfigQuery{Kind: kindDeliveryDest}, in.NextToken, limitOr(in.Limit, 50), nil)
		if v != nil {
			out.DeliveryDestinations = v
		}
		out.NextToken = next
		return err
	})
	return out, err
}

func (s *Server) deleteDeliveryDestination(c *call) (any, error) {
	var in nameInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliveryDest, "", in.Name) {
			return errDeliveryDestNotFound
		}
		if s.deliveriesUsing(tx, "", configARN(c.scope, "delivery-destination", in.Name)) {
			return conflict("Delivery destination %s is used by deliveries; delete them first.", in.Name)
		}
		if _, err := tx.Delete(kindDeliveryDestPolicy, "", in.Name); err != nil {
			return err
		}
		_, err := tx.Delete(kindDeliveryDest, "", in.Name)
		return err
	})
}

type deliveryDestinationPolicyInput struct {
	DeliveryDestinationName   string `json:"deliveryDestinationName"`
	DeliveryDestinationPolicy string `json:"deliveryDestinationPolicy"`
}

type deliveryPolicyOutput struct {
	Policy struct {
		DeliveryDestinationPolicy string `json:"deliveryDestinationPolicy"`
	} `json:"policy"`
}

func (s *Server) putDeliveryDestinationPolicy(c *call) (any, error) {
	var in deliveryDestinationPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !isJSONObject(in.DeliveryDestinationPolicy) {
		return nil, badRequest(c, "Invalid deliveryDestinationPolicy: the policy must be a JSON IAM policy document.")
	}
	err := s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliveryDest, "", in.DeliveryDestinationName) {
			return errDeliveryDestNotFound
		}
		return tx.Put(kindDeliveryDestPolicy, "", in.DeliveryDestinationName, in.DeliveryDestinationPolicy)
	})
	if err != nil {
		return nil, err
	}
	var out deliveryPolicyOutput
	out.Policy.DeliveryDestinationPolicy = in.DeliveryDestinationPolicy
	return out, nil
}

func (s *Server) getDeliveryDestinationPolicy(c *call) (any, error) {
	var in deliveryDestinationPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var out deliveryPolicyOutput
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliveryDest, "", in.DeliveryDestinationName) {
			return errDeliveryDestNotFound
		}
		_, err := tx.Get(kindDeliveryDestPolicy, "", in.DeliveryDestinationName, &out.Policy.DeliveryDestinationPolicy)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Policy.DeliveryDestinationPolicy == "" {
		return struct{}{}, nil
	}
	return out, nil
}

func (s *Server) deleteDeliveryDestinationPolicy(c *call) (any, error) {
	var in deliveryDestinationPolicyInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliveryDest, "", in.DeliveryDestinationName) {
			return errDeliveryDestNotFound
		}
		found, err := tx.Delete(kindDeliveryDestPolicy, "", in.DeliveryDestinationName)
		if err == nil && !found {
			err = notFound("The delivery destination %s has no policy.", in.DeliveryDestinationName)
		}
		return err
	})
}

// Deliveries.

type s3DeliveryConfiguration struct {
	SuffixPath               *string `json:"suffixPath,omitempty"`
	EnableHiveCompatiblePath *bool   `json:"enableHiveCompatiblePath,omitempty"`
}

type delivery struct {
	ID                      string                   `json:"id"`
	Arn                     string                   `json:"arn"`
	DeliverySourceName      string                   `json:"deliverySourceName"`
	DeliveryDestinationArn  string                   `json:"deliveryDestinationArn"`
	DeliveryDestinationType string                   `json:"deliveryDestinationType"`
	RecordFields            []string                 `json:"recordFields,omitempty"`
	FieldDelimiter          *string                  `json:"fieldDelimiter,omitempty"`
	S3DeliveryConfiguration *s3DeliveryConfiguration `json:"s3DeliveryConfiguration,omitempty"`
	Tags                    map[string]string        `json:"tags,omitempty"`
}

type deliveryInput struct {
	ID                      string                   `json:"id"`
	DeliverySourceName      string                   `json:"deliverySourceName"`
	DeliveryDestinationArn  string                   `json:"deliveryDestinationArn"`
	RecordFields            []string                 `json:"recordFields"`
	FieldDelimiter          *string                  `json:"fieldDelimiter"`
	S3DeliveryConfiguration *s3DeliveryConfiguration `json:"s3DeliveryConfiguration"`
	Tags                    map[string]string        `json:"tags"`
}

// apply applies the configurable members of CreateDelivery and
// UpdateDeliveryConfiguration.
func (in *deliveryInput) apply(c *call, d *delivery) error {
	if in.S3DeliveryConfiguration != nil && d.DeliveryDestinationType != "S3" {
		return badRequest(c, "s3DeliveryConfiguration applies only to deliveries to S3.")
	}
	if in.RecordFields != nil {
		d.RecordFields = in.RecordFields
	}
	if in.FieldDelimiter != nil {
		d.FieldDelimiter = in.FieldDelimiter
	}
	if in.S3DeliveryConfiguration != nil {
		d.S3DeliveryConfiguration = in.S3DeliveryConfiguration
	}
	return nil
}

// newDeliveryID returns a fresh delivery ID (alphanumeric, as the model
// requires).
func newDeliveryID() string {
	id := newRequestID()
	out := make([]byte, 0, len(id))
	for i := 0; i < len(id); i++ {
		if id[i] != '-' {
			out = append(out, id[i])
		}
	}
	return string(out)
}

func (s *Server) createDelivery(c *call) (any, error) {
	var in deliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	destName, err := resolveConfigARN(c, in.DeliveryDestinationArn, "delivery-destination", errDeliveryDestNotFound)
	if err != nil {
		return nil, err
	}
	id := newDeliveryID()
	d := delivery{ID: id, Arn: configARN(c.scope, "delivery", id), DeliverySourceName: in.DeliverySourceName,
		DeliveryDestinationArn: in.DeliveryDestinationArn, Tags: in.Tags}
	err = s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		if !tx.Exists(kindDeliverySource, "", in.DeliverySourceName) {
			return errDeliverySourceNotFound
		}
		var dest deliveryDestination
		found, err := tx.Get(kindDeliveryDest, "", destName, &dest)
		if err != nil {
			return err
		}
		if !found {
			return errDeliveryDestNotFound
		}
		d.DeliveryDestinationType = dest.DeliveryDestinationType
		if err := in.apply(c, &d); err != nil {
			return err
		}
		dup := false
		tx.List(store.ConfigQuery{Kind: kindDelivery}, func(it store.ConfigItem) (bool, error) {
			var o delivery
			if it.Decode(&o) == nil && o.DeliverySourceName == d.DeliverySourceName && o.DeliveryDestinationArn == d.DeliveryDestinationArn {
				dup = true
				return false, nil
			}
			return true, nil
		})
		if dup {
			return conflict("A delivery from %s to %s already exists.", in.DeliverySourceName, in.DeliveryDestinationArn)
		}
		return tx.Put(kindDelivery, "", id, d)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		Delivery delivery `json:"delivery"`
	}{d}, nil
}

func (s *Server) getDelivery(c *call) (any, error) {
	var in deliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var d delivery
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Get(kindDelivery, "", in.ID, &d)
		if err == nil && !found {
			err = errDeliveryNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		Delivery delivery `json:"delivery"`
	}{d}, nil
}

func (s *Server) describeDeliveries(c *call) (any, error) {
	var in describeDeliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := struct {
		Deliveries []delivery `json:"deliveries"`
		NextToken  string     `json:"nextToken,omitempty"`
	}{Deliveries: []delivery{}}
	err := s.store.ViewConfig(c.scope, func(tx *store.ConfigTx) error {
		v, next, err := page[delivery](tx, store.ConfigQuery{Kind: kindDelivery}, in.NextToken, limitOr(in.Limit, 50), nil)
		if v != nil {
			out.Deliveries = v
		}
		out.NextToken = next
		return err
	})
	return out, err
}

func (s *Server) deleteDelivery(c *call) (any, error) {
	var in deliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		found, err := tx.Delete(kindDelivery, "", in.ID)
		if err == nil && !found {
			err = errDeliveryNotFound
		}
		return err
	})
}

func (s *Server) updateDeliveryConfiguration(c *call) (any, error) {
	var in deliveryInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return struct{}{}, s.store.UpdateConfig(c.scope, func(tx *store.ConfigTx) error {
		var d delivery
		found, err := tx.Get(kindDelivery, "", in.ID, &d)
		if err != nil {
			return err
		}
		if !found {
			return errDeliveryNotFound
		}
		if err := in.apply(c, &d); err != nil {
			return err
		}
		return tx.Put(kindDelivery, "", in.ID, d)
	})
}

type describeConfigurationTemplatesInput struct {
	NextToken *string `json:"nextToken"`
}

func (s *Server) describeConfigurationTemplates(c *call) (any, error) {
	var in describeConfigurationTemplatesInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.NextToken != nil {
		return nil, errInvalidToken
	}
	return struct {
		ConfigurationTemplates []struct{} `json:"configurationTemplates"`
	}{[]struct{}{}}, nil
}
