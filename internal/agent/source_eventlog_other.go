//go:build !windows

package agent

import (
	"context"
	"errors"
)

// eventLogSource is only available on Windows.
type eventLogSource struct{}

func newEventLogSource(*SourceConfig, *sourceEnv) (*eventLogSource, error) {
	return nil, errors.New("windows_event_log sources need Windows")
}

func (*eventLogSource) run(context.Context) error { return nil }
