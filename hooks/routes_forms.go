package hooks

import (
	"encoding/json"
	"errors"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// bindForm reads a blog route's JSON, form or multipart body into dst (a
// struct with json and form tags). A value of the wrong type, a number
// for a phone say, is answered with a 400 naming its field, as the
// collections API and the post routes answer it; a body that cannot be
// read at all, with a 400 naming none.
func bindForm(e *core.RequestEvent, dst any) error {
	err := e.BindBody(dst)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return e.BadRequestError("Invalid data.", validation.Errors{
			typeErr.Field: validation.NewError("validation_invalid_type", "Must be a "+typeErr.Type.Kind().String()+"."),
		})
	}
	return e.BadRequestError("Failed to read the submitted data.", nil)
}
