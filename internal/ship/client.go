package ship

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go/logging"
)

// ErrNoRegion means that neither the options nor the environment nor the
// shared AWS config name a region.
var ErrNoRegion = errors.New("no AWS region configured")

// ClientOptions select where a client sends and as whom.
type ClientOptions struct {
	// Region; "" takes AWS_REGION, AWS_DEFAULT_REGION or the shared
	// config's (in that order, as the AWS SDK does).
	Region string
	// Endpoint is a base URL such as http://127.0.0.1:9700 (logpond);
	// "" uses AWS_ENDPOINT_URL or the region's AWS endpoint.
	Endpoint string
	// Profile of the shared config files; "" takes AWS_PROFILE or default.
	Profile string
	// Credentials; nil uses the standard chain: environment, shared
	// files, SSO, web identity, container and instance roles.
	Credentials aws.CredentialsProvider
}

// NewClient builds a CloudWatch Logs client from the standard AWS
// configuration chain and o. The client does not retry by itself and does
// not log: the Sender retries, and a logging handler that ships through
// this client must not receive the client's own logs.
func NewClient(ctx context.Context, o ClientOptions) (*cwl.Client, error) {
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("endpoint %q is not an http(s) URL", o.Endpoint)
		}
	}
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(logging.Nop{}),
		config.WithClientLogMode(0),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, ErrNoRegion
	}
	return Tune(cwl.NewFromConfig(cfg, func(co *cwl.Options) {
		co.Retryer = aws.NopRetryer{}
		if o.Endpoint != "" {
			co.BaseEndpoint = aws.String(o.Endpoint)
		}
	})), nil
}
