package hooks

import (
	"path"
	"slices"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// bindImageNames names every new file of an image field by its content,
// on every write path (API, batch, dashboard, Go code). PocketBase checks
// the content against the field's MIME types but keeps the uploaded
// name's extension, and its file server takes some content types from
// the extension: a GIF uploaded as x.svg would be served as image/svg+xml.
func bindImageNames(app core.App) {
	app.OnRecordCreate().BindFunc(nameImagesByContent)
	app.OnRecordUpdate().BindFunc(nameImagesByContent)
}

// nameImagesByContent gives each new file of the record's image fields
// the extension its content says, keeping the rest of the name, before
// the record is validated and the files stored under that name. Content
// that is not an allowed image keeps the name it was sent with, which
// PocketBase's validation then names in refusing it.
func nameImagesByContent(e *core.RecordEvent) error {
	for _, field := range e.Record.Collection().Fields {
		images, ok := field.(*core.FileField)
		if !ok || !imagesOnly(images.MimeTypes) {
			continue
		}
		for _, file := range e.Record.GetUnsavedFiles(images.Name) {
			if ext, ok := contentExtension(file, images.MimeTypes); ok {
				file.Name = strings.TrimSuffix(file.Name, path.Ext(file.Name)) + ext
			}
		}
	}
	return e.Next()
}

// imagesOnly tells whether a file field takes images and nothing else.
func imagesOnly(mimeTypes []string) bool {
	for _, t := range mimeTypes {
		if !strings.HasPrefix(t, "image/") {
			return false
		}
	}
	return len(mimeTypes) > 0
}

// contentExtension is the extension of file's content as PocketBase's
// MIME type check detects it; not ok when the content is not one of
// allowed, or cannot be read, which the upload itself then reports.
func contentExtension(file *filesystem.File, allowed []string) (string, bool) {
	r, err := file.Reader.Open()
	if err != nil {
		return "", false
	}
	defer r.Close()
	mt, err := mimetype.DetectReader(r)
	if err != nil || !slices.ContainsFunc(allowed, mt.Is) {
		return "", false
	}
	return mt.Extension(), true
}
