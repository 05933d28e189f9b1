package dataio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names, as DetectEncoding returns them and NewDecoder accepts them.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingGB18030     = "gb18030"
	EncodingWindows1252 = "windows-1252"

	// EncodingBinary is DetectEncoding's answer for input that is not text.
	// NewDecoder turns it into ErrBinary; it is not a valid name to pass.
	EncodingBinary = "binary"
)

// SniffLen is how many leading bytes detection looks at.
const SniffLen = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// DetectEncoding guesses the text encoding of head, the first bytes of a
// file (up to SniffLen are used). In order:
//
//   - a binary signature (zip, PDF, image, executable, …) gives EncodingBinary;
//   - a byte order mark gives UTF-8, UTF-16LE or UTF-16BE;
//   - NUL bytes at every other position, as ASCII text in BOM-less UTF-16
//     has, give UTF-16LE or UTF-16BE; any other NUL gives EncodingBinary;
//   - valid UTF-8 (a rune cut at the end of head is allowed) gives UTF-8;
//   - bytes that decode as GB18030, mostly in the GB2312 double-byte range
//     and mostly to Chinese characters, give GB18030;
//   - text with many control characters gives EncodingBinary;
//   - anything else is Windows-1252, which decodes every byte.
//
// The GB2312-range test is what keeps Windows-1252 Spanish apart: "Pérez"
// is also valid GBK (0xE9 0x72), but the trail byte of a real Chinese
// character is almost always 0xA1 or above, and an accented Latin letter is
// almost always followed by an ASCII one.
func DetectEncoding(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if binarySignature(head) {
		return EncodingBinary
	}
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		if bytes.IndexByte(head, 0) >= 0 {
			return EncodingBinary
		}
		return EncodingUTF8
	case bytes.HasPrefix(head, bomUTF16LE):
		return EncodingUTF16LE
	case bytes.HasPrefix(head, bomUTF16BE):
		return EncodingUTF16BE
	}
	if bytes.IndexByte(head, 0) >= 0 {
		if enc := sniffUTF16(head); enc != "" {
			return enc
		}
		return EncodingBinary
	}
	if validUTF8Head(head) {
		if controlHeavy(head) {
			return EncodingBinary
		}
		return EncodingUTF8
	}
	if looksGB18030(head) {
		return EncodingGB18030
	}
	if controlHeavy(head) {
		return EncodingBinary
	}
	return EncodingWindows1252
}

// NewDecoder returns a reader that yields r converted to UTF-8, and the
// name of the encoding it decodes. enc "" detects the encoding from the first
// SniffLen bytes (see DetectEncoding); otherwise enc names it: "utf-8",
// "utf-16le", "utf-16be", "utf-16" (byte order from the BOM or the NUL
// pattern), "gb18030" (also "gbk", "gb2312", "cp936"), "windows-1252" (also
// "cp1252", "latin1", "iso-8859-1", "ascii"). Names are case-insensitive. An
// unknown name returns an error wrapping ErrUnknownEncoding that names it.
//
// A leading byte order mark is removed. Bytes that are invalid in the
// encoding become U+FFFD, so the output is always valid UTF-8. Input that
// looks binary returns ErrBinary, whatever enc says.
func NewDecoder(r io.Reader, enc string) (io.Reader, string, error) {
	name, err := canonicalEncoding(enc)
	if err != nil {
		return nil, "", err
	}
	br := bufio.NewReaderSize(r, SniffLen)
	head, err := br.Peek(SniffLen)
	if err != nil && err != io.EOF {
		return nil, "", fmt.Errorf("read: %w", err)
	}
	if binarySignature(head) {
		return nil, "", ErrBinary
	}
	switch name {
	case "":
		name = DetectEncoding(head)
	case "utf-16":
		name = EncodingUTF16LE
		if bytes.HasPrefix(head, bomUTF16BE) || sniffUTF16(head) == EncodingUTF16BE {
			name = EncodingUTF16BE
		}
	}
	if name == EncodingBinary {
		return nil, "", ErrBinary
	}
	if name != EncodingUTF16LE && name != EncodingUTF16BE && bytes.IndexByte(head, 0) >= 0 {
		return nil, "", ErrBinary
	}
	return transform.NewReader(br, decoderFor(name).Transformer), name, nil
}

// canonicalEncoding maps an encoding name or alias to its canonical name;
// "" stays "" (detect) and "utf-16" stays "utf-16" (byte order to sniff).
func canonicalEncoding(enc string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(enc))
	n = strings.ReplaceAll(n, "_", "-")
	switch n {
	case "":
		return "", nil
	case "utf-8", "utf8", "utf-8-sig":
		return EncodingUTF8, nil
	case "utf-16le", "utf16le", "utf-16-le", "ucs-2le":
		return EncodingUTF16LE, nil
	case "utf-16be", "utf16be", "utf-16-be", "ucs-2be":
		return EncodingUTF16BE, nil
	case "utf-16", "utf16", "ucs-2", "unicode":
		return "utf-16", nil
	case "gb18030", "gbk", "gb2312", "cp936", "euc-cn", "windows-936":
		return EncodingGB18030, nil
	case "windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "ascii", "us-ascii":
		return EncodingWindows1252, nil
	}
	return "", fmt.Errorf("%w %q (known: utf-8, utf-16le, utf-16be, gb18030, windows-1252)", ErrUnknownEncoding, enc)
}

// decoderFor returns the decoder of a canonical encoding name.
func decoderFor(name string) *encoding.Decoder {
	switch name {
	case EncodingUTF16LE:
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()
	case EncodingUTF16BE:
		return xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()
	case EncodingGB18030:
		return simplifiedchinese.GB18030.NewDecoder()
	case EncodingWindows1252:
		return charmap.Windows1252.NewDecoder()
	}
	// UTF8BOM strips a leading BOM and replaces invalid bytes with U+FFFD.
	return xunicode.UTF8BOM.NewDecoder()
}

// binarySignature reports whether head starts with the magic bytes of a
// format that is never a text import: archives (zip, and so XLSX, gzip, 7z,
// rar), PDF, images, old Office (OLE2), executables.
func binarySignature(head []byte) bool {
	for _, sig := range binarySignatures {
		if bytes.HasPrefix(head, sig) {
			return true
		}
	}
	// "MZ" and "BM" are also how ordinary words start; a real executable or
	// bitmap has NUL bytes right away.
	if (bytes.HasPrefix(head, []byte("MZ")) || bytes.HasPrefix(head, []byte("BM"))) &&
		bytes.IndexByte(head[:min(len(head), 64)], 0) >= 0 {
		return true
	}
	if len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")) {
		return true
	}
	return false
}

var binarySignatures = [][]byte{
	[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("PK\x07\x08"), // zip, xlsx, docx
	[]byte("%PDF-"),
	[]byte("\x89PNG\r\n\x1a\n"),
	[]byte("\xff\xd8\xff"), // JPEG
	[]byte("GIF87a"), []byte("GIF89a"),
	[]byte("II*\x00"), []byte("MM\x00*"), // TIFF
	[]byte("\x7fELF"),
	[]byte("\xfe\xed\xfa\xce"), []byte("\xfe\xed\xfa\xcf"), []byte("\xce\xfa\xed\xfe"), []byte("\xcf\xfa\xed\xfe"), // Mach-O
	[]byte("\xca\xfe\xba\xbe"),                 // Mach-O fat, Java class
	[]byte("\x1f\x8b"),                         // gzip
	[]byte("7z\xbc\xaf\x27\x1c"),               // 7-Zip
	[]byte("Rar!\x1a\x07"),                     // RAR
	[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), // OLE2: .xls, .doc
	[]byte("\x00asm"),                          // WebAssembly
	[]byte("SQLite format 3\x00"),
}

// sniffUTF16 recognises BOM-less UTF-16 by where its NUL bytes fall: ASCII
// characters in UTF-16LE are "c\x00", so odd offsets are NUL and even ones
// are not. The decoded text must then look like text.
func sniffUTF16(head []byte) string {
	n := len(head) &^ 1
	if n < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	var order string
	switch {
	case odd*8 >= pairs && odd > 2*even:
		order = EncodingUTF16LE
	case even*8 >= pairs && even > 2*odd:
		order = EncodingUTF16BE
	default:
		return ""
	}
	units := make([]uint16, pairs)
	for i := range units {
		a, b := uint16(head[2*i]), uint16(head[2*i+1])
		if order == EncodingUTF16LE {
			units[i] = a | b<<8
		} else {
			units[i] = a<<8 | b
		}
	}
	// A surrogate cut by the end of head is not a fault.
	if last := units[len(units)-1]; utf16.IsSurrogate(rune(last)) {
		units = units[:len(units)-1]
	}
	var bad, total int
	for _, r := range utf16.Decode(units) {
		total++
		switch {
		case r == utf8.RuneError, r == 0:
			bad++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			bad++
		}
	}
	if total == 0 || bad*20 > total {
		return ""
	}
	return order
}

// validUTF8Head reports whether b is valid UTF-8, allowing the last rune to
// be cut short by the end of the sniffed head.
func validUTF8Head(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return false
		}
		if c >= 0xC0 { // start byte of the last rune
			return !utf8.FullRune(b[len(b)-i:]) && utf8.Valid(b[:len(b)-i])
		}
	}
	return false
}

// controlHeavy reports whether more than a tenth of the bytes are C0 control
// characters other than the usual whitespace, SUB (DOS end of file) and ESC.
func controlHeavy(b []byte) bool {
	var n int
	for _, c := range b {
		if c < 0x20 {
			switch c {
			case '\t', '\n', '\r', '\f', '\v', 0x1a, 0x1b:
			default:
				n++
			}
		}
	}
	return n*10 > len(b)
}

// looksGB18030 reports whether b is well-formed GB18030 whose double-byte
// characters are mostly in the GB2312 range (both bytes 0xA1 or above) and
// decode mostly to CJK characters.
func looksGB18030(b []byte) bool {
	var pairs, gb2312 int
	end := len(b)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		if c == 0x80 || c == 0xFF {
			return false
		}
		if i+1 >= len(b) {
			end = i // cut by the end of head
			break
		}
		c2 := b[i+1]
		if c2 >= 0x30 && c2 <= 0x39 { // four-byte sequence
			if i+3 >= len(b) {
				end = i
				break
			}
			if c3, c4 := b[i+2], b[i+3]; c3 < 0x81 || c3 == 0xFF || c4 < 0x30 || c4 > 0x39 {
				return false
			}
			i += 4
			continue
		}
		if c2 < 0x40 || c2 == 0x7F || c2 == 0xFF {
			return false
		}
		pairs++
		if c >= 0xA1 && c <= 0xF7 && c2 >= 0xA1 {
			gb2312++
		}
		i += 2
	}
	if pairs == 0 || gb2312*10 < pairs*7 {
		return false
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b[:end])
	if err != nil {
		return false
	}
	var nonASCII, cjk int
	for _, r := range string(text) {
		if r < utf8.RuneSelf {
			continue
		}
		if r == utf8.RuneError {
			return false
		}
		nonASCII++
		if isCJK(r) {
			cjk++
		}
	}
	return nonASCII > 0 && cjk*2 >= nonASCII
}

// isCJK reports whether r is a Chinese character or CJK punctuation or a
// full-width form, the things Chinese text is made of.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303F) || // CJK symbols and punctuation
		(r >= 0xFF00 && r <= 0xFFEF) || // half- and full-width forms
		unicode.Is(unicode.Bopomofo, r)
}
