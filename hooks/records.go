package hooks

import (
	"errors"
	"reflect"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// inTransaction runs fn with e.App switched to a transaction, so that the
// record's own write (e.Next, inside fn) and whatever fn adds to it commit
// or roll back together. Inside a transaction already, it joins it.
func inTransaction(e *core.RecordEvent, fn func(tx core.App) error) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return fn(tx)
	})
}

// readStoredRow reads into dest, a pointer to a struct whose fields carry
// db tags, those columns of record's row as it was last saved, through app
// (the write's transaction, where one is open). Hooks compare a write
// with the stored row rather than record.Original(): a record kept in
// memory across saves does not refresh its Original(), and a stale copy
// must not pass for what is stored.
func readStoredRow(app core.App, record *core.Record, dest any) error {
	return app.DB().Select(dbColumns(dest)...).From(record.Collection().Name).
		Where(dbx.HashExp{"id": record.LastSavedPK()}).One(dest)
}

// dbColumns lists the db tags of the struct dest points to.
func dbColumns(dest any) []string {
	t := reflect.TypeOf(dest).Elem()
	columns := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("db"); name != "" && name != "-" {
			columns = append(columns, name)
		}
	}
	return columns
}

// fieldErrors are the field errors of one record validation.
type fieldErrors validation.Errors

// add refuses field with err, unless the field is refused already.
func (f fieldErrors) add(field string, err error) {
	if _, refused := f[field]; !refused {
		f[field] = err
	}
}

// has tells whether field is refused already.
func (f fieldErrors) has(field string) bool {
	_, refused := f[field]
	return refused
}

// validateRecord runs PocketBase's own validation of the record's fields
// (e.Next), then check, which adds what the fields' options cannot
// express: a client gets every field error in one answer, and a field
// PocketBase refused keeps its error. An error that is not about fields
// (a failed query) is returned as it is.
func validateRecord(e *core.RecordEvent, check func(errs fieldErrors) error) error {
	errs := validation.Errors{}
	if err := e.Next(); err != nil && !errors.As(err, &errs) {
		return err
	}
	if err := check(fieldErrors(errs)); err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// withFieldErrors adds extra field errors to err when err is itself a set
// of field errors (or nil); any other error is returned as it is.
func withFieldErrors(err error, extra validation.Errors) error {
	if err == nil {
		return extra
	}
	var fieldErrs validation.Errors
	if !errors.As(err, &fieldErrs) {
		return err
	}
	merged := validation.Errors{}
	for k, v := range fieldErrs {
		merged[k] = v
	}
	for k, v := range extra {
		merged[k] = v
	}
	return merged
}
