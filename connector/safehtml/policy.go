package safehtml

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// styleProperties are the CSS properties kept in style attributes. Each
// value is checked by bluemonday's per-property handler, which accepts only
// the property's own value grammar: no url(), no expression(), no
// javascript:, no behaviour or -moz-binding. Properties that load a
// resource (background, background-image, list-style-image, content,
// cursor) or position content over the page (position, z-index, top, left)
// are not listed and are dropped.
var styleProperties = []string{
	"color", "background-color",
	"font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
	"line-height", "letter-spacing", "word-spacing", "white-space", "word-wrap", "word-break",
	"text-align", "text-decoration", "text-indent", "text-transform", "vertical-align", "direction",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
	"width", "height", "max-width", "min-width", "max-height", "min-height",
	"display", "float", "clear", "overflow", "table-layout", "list-style-type",
}

var (
	colour       = regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30})$`)
	numberOrPct  = regexp.MustCompile(`^[0-9]{1,5}%?$`)
	alignment    = regexp.MustCompile(`^(?i:left|right|center|justify|middle|top|bottom|baseline)$`)
	fontFace     = regexp.MustCompile(`^[a-zA-Z0-9 ,'"-]{1,200}$`)
	fontSize     = regexp.MustCompile(`^[+-]?[1-7]$`)
	contentIDRef = regexp.MustCompile(`(?i)^cid:`)
	// rasterDataURI is the data: URLs kept on images: raster formats only
	// (bluemonday would also pass image/svg+xml).
	rasterDataURI = regexp.MustCompile(`^data:image/(png|gif|jpeg|jpg|webp);base64,`)
)

// newPolicy builds the email policy. It starts from bluemonday's UGC
// policy (text formatting, lists, tables, images, links; no script, no
// event handlers, no forms, no iframe/object/embed, no meta, no base, no
// style or title element or their content) and adds what HTML mail uses:
// presentational attributes, font and center, sanitised inline styles,
// data:image URIs and cid: references. Relative URLs are refused: a mail
// has no base to resolve them against, and the page showing it must not
// be the target.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowURLSchemesMatching(regexp.MustCompile(`^cid$`))
	p.AllowDataURIImages()

	p.AllowElements("font", "center", "u", "s", "strike", "small", "big", "hr", "br", "wbr")
	p.AllowAttrs("color").Matching(colour).OnElements("font")
	p.AllowAttrs("face").Matching(fontFace).OnElements("font")
	p.AllowAttrs("size").Matching(fontSize).OnElements("font")
	p.AllowAttrs("bgcolor").Matching(colour).OnElements("table", "tr", "td", "th", "tbody", "thead", "tfoot", "div")
	p.AllowAttrs("align").Matching(alignment).OnElements("p", "div", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "tbody", "thead", "tfoot", "caption")
	p.AllowAttrs("valign").Matching(alignment).OnElements("tr", "td", "th", "tbody", "thead", "tfoot")
	p.AllowAttrs("width", "height").Matching(numberOrPct).OnElements("table", "td", "th", "img", "hr", "col", "colgroup")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(numberOrPct).OnElements("table", "img")
	p.AllowAttrs("colspan", "rowspan").Matching(numberOrPct).OnElements("td", "th")
	p.AllowStyles(styleProperties...).Globally()
	return p
}
