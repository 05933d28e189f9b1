package dataio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

// crlf turns a fixture written with "\n" into the CRLF vCards use.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Google Contacts export (vCard 3.0): TYPE params, escaped comma and
// colon, item-grouped URL.
const googleVCard = `BEGIN:VCARD
VERSION:3.0
FN:José Pérez Muñoz
N:Pérez Muñoz;José;;;
EMAIL;TYPE=INTERNET;TYPE=WORK:jose.perez@acme.es
EMAIL;TYPE=INTERNET;TYPE=HOME:pepe@example.com
TEL;TYPE=CELL:+34 600 123 456
TEL;TYPE=WORK:+34 941 000 000
ADR;TYPE=WORK:;;Calle Mayor\, 5;Logroño;La Rioja;26001;España
ORG:Acme S.L.
TITLE:Director comercial
BDAY:1980-04-12
NOTE:Conocido en la feria\nllamar en mayo
CATEGORIES:myContacts,Clientes
item1.URL:https\://acme.es
item1.X-ABLabel:
END:VCARD
`

// Apple/iOS export (vCard 3.0): item groups with X-ABLabel, lowercase
// type params, pref as a type, a folded base64 PHOTO, no-year birthday.
const appleVCard = `BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.0//EN
N:张;伟;;;
FN:张伟
ORG:北京科技有限公司;销售部
TITLE:经理
item1.EMAIL;type=INTERNET;type=pref:wei.zhang@example.cn
item1.X-ABLabel:_$!<Other>!$_
EMAIL;type=INTERNET;type=WORK:zhang@work.example.cn
item2.TEL;type=pref:+86 10 1234 5678
item2.X-ABLabel:_$!<Mobile>!$_
TEL;type=IPHONE;type=CELL;type=VOICE:+86 138 0000 0000
item3.ADR;type=HOME;type=pref:;;朝阳区建国路88号;北京;北京市;100022;中国
item3.X-ABADR:cn
BDAY;X-APPLE-OMIT-YEAR=1604:1604-11-30
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgG
 BgUGBwkICAcHBwgLCAcJDgkJCgoKCgoJCw0LCgsNCAoKCv/2wBDAQMDAwQDBAYEBAYKBwUHCgoK
 CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo=
CATEGORIES:VIP
END:VCARD
`

// vCard 4.0: PREF=1, quoted TYPE list, tel: URIs, two addresses (the
// preferred one second), --MMDD birthday, LANG, TZ, escaped separators.
const v4VCard = `BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:Ainhoa Ibáñez
N:Ibáñez;Ainhoa;María;Dra.;
EMAIL;TYPE=work;PREF=1:ainhoa@example.es
EMAIL;TYPE=home:ainhoa.home@example.es
TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+34-91-555-0100
TEL;VALUE=uri;TYPE=cell:tel:+34-600-555-0101
ADR;TYPE=home:;;Calle Alcalá 1;Madrid;;28014;España
ADR;TYPE=work;PREF=1:;Planta 3;Paseo de la Castellana 100;Madrid;Madrid;28046;España
BDAY:--0412
LANG;PREF=1:es
LANG;PREF=2:en
TZ:Europe/Madrid
CATEGORIES:cliente,Feria 2024\, Madrid
NOTE:Línea uno\nLínea dos\; con punto y coma
URL:https://ibanez.example.es
END:VCARD
`

// Android export (vCard 2.1): QUOTED-PRINTABLE UTF-8 with a soft line
// break, bare type parameters.
const androidVCard = `BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E;=E5=A8=9C;;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E=E5=A8=9C
TEL;CELL;PREF:+8613900000000
TEL;HOME:010-12345678
EMAIL;HOME:li.na@example.cn
NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=E7=AC=AC=E4=B8=80=E8=A1=8C=0D=0A=E7=AC=AC=E4=BA=8C=E8=A1=8C=
=E7=BB=93=E6=9D=9F
END:VCARD
`

// Outlook export (vCard 2.1) in Windows-1252, with a QUOTED-PRINTABLE value
// in that code page and no CHARSET.
const outlookVCard = `BEGIN:VCARD
VERSION:2.1
N;LANGUAGE=es:Muñoz;Íñigo
FN:Íñigo Muñoz
ORG:Café Niño
TEL;WORK;VOICE:(91) 555 01 02
EMAIL;PREF;INTERNET:inigo@example.es
ADR;WORK;PREF:;;Calle Peña 3;Bilbao;Vizcaya;48001;España
NOTE;ENCODING=QUOTED-PRINTABLE:Due=F1o de la Pe=F1a
END:VCARD
`

func readCards(t *testing.T, in []byte) []Card {
	t.Helper()
	var cards []Card
	if err := ReadVCards(bytes.NewReader(in), func(c Card) error {
		cards = append(cards, c)
		return nil
	}); err != nil {
		t.Fatalf("ReadVCards: %v", err)
	}
	return cards
}

func TestReadVCards(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Card
	}{
		{"google 3.0", []byte(crlf(googleVCard)), Card{
			FullName: "José Pérez Muñoz", GivenName: "José", FamilyName: "Pérez Muñoz",
			Emails: []Typed{{Value: "jose.perez@acme.es", Type: "work"}, {Value: "pepe@example.com", Type: "home"}},
			Phones: []Typed{{Value: "+34 600 123 456", Type: "cell"}, {Value: "+34 941 000 000", Type: "work"}},
			Org:    "Acme S.L.", Title: "Director comercial",
			Street: "Calle Mayor, 5", City: "Logroño", Region: "La Rioja", PostalCode: "26001", Country: "España",
			Birthday: "1980-04-12", Note: "Conocido en la feria\nllamar en mayo",
			Categories: []string{"myContacts", "Clientes"}, URL: "https://acme.es", Line: 1,
		}},
		{"apple 3.0", []byte(crlf(appleVCard)), Card{
			FullName: "张伟", GivenName: "伟", FamilyName: "张",
			Emails: []Typed{{Value: "wei.zhang@example.cn", Type: "other", Pref: true}, {Value: "zhang@work.example.cn", Type: "work"}},
			Phones: []Typed{{Value: "+86 10 1234 5678", Type: "mobile", Pref: true}, {Value: "+86 138 0000 0000", Type: "iphone,cell"}},
			Org:    "北京科技有限公司", Title: "经理",
			Street: "朝阳区建国路88号", City: "北京", Region: "北京市", PostalCode: "100022", Country: "中国",
			Birthday: "--11-30", Categories: []string{"VIP"}, Line: 1,
		}},
		{"4.0", []byte(v4VCard), Card{
			UID: "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1", FullName: "Ainhoa Ibáñez",
			GivenName: "Ainhoa", FamilyName: "Ibáñez", MiddleName: "María",
			Emails: []Typed{{Value: "ainhoa@example.es", Type: "work", Pref: true}, {Value: "ainhoa.home@example.es", Type: "home"}},
			Phones: []Typed{{Value: "+34-91-555-0100", Type: "work", Pref: true}, {Value: "+34-600-555-0101", Type: "cell"}},
			Street: "Paseo de la Castellana 100, Planta 3", City: "Madrid", Region: "Madrid", PostalCode: "28046", Country: "España",
			Birthday: "--04-12", Language: "es", TimeZone: "Europe/Madrid",
			Categories: []string{"cliente", "Feria 2024, Madrid"}, Note: "Línea uno\nLínea dos; con punto y coma",
			URL: "https://ibanez.example.es", Line: 1,
		}},
		{"android 2.1 quoted-printable", []byte(crlf(androidVCard)), Card{
			FullName: "李娜", GivenName: "娜", FamilyName: "李",
			Emails: []Typed{{Value: "li.na@example.cn", Type: "home"}},
			Phones: []Typed{{Value: "+8613900000000", Type: "cell", Pref: true}, {Value: "010-12345678", Type: "home"}},
			Note:   "第一行\n第二行结束", Line: 1,
		}},
		{"outlook 2.1 windows-1252", cp1252(t, crlf(outlookVCard)), Card{
			FullName: "Íñigo Muñoz", GivenName: "Íñigo", FamilyName: "Muñoz", Org: "Café Niño",
			Emails: []Typed{{Value: "inigo@example.es", Pref: true}},
			Phones: []Typed{{Value: "(91) 555 01 02", Type: "work"}},
			Street: "Calle Peña 3", City: "Bilbao", Region: "Vizcaya", PostalCode: "48001", Country: "España",
			Note: "Dueño de la Peña", Line: 1,
		}},
		{"utf-16 with BOM, LF line ends", utf16LE(googleVCard, true), Card{
			FullName: "José Pérez Muñoz", GivenName: "José", FamilyName: "Pérez Muñoz",
			Emails: []Typed{{Value: "jose.perez@acme.es", Type: "work"}, {Value: "pepe@example.com", Type: "home"}},
			Phones: []Typed{{Value: "+34 600 123 456", Type: "cell"}, {Value: "+34 941 000 000", Type: "work"}},
			Org:    "Acme S.L.", Title: "Director comercial",
			Street: "Calle Mayor, 5", City: "Logroño", Region: "La Rioja", PostalCode: "26001", Country: "España",
			Birthday: "1980-04-12", Note: "Conocido en la feria\nllamar en mayo",
			Categories: []string{"myContacts", "Clientes"}, URL: "https://acme.es", Line: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards := readCards(t, tt.in)
			if len(cards) != 1 {
				t.Fatalf("got %d cards", len(cards))
			}
			if !reflect.DeepEqual(cards[0], tt.want) {
				t.Errorf("card\n got %+v\nwant %+v", cards[0], tt.want)
			}
		})
	}
}

func TestReadVCardsStream(t *testing.T) {
	in := "junk before\r\n" + crlf(googleVCard) + "\r\n\r\nnot a property\r\n" + crlf(appleVCard) +
		crlf("BEGIN:VCARD\nVERSION:2.1\nFN:Boss\nAGENT:\nBEGIN:VCARD\nVERSION:2.1\nFN:Assistant\nEND:VCARD\nTEL:123\nEND:VCARD\n") +
		crlf(v4VCard)
	cards := readCards(t, []byte(in))
	var names []string
	var lines []int
	for _, c := range cards {
		names = append(names, c.FullName)
		lines = append(lines, c.Line)
	}
	if want := []string{"José Pérez Muñoz", "张伟", "Boss", "Ainhoa Ibáñez"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if want := []int{2, 22, 43, 53}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
	if cards[2].Phones[0].Value != "123" {
		t.Errorf("the nested AGENT card leaked into its parent: %+v", cards[2])
	}
}

func TestReadVCardsErrors(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		for _, in := range []string{"", "\r\n", "hello\r\nworld\r\n", "END:VCARD\r\n"} {
			err := ReadVCards(strings.NewReader(in), func(Card) error { return nil })
			if !errors.Is(err, ErrEmpty) {
				t.Errorf("%q: err = %v, want ErrEmpty", in, err)
			}
		}
	})
	t.Run("binary", func(t *testing.T) {
		err := ReadVCards(bytes.NewReader(pngBytes), func(Card) error { return nil })
		if !errors.Is(err, ErrBinary) {
			t.Errorf("err = %v, want ErrBinary", err)
		}
	})
	t.Run("missing END names the card", func(t *testing.T) {
		in := crlf(googleVCard) + "BEGIN:VCARD\r\nFN:Cut off\r\n"
		n := 0
		err := ReadVCards(strings.NewReader(in), func(Card) error { n++; return nil })
		if err == nil || !strings.Contains(err.Error(), "vcard 2 (line 18)") || !strings.Contains(err.Error(), "END:VCARD") {
			t.Errorf("err = %v", err)
		}
		if n != 1 {
			t.Errorf("delivered %d cards before the error, want 1", n)
		}
	})
	t.Run("callback error is returned as is", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := ReadVCards(strings.NewReader(crlf(googleVCard+appleVCard)), func(Card) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("err = %v after %d cards, want stop after 1", err, n)
		}
	})
	t.Run("card too large", func(t *testing.T) {
		in := "BEGIN:VCARD\r\nNOTE:" + strings.Repeat("x", 2<<20) + "\r\nEND:VCARD\r\n"
		err := ReadVCards(strings.NewReader(in), func(Card) error { return nil })
		if !errors.Is(err, ErrRecordTooLarge) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("err = %v, want ErrRecordTooLarge at line 1", err)
		}
		in = "BEGIN:VCARD\r\n" + strings.Repeat("NOTE:"+strings.Repeat("y", 1000)+"\r\n", 2000) + "END:VCARD\r\n"
		err = ReadVCards(strings.NewReader(in), func(Card) error { return nil })
		if !errors.Is(err, ErrRecordTooLarge) {
			t.Errorf("many lines: err = %v, want ErrRecordTooLarge", err)
		}
	})
}

// TestReadVCardsSkipsPhotos reads a card with a 64 MiB photo, folded and
// unfolded, and checks the photo is never held in memory.
func TestReadVCardsSkipsPhotos(t *testing.T) {
	const size = 64 << 20
	for name, pattern := range map[string]string{
		"one line": "QUJD",
		"folded":   strings.Repeat("QUJD", 18) + "\r\n ",
	} {
		t.Run(name, func(t *testing.T) {
			src := io.MultiReader(
				strings.NewReader("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:"),
				&repeatReader{pattern: []byte(pattern), n: size},
				strings.NewReader("\r\nEMAIL:big@example.com\r\nEND:VCARD\r\n"),
			)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var got []Card
			err := ReadVCards(src, func(c Card) error { got = append(got, c); return nil })
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].FullName != "Big Photo" || len(got[0].Emails) != 1 {
				t.Fatalf("cards %+v", got)
			}
			t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB reading a %d MiB photo", alloc>>20, size>>20)
			}
		})
	}
}

// roundTripCard is what a card of every kind of field looks like after
// Chinese, accents and every separator vCard escapes.
var roundTripCard = Card{
	UID:        "urn:uuid:0d5c1a3e-1b7f-4a0e-9f55-7a1e1c0e9b11",
	FullName:   "José Pérez, Muñoz",
	GivenName:  "José",
	FamilyName: "Pérez; Muñoz",
	MiddleName: "Ángel",
	Emails:     []Typed{{Value: "jose@example.es", Type: "work", Pref: true}, {Value: "pepe@example.com", Type: "home"}},
	Phones:     []Typed{{Value: "+34 600 123 456", Type: "cell"}, {Value: "+34 941 000 000", Type: "work,text"}},
	Org:        "Café Niño, S.L.",
	Title:      "Jefa de ventas; zona norte",
	Street:     "Calle Mayor, 5; 2º izq.\nEdificio Sol",
	City:       "Logroño",
	Region:     "La Rioja",
	PostalCode: "26001",
	Country:    "España",
	Birthday:   "1980-04-12",
	Note:       "Línea 1\nLínea 2 con \\ barra, coma; y punto y coma",
	Categories: []string{"VIP", "Feria 2024, Madrid", "客户"},
	Language:   "es",
	TimeZone:   "Europe/Madrid",
	URL:        "https://example.es/a,b;c",
}

func TestVCardRoundTrip(t *testing.T) {
	chinese := Card{
		FullName: "张伟", GivenName: "伟", FamilyName: "张", Org: "北京科技有限公司", Title: "经理",
		Emails: []Typed{{Value: "wei.zhang@example.cn"}}, Phones: []Typed{{Value: "+86 138 0000 0000", Type: "cell", Pref: true}},
		City: "北京", Country: "中国", Birthday: "--11-30", Note: strings.Repeat("很长的备注。", 40), Categories: []string{"客户", "供应商"},
	}
	for _, version := range []string{"4.0", "3.0"} {
		for name, card := range map[string]Card{"accented": roundTripCard, "chinese": chinese} {
			t.Run(version+" "+name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteVCardVersion(&buf, card, version); err != nil {
					t.Fatal(err)
				}
				out := buf.String()
				for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
					if len(l) > 75 {
						t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
					}
					if strings.Contains(l, "\n") {
						t.Errorf("line %d has a bare LF", i+1)
					}
				}
				if !strings.HasPrefix(out, "BEGIN:VCARD\r\nVERSION:"+version+"\r\n") || !strings.HasSuffix(out, "END:VCARD\r\n") {
					t.Errorf("output does not start and end as a vCard:\n%s", out)
				}
				cards := readCards(t, buf.Bytes())
				want := card
				want.Line = 1
				if version == "3.0" {
					want.Language = "" // 3.0 has no LANG
				}
				if len(cards) != 1 || !reflect.DeepEqual(cards[0], want) {
					t.Errorf("round trip\n got %+v\nwant %+v\n%s", cards, want, out)
				}

				// Another reader agrees: go-vcard on its own.
				vc, err := vcard.NewDecoder(bytes.NewReader(buf.Bytes())).Decode()
				if err != nil {
					t.Fatalf("go-vcard: %v", err)
				}
				if got := vc.Value(vcard.FieldEmail); got != card.Emails[0].Value {
					t.Errorf("go-vcard reads EMAIL %q", got)
				}
				if got := vc.Value(vcard.FieldVersion); got != version {
					t.Errorf("go-vcard reads VERSION %q", got)
				}
			})
		}
	}
	if err := WriteVCardVersion(io.Discard, roundTripCard, "2.1"); err == nil {
		t.Error("version 2.1 was accepted for writing")
	}
}

func TestWriteVCardMinimal(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteVCard(&buf, Card{Emails: []Typed{{Value: "only@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	want := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:only@example.com\r\nN:;;;;\r\nEMAIL:only@example.com\r\nEND:VCARD\r\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
	if err := WriteVCard(errWriter{}, roundTripCard); !errors.Is(err, errWrite) {
		t.Errorf("err = %v, want the write error", err)
	}
}

func TestCardRow(t *testing.T) {
	got := roundTripCard.Row()
	want := map[string]string{
		"given_name": "José", "middle_name": "Ángel", "family_name": "Pérez; Muñoz", "full_name": "José Pérez, Muñoz",
		"emails": "jose@example.es, pepe@example.com", "phones": "+34 600 123 456, +34 941 000 000",
		"job_title": "Jefa de ventas; zona norte", "account": "Café Niño, S.L.",
		"street": "Calle Mayor, 5; 2º izq.\nEdificio Sol", "city": "Logroño", "region": "La Rioja",
		"postal_code": "26001", "country": "España", "language": "es", "time_zone": "Europe/Madrid",
		"birthday": "1980-04-12", "tags": "VIP, Feria 2024, Madrid, 客户",
		"description": "Línea 1\nLínea 2 con \\ barra, coma; y punto y coma",
		"external_id": "urn:uuid:0d5c1a3e-1b7f-4a0e-9f55-7a1e1c0e9b11",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Row\n got %q\nwant %q", got, want)
	}
	// Every key is a field MatchHeader knows, so Row feeds the importer as a CSV row would.
	for k := range got {
		if f, ok := MatchHeader("contacts", k); !ok || f != k {
			t.Errorf("Row key %q is not a canonical contact field", k)
		}
	}
	// The preferred e-mail comes first.
	c := Card{Emails: []Typed{{Value: "b@x"}, {Value: "a@x", Pref: true}}}
	if got := c.Row()["emails"]; got != "a@x, b@x" {
		t.Errorf("emails %q", got)
	}
	if len((Card{}).Row()) != 0 {
		t.Error("an empty card has fields")
	}
}

func TestSplitList(t *testing.T) {
	got := SplitList(" a@x.com; b@y.com ,\nc@z.com,, ")
	if want := []string{"a@x.com", "b@y.com", "c@z.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SplitList = %q, want %q", got, want)
	}
	if got := SplitList(""); len(got) != 0 {
		t.Errorf("SplitList(\"\") = %q", got)
	}
}

func TestNormaliseBirthday(t *testing.T) {
	for in, want := range map[string]string{
		"1985-04-12":           "1985-04-12",
		"19850412":             "1985-04-12",
		"1985-04-12T00:00:00Z": "1985-04-12",
		"19850412T000000":      "1985-04-12",
		"--0412":               "--04-12",
		"--04-12":              "--04-12",
		"1985-13-40":           "",
		"circa 1800":           "",
		"":                     "",
	} {
		if got := normaliseBirthday(in, ""); got != want {
			t.Errorf("normaliseBirthday(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normaliseBirthday("1604-11-30", "1604"); got != "--11-30" {
		t.Errorf("Apple no-year birthday = %q", got)
	}
}
