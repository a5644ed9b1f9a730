package safehtml_test

import (
	"fmt"
	"net/url"

	"github.com/ucsp/integration/connector/safehtml"
)

func ExampleSanitize() {
	body := `<p onclick="steal()">Hello,</p>` +
		`<script>steal()</script>` +
		`<p>see <a href="https://example.com/invoice">your invoice</a>` +
		` or <a href="javascript:steal()">this</a>.</p>` +
		`<img src="cid:logo@shop.example" alt="logo">` +
		`<img src="https://tracker.example/open.gif">`

	res := safehtml.Sanitize(body, safehtml.Options{
		CID: func(contentID string) (string, bool) {
			// Look the Content-ID up among the message's attachments.
			if contentID != "logo@shop.example" {
				return "", false
			}
			return "/api/v1/integrations/7/messages/42/attachments/" + url.PathEscape("att-1"), true
		},
		BlockRemoteImages: true,
	})
	fmt.Println(res.HTML)
	fmt.Println("inline images:", res.InlineImages, "remote blocked:", res.RemoteImagesBlocked)
	// Output:
	// <p>Hello,</p><p>see <a href="https://example.com/invoice" rel="noopener noreferrer nofollow" target="_blank">your invoice</a> or this.</p><img src="/api/v1/integrations/7/messages/42/attachments/att-1" alt="logo">
	// inline images: 1 remote blocked: 1
}
