// Package contenttest checks HTML the way tests of the sanitizer and of
// the routes that store post bodies need: whether anything in it could run
// script once a browser shows it.
package contenttest

import (
	"strings"

	"golang.org/x/net/html"
)

// UnsafeHTML names what in s could run script once shown as HTML, or is "".
// Attribute values are read as a browser reads them: entities decoded,
// spaces and control characters dropped before the scheme.
func UnsafeHTML(s string) string {
	if strings.Contains(strings.ToLower(s), "<script") {
		return "a <script"
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return "unparsable: " + err.Error()
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "style", "iframe", "object", "embed", "base", "form", "meta", "link":
			return "a <" + n.Data + "> element"
		}
		for _, a := range n.Attr {
			name := strings.ToLower(a.Key)
			if strings.HasPrefix(name, "on") || name == "style" || name == "srcdoc" {
				return "attribute " + a.Key + "=" + a.Val
			}
			switch name {
			case "href", "src", "cite", "action", "formaction", "xlink:href", "poster", "background":
				if scriptURL(a.Val) {
					return "attribute " + a.Key + "=" + a.Val
				}
			}
		}
	}
	return ""
}

// scriptURL tells whether an attribute value (entities decoded) is a
// javascript:, vbscript: or data: URL to a browser, which ignores ASCII
// whitespace and control characters in the scheme.
func scriptURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")
}
