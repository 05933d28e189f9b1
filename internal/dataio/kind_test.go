package dataio

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSniffKind(t *testing.T) {
	f := excelize.NewFile()
	var xlsx bytes.Buffer
	if err := f.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tests := []struct {
		name     string
		head     []byte
		filename string
		want     Kind
	}{
		{"xlsx by content", xlsx.Bytes(), "export", KindXLSX},
		{"xlsx by content, misnamed", xlsx.Bytes(), "contacts.csv", KindXLSX},
		{"zip named xlsx", zipBytes(t, "docProps/app.xml"), "book.xlsx", KindXLSX},
		{"other zip", zipBytes(t, "word/document.xml"), "letter.docx", KindBinary},
		{"png", pngBytes, "contacts.csv", KindBinary},
		{"pdf", []byte("%PDF-1.4\n"), "x.pdf", KindBinary},
		{"old xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "book.xls", KindBinary},
		{"vcard", []byte("BEGIN:VCARD\r\nVERSION:3.0\r\n"), "x.txt", KindVCard},
		{"vcard lowercase after BOM and blank lines", withBOM("\r\n\r\nbegin:vcard\nversion:4.0\n"), "", KindVCard},
		{"vcard in UTF-16", utf16LE("BEGIN:VCARD\r\nVERSION:2.1\r\n", true), "contacts.vcf", KindVCard},
		{"ical", []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "cal", KindICal},
		{"csv by extension", []byte("email\nada@example.com\n"), "list.CSV", KindCSV},
		{"tsv", []byte("a\tb\n"), "x.tsv", KindCSV},
		{"delimited text, no extension", []byte("name;email\nAda;ada@example.com\n"), "", KindCSV},
		{"CSV named .xls by a web app", []byte("name,email\nAda,ada@example.com\n"), "export.xls", KindCSV},
		{"gb18030 csv", gb18030(t, chineseText), "联系人.csv", KindCSV},
		{"vcf that is not a vcard yet", []byte("garbage\n"), "x.vcf", KindVCard},
		{"ics by extension", []byte("\n"), "x.ics", KindICal},
		{"plain prose", []byte("hello world\n"), "readme", KindUnknown},
		{"empty csv", nil, "empty.csv", KindCSV},
		{"empty", nil, "", KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SniffKind(tt.head, tt.filename); got != tt.want {
				t.Errorf("SniffKind = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindCSV: "csv", KindXLSX: "xlsx", KindVCard: "vcard", KindICal: "ical", KindBinary: "binary"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}
