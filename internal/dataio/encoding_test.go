package dataio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	spanishText = "Nombre,Apellidos,Ciudad\nJosé,Pérez Muñoz,Logroño\nAinhoa,Ibáñez,Cádiz\n"
	chineseText = "姓名,电子邮件,公司\n张伟,zhang.wei@example.cn,北京科技有限公司\n李娜,li.na@example.cn,上海贸易公司\n"
)

func TestDetectEncoding(t *testing.T) {
	// A 64 KiB head that cuts a multi-byte rune in half must still be UTF-8.
	cut := []byte(strings.Repeat("a", SniffLen-1) + "é")[:SniffLen]

	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"ascii", []byte("name,email\nAda,ada@example.com\n"), EncodingUTF8},
		{"utf-8 with BOM", withBOM(spanishText), EncodingUTF8},
		{"utf-8 without BOM, accents", []byte(spanishText), EncodingUTF8},
		{"utf-8 Chinese", []byte(chineseText), EncodingUTF8},
		{"utf-8 rune cut by the head", cut, EncodingUTF8},
		{"utf-16le BOM", utf16LE(spanishText, true), EncodingUTF16LE},
		{"utf-16be BOM", utf16BE(spanishText, true), EncodingUTF16BE},
		{"utf-16le without BOM", utf16LE(spanishText, false), EncodingUTF16LE},
		{"utf-16be without BOM", utf16BE(spanishText, false), EncodingUTF16BE},
		{"utf-16le Chinese without BOM", utf16LE(chineseText, false), EncodingUTF16LE},
		{"gb18030 Chinese", gb18030(t, chineseText), EncodingGB18030},
		{"windows-1252 Spanish", cp1252(t, "José Pérez, Muñoz\n"), EncodingWindows1252},
		{"windows-1252 Spanish CSV", cp1252(t, spanishText), EncodingWindows1252},
		{"windows-1252 euro and quotes", cp1252(t, "precio,“oferta”\n10 €,sí\n"), EncodingWindows1252},
		{"png", pngBytes, EncodingBinary},
		{"zip", zipBytes(t, "word/document.xml"), EncodingBinary},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), EncodingBinary},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), EncodingBinary},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), EncodingBinary},
		{"windows exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), EncodingBinary},
		{"old xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), EncodingBinary},
		{"stray NUL bytes", []byte("name,email\x00\x00\x00\x01\x02\x03,x\n"), EncodingBinary},
		{"control characters", bytes.Repeat([]byte{1, 2, 3, 'a'}, 100), EncodingBinary},
		{"word starting MZ is text", []byte("MZ Logistics,Madrid\n"), EncodingUTF8},
		{"empty", nil, EncodingUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectEncoding(tt.head); got != tt.want {
				t.Errorf("DetectEncoding = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewDecoder(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		enc     string
		want    string
		wantEnc string
	}{
		{"auto utf-8 BOM stripped", withBOM(spanishText), "", spanishText, EncodingUTF8},
		{"auto utf-8", []byte(chineseText), "", chineseText, EncodingUTF8},
		{"auto utf-16le BOM stripped", utf16LE(spanishText, true), "", spanishText, EncodingUTF16LE},
		{"auto utf-16be BOM stripped", utf16BE(chineseText, true), "", chineseText, EncodingUTF16BE},
		{"auto utf-16le no BOM", utf16LE(spanishText, false), "", spanishText, EncodingUTF16LE},
		{"auto gb18030", gb18030(t, chineseText), "", chineseText, EncodingGB18030},
		{"auto windows-1252", cp1252(t, spanishText), "", spanishText, EncodingWindows1252},
		{"explicit utf-8 strips BOM", withBOM("a,b\n"), "UTF-8", "a,b\n", EncodingUTF8},
		{"explicit utf8 alias", []byte("a,b\n"), "utf8", "a,b\n", EncodingUTF8},
		{"explicit gbk alias", gb18030(t, chineseText), "GBK", chineseText, EncodingGB18030},
		{"explicit gb2312 alias", gb18030(t, chineseText), "gb2312", chineseText, EncodingGB18030},
		{"explicit latin1 alias", cp1252(t, spanishText), "latin1", spanishText, EncodingWindows1252},
		{"explicit iso-8859-1 alias", cp1252(t, spanishText), "ISO-8859-1", spanishText, EncodingWindows1252},
		{"explicit utf-16le", utf16LE(spanishText, false), "utf-16le", spanishText, EncodingUTF16LE},
		{"explicit utf-16be", utf16BE(spanishText, false), "utf-16be", spanishText, EncodingUTF16BE},
		{"explicit utf-16 picks the byte order", utf16BE(spanishText, false), "utf-16", spanishText, EncodingUTF16BE},
		{"explicit encoding overrides detection", []byte("caf\xe9\n"), "windows-1252", "café\n", EncodingWindows1252},
		{"invalid utf-8 becomes U+FFFD", []byte("ok,\xff\xfe\xfd x\n"), "utf-8", "ok,\uFFFD\uFFFD\uFFFD x\n", EncodingUTF8},
		{"empty input", nil, "", "", EncodingUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, enc, err := NewDecoder(bytes.NewReader(tt.in), tt.enc)
			if err != nil {
				t.Fatalf("NewDecoder: %v", err)
			}
			if enc != tt.wantEnc {
				t.Errorf("encoding = %q, want %q", enc, tt.wantEnc)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("decoded = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewDecoderErrors(t *testing.T) {
	t.Run("unknown encoding is named", func(t *testing.T) {
		_, _, err := NewDecoder(strings.NewReader("a"), "ebcdic-37")
		if !errors.Is(err, ErrUnknownEncoding) || !strings.Contains(err.Error(), `"ebcdic-37"`) {
			t.Fatalf("err = %v, want ErrUnknownEncoding naming ebcdic-37", err)
		}
	})
	for _, tc := range []struct {
		name string
		in   []byte
		enc  string
	}{
		{"png auto", pngBytes, ""},
		{"png even when told utf-8", pngBytes, "utf-8"},
		{"zip told windows-1252", zipBytes(t, "a.txt"), "windows-1252"},
		{"NUL bytes told gb18030", []byte("a\x00b\x00\x00\x00\x00c"), "gb18030"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := NewDecoder(bytes.NewReader(tc.in), tc.enc)
			if !errors.Is(err, ErrBinary) {
				t.Fatalf("err = %v, want ErrBinary", err)
			}
		})
	}
}

// TestNewDecoderBeyondHead checks that detection looks at the head only and
// the rest of a long file streams through the chosen decoder.
func TestNewDecoderBeyondHead(t *testing.T) {
	in := append(gb18030(t, strings.Repeat(chineseText, 2000)), gb18030(t, "尾巴\n")...)
	if len(in) < 2*SniffLen {
		t.Fatalf("fixture too short: %d", len(in))
	}
	r, enc, err := NewDecoder(bytes.NewReader(in), "")
	if err != nil || enc != EncodingGB18030 {
		t.Fatalf("NewDecoder: %q, %v", enc, err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat(chineseText, 2000) + "尾巴\n"; string(got) != want {
		t.Errorf("decoded %d bytes, want %d", len(got), len(want))
	}
	if !utf8.Valid(got) {
		t.Error("output is not valid UTF-8")
	}
}
