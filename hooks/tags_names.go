package hooks

import (
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
)

// tagIdsByName turns the tag names a blog route was sent into tag ids, in
// the order given, creating the tags that do not exist yet: an author
// types names, never ids. Names naming the same tag ("Go", "go ") count
// once. It runs in the transaction of the post's write, so that a new tag
// exists exactly when a post carrying it does.
func tagIdsByName(tx core.App, names []string) ([]string, error) {
	keys := make([]string, 0, len(names))
	byKey := map[string]string{} // key → the name as first given
	for i, raw := range names {
		name, err := normalizeTagName(raw)
		if err != nil {
			return nil, validation.Errors{"tags": validation.NewError(err.Code(),
				fmt.Sprintf("Tag %d: %s", i+1, err.Message()))}
		}
		key := tagKey(name)
		if _, seen := byKey[key]; !seen {
			byKey[key] = name
			keys = append(keys, key)
		}
	}
	if len(keys) > maxPostTags {
		return nil, validation.Errors{"tags": validation.NewError("validation_too_many_tags",
			fmt.Sprintf("A post has at most %d tags.", maxPostTags))}
	}
	if len(keys) == 0 {
		return []string{}, nil
	}

	var existing []struct {
		Id  string `db:"id"`
		Key string `db:"key"`
	}
	err := tx.DB().Select("id", "key").From(tagsCollection).
		Where(dbx.In("key", list.ToInterfaceSlice(keys)...)).All(&existing)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, t := range existing {
		ids[t.Key] = t.Id
	}

	collection, err := tx.FindCachedCollectionByNameOrId(tagsCollection)
	if err != nil {
		return nil, err
	}
	result := make([]string, 0, len(keys))
	for _, key := range keys {
		if id, ok := ids[key]; ok {
			result = append(result, id)
			continue
		}
		tag := core.NewRecord(collection)
		tag.Set("name", byKey[key])
		if err := tx.Save(tag); err != nil {
			var fieldErrs validation.Errors
			if errors.As(err, &fieldErrs) {
				return nil, validation.Errors{"tags": validation.NewError("validation_invalid_tag",
					fmt.Sprintf("The tag %q cannot be created: %v", byKey[key], fieldErrs))}
			}
			return nil, err
		}
		result = append(result, tag.Id)
	}
	return result, nil
}
