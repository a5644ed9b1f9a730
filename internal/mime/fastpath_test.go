package mime

import (
	"reflect"
	"testing"
)

// The address and date fast paths must give exactly what the general
// paths give whenever they accept an input.

var addressListSeeds = []string{
	"Alice Example <alice@example.test>",
	"alice@example.test, bob@example.org",
	",, a@b.c ,, ,",
	`"Doe, John" <john@example.com>`,
	`"Jo\"hn" <j@x.y>`,
	`"" <j@x.y>`,
	`"a"b <x@y.z>`,
	"J.R.  Smith\t<jr@x.y>",
	"=?UTF-8?B?Sm9zw6kgTcO8bGxlcg==?= <jose@example.com>",
	"=?UTF-8?B?5bGx55SwIA==?= =?UTF-8?B?5aSq6YOO?= <y@example.com>",
	"Smith =?utf-8?q?J=C3=B6rg?= <j@x.y>",
	"=?x-bogus?q?abc?= <j@x.y>",
	"=?utf-8?b?!!!?= <j@x.y>",
	"=?0?B??=<0@0>", // only empty encoded words: net/mail finds no word
	"=?utf-8?q??= x <a@b.c>",
	"=?utf-8?q??= \"\" <a@b.c>",
	"a@b.c, =?utf-8?q??= <a@b.c>",
	"Team: a@b.c, d@e.f;",
	"a@b.c (Alice)",
	"< a@b.c >",
	"a..b@c.d",
	"a@b.c <d@e.f>",
	"Jörg <j@x.y>",
	`"unclosed <x@y.z>`,
}

func FuzzFastAddressList(f *testing.F) {
	for _, s := range addressListSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fast := &parser{msg: newTestMessage()}
		got, ok := fast.fastAddressList("From", v)
		if !ok {
			return
		}
		slow := &parser{msg: newTestMessage()}
		list, err := slow.addressParser("From").ParseList(v)
		if err != nil {
			t.Fatalf("%q: fast path accepted what net/mail rejects: %v", v, err)
		}
		want := slow.convertAddresses("From", list)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(fast.msg.Problems, slow.msg.Problems) {
			t.Fatalf("%q:\n fast %#v %q\n slow %#v %q", v, got, fast.msg.Problems, want, slow.msg.Problems)
		}
	})
}

func TestFastAddressListDeclines(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"=?0?B??=<0@0>", "Team: a@b.c;", "a@b.c (Alice)", "Jörg <j@x.y>", "a..b@c.d"} {
		p := &parser{msg: newTestMessage()}
		if _, ok := p.fastAddressList("From", v); ok {
			t.Errorf("%q: fast path accepted", v)
		}
	}
}

func FuzzDateFastPath(f *testing.F) {
	for _, s := range []string{
		"Mon, 02 Jan 2006 15:04:05 -0500",
		"2 Jan 2006 15:04:05 +0530",
		"Tue, 29 Feb 2024 23:59:59 +0000",
		"Wed, 29 Feb 2023 10:00:00 -0000",
		"Mon, 02 Jan 2006 24:00:00 +0000",
		"Mon, 02 Jan 0000 15:04:05 +0000",
		"Fri, 31 Dec 9999 23:59:59 -2359",
		"Mon, 02 Jan 2006 15:04:05.25 -0500",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := parseDateFast(v)
		if !ok {
			return
		}
		want, wok := parseDateLayouts(v)
		if !wok || !reflect.DeepEqual(got, want) || got.Location().String() != want.Location().String() {
			t.Fatalf("%q: fast %v (%v), layouts %v (%v, %v)", v, got, got.Location(), want, want.Location(), wok)
		}
		if !got.Equal(want) {
			t.Fatalf("%q: %v != %v", v, got, want)
		}
	})
}
