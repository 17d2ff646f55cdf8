package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/logpond/logpond/internal/api/model"
	"github.com/logpond/logpond/internal/api/sigv4"
	"github.com/logpond/logpond/internal/store"
)

// Error is a CloudWatch Logs error response: {"__type": Type, "message": Message}.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func errorf(status int, typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: status}
}

func invalidParameter(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

func serializationError(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "SerializationException", format, args...)
}

var (
	errGroupNotFound  = errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
	errStreamNotFound = errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log stream does not exist.")
	errInvalidToken   = invalidParameter("The specified nextToken is invalid.")
)

// validationError renders model violations in the exception type that the
// operation declares.
func validationError(op *model.Operation, vs []model.Violation) *Error {
	return &Error{Type: op.ValidationErrorType(), Message: model.FormatViolations(vs), Status: http.StatusBadRequest}
}

// toAPIError maps any error to the CloudWatch exception a client sees. It is
// the only place where store and auth errors become exception names.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &Error{Type: se.Code, Message: se.Message, Status: http.StatusBadRequest}
	}
	var pe *store.ParamError
	if errors.As(err, &pe) {
		return invalidParameter("%s", pe.Msg)
	}
	switch {
	case errors.Is(err, store.ErrGroupNotFound):
		return errGroupNotFound
	case errors.Is(err, store.ErrStreamNotFound):
		return errStreamNotFound
	case errors.Is(err, store.ErrGroupExists):
		return errorf(http.StatusBadRequest, "ResourceAlreadyExistsException", "The specified log group already exists")
	case errors.Is(err, store.ErrStreamExists):
		return errorf(http.StatusBadRequest, "ResourceAlreadyExistsException", "The specified log stream already exists")
	case errors.Is(err, store.ErrDeletionProtected):
		return errorf(http.StatusBadRequest, "ValidationException", "Log group has deletion protection enabled. Disable deletion protection before deleting.")
	case errors.Is(err, store.ErrTooManyTags):
		return errorf(http.StatusBadRequest, "TooManyTagsException", "A resource can have no more than %d tags.", store.MaxTags)
	case errors.Is(err, store.ErrBusy):
		return errorf(http.StatusServiceUnavailable, "ServiceUnavailableException", "The server is busy writing its in-memory events to disk; retry the request.")
	case errors.Is(err, store.ErrClosed):
		return errorf(http.StatusServiceUnavailable, "ServiceUnavailableException", "The server is shutting down.")
	}
	return errorf(http.StatusInternalServerError, "ServiceUnavailableException", "The service cannot complete the request.")
}
