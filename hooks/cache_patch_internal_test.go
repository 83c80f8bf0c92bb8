package hooks

import (
	"encoding/json"
	"testing"
)

// TestSpliceCommentsCount: the spliced JSON is what encoding the changed
// page writes, whatever the titles and authors hold.
func TestSpliceCommentsCount(t *testing.T) {
	t.Parallel()
	item := func(id, title string, count int) map[string]any {
		return map[string]any{
			"id": id, "title": title, "commentsCount": count, "summary": `"id":"` + id + `","commentsCount":7`,
			"expand": map[string]any{"author": map[string]any{"id": "user1", "name": `"commentsCount":1`}},
		}
	}
	page := func(counts ...int) []byte {
		b, _ := json.Marshal(postsPage{Page: 1, PerPage: 3, Items: []map[string]any{
			item("aaaaaaaaaaaaaaa", `a "commentsCount":3 title`, counts[0]),
			item("bbbbbbbbbbbbbbb", `"id":"ccccccccccccccc"`, counts[1]),
			item("ccccccccccccccc", "</script>", counts[2]),
		}})
		return b
	}
	for _, c := range []struct {
		id   string
		want []byte
	}{
		{"aaaaaaaaaaaaaaa", page(12, 0, 100)},
		{"bbbbbbbbbbbbbbb", page(5, 12, 100)},
		{"ccccccccccccccc", page(5, 0, 12)},
	} {
		got, err := spliceCommentsCount(page(5, 0, 100), c.id, 12)
		if err != nil || string(got) != string(c.want) {
			t.Errorf("post %s: %v\n%s\nwant\n%s", c.id, err, got, c.want)
		}
	}
	if _, err := spliceCommentsCount(page(1, 2, 3), "ddddddddddddddd", 4); err == nil {
		t.Error("a page without the post was patched")
	}
}
