package custom

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// WriteResponse is the default Options.Respond: res as JSON with 200,
// or err as an RFC 9457 problem+json of type about:blank with its
// status: 415 ErrNotJSON, 409 ErrDisabled, 400 *DecodeError, 422
// *connector.ValidationError, 503 with Retry-After ErrBusy, 404
// store.ErrNotFound, 500 anything else (without its text).
func WriteResponse(w http.ResponseWriter, _ *http.Request, res *Result, err error) {
	if err == nil {
		b, _ := json.Marshal(res) // cannot fail: strings and a bool
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append(b, '\n'))
		return
	}
	var (
		de *DecodeError
		ve *connector.ValidationError
	)
	switch {
	case errors.Is(err, ErrNotJSON):
		err = webhook.NewError(http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, ErrDisabled):
		err = webhook.NewError(http.StatusConflict, err.Error())
	case errors.As(err, &de):
		err = webhook.NewError(http.StatusBadRequest, err.Error())
	case errors.As(err, &ve):
		err = webhook.NewError(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", "1")
		err = webhook.NewError(http.StatusServiceUnavailable, ErrBusy.Error())
	case errors.Is(err, store.ErrNotFound):
		err = webhook.NewError(http.StatusNotFound, "custom: the integration was deleted")
	}
	webhook.WriteError(w, err)
}
