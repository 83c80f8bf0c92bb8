package hooks

import (
	"database/sql"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"blogbase/internal/content"
)

const (
	tagsCollection = "tags"

	maxTagNameRunes = 50
	maxPostTags     = 10
	maxTagSlugBytes = 80 // before any "-N" suffix; the field takes 100
)

// bindTags keeps every tag's name tidy, its key (the folded name) unique
// and its slug derived, on every write path: the blog's routes, the
// collections API, the dashboard and Go code.
func bindTags(app core.App) {
	app.OnRecordCreate(tagsCollection).BindFunc(completeTag)
	app.OnRecordUpdate(tagsCollection).BindFunc(completeTag)
}

// completeTag normalizes a tag before it is validated and saved, in a
// transaction, so that no concurrent write takes its key or slug between
// the check and the write. A slug is made from the name when the tag is
// new or its slug was cleared; renaming a tag keeps its slug, and so the
// address of its page.
func completeTag(e *core.RecordEvent) error {
	return inTransaction(e, func(tx core.App) error {
		tag := e.Record
		name, nameErr := normalizeTagName(tag.GetString("name"))
		if nameErr != nil {
			return validation.Errors{"name": nameErr}
		}
		tag.Set("name", name)
		key := tagKey(name)
		tag.Set("key", key)
		// whether it is published is the triggers' to say (see the tags
		// migration), whatever a client or the dashboard sends back
		count, err := taggedCount(tx, tag.Id)
		if err != nil {
			return err
		}
		tag.Set("published", count > 0)

		var other string
		err = tx.DB().Select("id").From(tagsCollection).
			Where(dbx.HashExp{"key": key}).AndWhere(dbx.Not(dbx.HashExp{"id": tag.Id})).Limit(1).Row(&other)
		switch {
		case err == nil:
			return validation.Errors{"name": validation.NewError("validation_not_unique", "A tag with this name exists.")}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}

		slug := tag.GetString("slug")
		stored := tag.Original().GetString("slug")
		switch {
		case tag.IsNew() || slug == "":
			free, err := freeTagSlug(tx, tagSlugBase(key), tag.Id)
			if err != nil {
				return err
			}
			tag.Set("slug", free)
		case slug != stored: // named by a superuser
			if !validTagSlug(slug) {
				return validation.Errors{"slug": validation.NewError("validation_invalid_slug",
					"Use lowercase letters and digits of any script, joined by single hyphens.")}
			}
			taken, err := tagSlugTaken(tx, slug, tag.Id)
			if err != nil {
				return err
			}
			if taken {
				return validation.Errors{"slug": validation.NewError("validation_not_unique", "Value must be unique")}
			}
		}
		return e.Next()
	})
}

// normalizeTagName trims a name and collapses its inner whitespace to one
// space; it must then hold 1 to 50 characters, none of them a control or
// formatting character (which would make two names look alike).
func normalizeTagName(raw string) (string, validation.Error) {
	name := strings.Join(strings.FieldsFunc(strings.ToValidUTF8(raw, "\uFFFD"), unicode.IsSpace), " ")
	name = norm.NFC.String(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", validation.NewError("validation_required", "Cannot be blank.")
	case n > maxTagNameRunes:
		return "", validation.NewError("validation_length_too_long", "Must be at most 50 characters.")
	}
	for _, r := range name {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return "", validation.NewError("validation_invalid_tag_name", "Must not contain control characters.")
		}
	}
	return name, nil
}

var foldTagName = cases.Fold()

// tagKey is what two names of the same tag share: "Go", " go" and "ＧＯ"
// are one tag (case folded, compatibility forms unified).
func tagKey(name string) string {
	return foldTagName.String(norm.NFKC.String(name))
}

// tagSlugBase makes a slug from a tag's key: its letters and digits in
// any script, kept as they are ("数据库" is /tags/数据库, as readers of
// Chinese expect, with no transliteration to collide in), the rest turned
// into single hyphens. "+" and "#" are spelled out, so that C, C++ and C#
// get three slugs rather than c, c-2 and c-3.
func tagSlugBase(key string) string {
	var b strings.Builder
	hyphen := false
	write := func(s string) {
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteString(s)
	}
	for _, r := range key {
		if b.Len() >= maxTagSlugBytes {
			break
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) && b.Len() > 0:
			write(string(unicode.ToLower(r)))
		case r == '+':
			write("plus")
		case r == '#':
			write("sharp")
		default:
			hyphen = true
		}
	}
	slug := b.String()
	for len(slug) > maxTagSlugBytes {
		_, size := utf8.DecodeLastRuneInString(slug)
		slug = slug[:len(slug)-size]
	}
	if slug = strings.Trim(slug, "-"); slug == "" {
		return "tag"
	}
	return slug
}

// validTagSlug tells whether s is a slug tagSlugBase could have made:
// lowercase letters, marks and digits, single inner hyphens.
func validTagSlug(s string) bool {
	if s == "" || len(s) > 100 || !utf8.ValidString(s) || strings.HasPrefix(s, "-") ||
		strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if r != '-' && !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) || unicode.ToLower(r) != r {
			return false
		}
	}
	return true
}

// freeTagSlug is the first of base, base-2, … no other tag has.
func freeTagSlug(tx core.App, base, self string) (string, error) {
	var takenErr error
	free := content.FirstFreeSlug(base, func(candidate string) bool {
		taken, err := tagSlugTaken(tx, candidate, self)
		if err != nil {
			takenErr = err
			return false
		}
		return taken
	})
	return free, takenErr
}

func tagSlugTaken(tx core.App, slug, self string) (bool, error) {
	var id string
	err := tx.DB().Select("id").From(tagsCollection).
		Where(dbx.HashExp{"slug": slug}).AndWhere(dbx.Not(dbx.HashExp{"id": self})).Limit(1).Row(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
