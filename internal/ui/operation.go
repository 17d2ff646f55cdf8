package ui

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
)

// maxOperationBody bounds the body of an operation call; the API applies
// its own, smaller or equal, limit after this one.
const maxOperationBody = 8 << 20

var operationRE = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)

// operation runs a CloudWatch Logs operation as the session's account and
// region: POST /ui/api/op/{operation} with the operation's JSON request,
// answered with the operation's JSON response or error, status included.
func (h *Handler) operation(w http.ResponseWriter, r *http.Request, s *session) {
	op := r.PathValue("operation")
	if !operationRE.MatchString(op) {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "Unknown operation.")
		return
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxOperationBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "InvalidParameterException", "The request body is too large.")
			return
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || r.Context().Err() != nil {
			return // the client went away
		}
		writeError(w, http.StatusBadRequest, "SerializationException", "Could not read the request body.")
		return
	}
	status, resp := h.opts.API.Invoke(r.Context(), s.scope, op, buf.Bytes())
	writeRawJSON(w, status, resp)
}
