package safehtml

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// rewrite walks the sanitiser's output and applies what bluemonday cannot
// express: cid: resolution, remote image blocking, data: only on images,
// and the same rel and target on every link. Tokens it does not change are
// copied byte for byte.
func rewrite(clean string, opts Options) Result {
	var (
		res  Result
		out  strings.Builder
		seen = map[string]bool{}
		// droppedA says, for each open a element, whether its start tag
		// was dropped, so that its end tag is dropped too.
		droppedA []bool
	)
	out.Grow(len(clean) + len(clean)/8)
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt == html.EndTagToken {
			if name, _ := z.TagName(); string(name) == "a" && len(droppedA) > 0 {
				dropped := droppedA[len(droppedA)-1]
				droppedA = droppedA[:len(droppedA)-1]
				if dropped {
					continue
				}
			}
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		raw := string(z.Raw())
		tok := z.Token()
		changed := dropClobbering(&tok)
		switch tok.Data {
		case "img":
			changed = rewriteImg(&tok, opts, &res, seen) || changed
		case "a", "area":
			changed = rewriteLink(&tok) || changed
		}
		// An a or img left with no attribute is dropped, as the sanitiser
		// drops them, so that the output sanitises to itself.
		empty := changed && len(tok.Attr) == 0 && (tok.Data == "a" || tok.Data == "img")
		if tok.Data == "a" && tt == html.StartTagToken {
			droppedA = append(droppedA, empty)
		}
		switch {
		case empty:
		case changed:
			out.WriteString(tok.String())
		default:
			out.WriteString(raw)
		}
	}
	res.HTML = out.String()
	return res
}

// rewriteImg resolves or drops an img's src and counts what it did.
func rewriteImg(tok *html.Token, opts Options, res *Result, seen map[string]bool) bool {
	i := slices.IndexFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "src" })
	if i < 0 {
		return false
	}
	src := tok.Attr[i].Val
	lower := strings.ToLower(src)
	switch {
	case contentIDRef.MatchString(src):
		id := contentID(src)
		if opts.CID != nil {
			if u, ok := opts.CID(id); ok && acceptableTarget(u) {
				tok.Attr[i].Val = u
				res.InlineImages++
				return true
			}
		}
		if !seen[id] {
			seen[id] = true
			res.MissingCIDs = append(res.MissingCIDs, id)
		}
	case strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:"):
		res.RemoteImages++
		if !opts.BlockRemoteImages {
			return false
		}
		res.RemoteImagesBlocked++
		if acceptableTarget(opts.RemoteImagePlaceholder) {
			tok.Attr[i].Val = opts.RemoteImagePlaceholder
			return true
		}
	case rasterDataURI.MatchString(lower):
		return false // bluemonday checked the base64
	}
	tok.Attr = slices.Delete(tok.Attr, i, i+1)
	return true
}

// rewriteLink gives a link rel="noopener noreferrer nofollow" and
// target="_blank", whatever the sanitiser or the sender set, and removes
// an href that is a cid: or data: URL (only images may use those).
func rewriteLink(tok *html.Token) bool {
	tok.Attr = slices.DeleteFunc(tok.Attr, func(a html.Attribute) bool {
		if a.Key == "rel" || a.Key == "target" {
			return true
		}
		l := strings.ToLower(a.Val)
		return a.Key == "href" && (strings.HasPrefix(l, "cid:") || strings.HasPrefix(l, "data:"))
	})
	if !slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "href" }) {
		return true
	}
	tok.Attr = append(tok.Attr,
		html.Attribute{Key: "rel", Val: "noopener noreferrer nofollow"},
		html.Attribute{Key: "target", Val: "_blank"})
	return true
}

// dropClobbering removes id and name attributes: inserted into the UI's
// page they would become properties of window and document (DOM
// clobbering) and could collide with the UI's own ids.
func dropClobbering(tok *html.Token) bool {
	n := len(tok.Attr)
	tok.Attr = slices.DeleteFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "id" || a.Key == "name" })
	return len(tok.Attr) != n
}
