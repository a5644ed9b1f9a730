// Package safehtml turns the HTML body of a mail into a rendition that an
// agent UI can insert into its own page: the sender's markup is kept as far
// as it only presents text, and everything that runs code, submits data,
// loads another document or reaches the network unasked is removed.
//
// It is for showing mail. It is not a general HTML sanitiser for user
// content, and it does not make a mail's claims true: a link's text may
// still differ from its target.
//
// # Sanitising
//
// [Sanitize] takes the HTML and [Options] and returns a [Result]:
//
//	res := safehtml.Sanitize(msg.HTML, safehtml.Options{
//		CID: func(id string) (string, bool) {
//			att, ok := byContentID[id]
//			if !ok {
//				return "", false
//			}
//			return "/api/v1/integrations/" + integrationID + "/messages/" + messageID +
//				"/attachments/" + url.PathEscape(att.ID), true
//		},
//		BlockRemoteImages: !userAllowedImages,
//	})
//	// res.HTML is safe to insert; res.RemoteImagesBlocked > 0 means the UI
//	// can offer "show images".
//
// The result is a fragment: html, head and body tags are dropped (their
// content kept), and title and style elements are dropped with their
// content. Serve it inside a page with its own Content-Security-Policy as
// well; the sanitiser is one layer, not the only one.
//
// # What is removed
//
// The policy is bluemonday's (github.com/microcosm-cc/bluemonday) UGC policy
// with additions for mail. Removed: script, style, title, noscript and their
// content; every on* event handler; form, input, button, select, textarea;
// iframe, frame, object, embed, applet; meta (refresh included), base, link;
// svg and math; any attribute not on the allow list (class and data-* are
// not on it); id and name, which would clobber the UI page's globals.
//
// URLs must parse and have an allowed scheme: http, https, mailto and tel
// on links; http, https, cid: and base64 data:image/png, gif, jpeg or webp
// on images. javascript:, vbscript:, other data: URLs and relative URLs
// are removed however they are written (entities, mixed case, embedded
// whitespace or control characters); relative URLs because a mail has no
// base and must not address the page that shows it.
//
// Every link with an href gets rel="noopener noreferrer nofollow" and
// target="_blank", replacing what the sender wrote.
//
// # Styles
//
// Inline style attributes are kept, sanitised property by property: only
// presentational properties (colours, fonts, text, box spacing, borders,
// sizes, display, float, overflow) are listed, and each value must match
// bluemonday's grammar for that property, so url(), expression(),
// javascript: and -moz-binding never pass. Properties that load resources
// (background, background-image, list-style-image, content, cursor) or
// could lay content over the UI (position, z-index) are dropped. The
// presentational attributes of old mail (bgcolor, align, valign, width,
// height, border, cellpadding, font color/face/size) are kept when their
// values match a strict pattern; the background attribute is dropped.
//
// # Images
//
// An img src of cid:ID (RFC 2392) is resolved through [Options].CID, which
// should return the URL of the service's attachment route for that
// Content-ID; unresolved ones lose their src and are listed in
// Result.MissingCIDs. Remote images (http, https) are kept unless
// [Options].BlockRemoteImages is set; then their src is dropped, or
// replaced by Options.RemoteImagePlaceholder, and counted.
package safehtml
