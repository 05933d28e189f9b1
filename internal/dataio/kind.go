package dataio

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Kind is the format of an uploaded file.
type Kind int

// File kinds SniffKind tells apart.
const (
	KindUnknown Kind = iota
	KindCSV          // delimited text: CSV, TSV, semicolon- or pipe-separated
	KindXLSX         // Office Open XML workbook (.xlsx, .xlsm)
	KindVCard        // vCard 2.1, 3.0 or 4.0
	KindICal         // iCalendar
	KindBinary       // anything else that is not text: images, PDF, old .xls, archives
)

// String returns the kind's lowercase name.
func (k Kind) String() string {
	switch k {
	case KindCSV:
		return "csv"
	case KindXLSX:
		return "xlsx"
	case KindVCard:
		return "vcard"
	case KindICal:
		return "ical"
	case KindBinary:
		return "binary"
	}
	return "unknown"
}

// SniffKind tells the format of a file from head, its first bytes (SniffLen
// is plenty), and its name. Content wins over the extension: a zip whose
// first entries are under "xl/" (or a zip named .xlsx) is XLSX and any other
// zip is binary; text that begins with BEGIN:VCARD or BEGIN:VCALENDAR (after
// a BOM and blank lines, in any supported encoding) is a vCard or a
// calendar. Other text is CSV when the extension says .csv, .tsv, .txt or
// .tab, or when its first line has a delimiter (whatever the name: web apps
// like to call CSV ".xls"); a .vcf or .ics name makes it a vCard or calendar
// whose reader will report what is wrong.
func SniffKind(head []byte, filename string) Kind {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	ext := strings.ToLower(filepath.Ext(filename))
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		if bytes.Contains(head, []byte("xl/")) || ext == ".xlsx" || ext == ".xlsm" {
			return KindXLSX
		}
		return KindBinary
	}
	if len(head) == 0 {
		return kindByExt(ext)
	}
	enc := DetectEncoding(head)
	if enc == EncodingBinary {
		return KindBinary
	}
	text := head
	if enc != EncodingUTF8 {
		if dec, err := decoderFor(enc).Bytes(head[:len(head)&^3]); err == nil {
			text = dec
		}
	}
	text = bytes.TrimPrefix(text, bomUTF8)
	text = bytes.TrimLeft(text, " \t\r\n")
	upper := bytes.ToUpper(text[:min(len(text), 16)])
	switch {
	case bytes.HasPrefix(upper, []byte("BEGIN:VCARD")):
		return KindVCard
	case bytes.HasPrefix(upper, []byte("BEGIN:VCALENDAR")):
		return KindICal
	}
	switch k := kindByExt(ext); k {
	case KindCSV, KindVCard, KindICal:
		return k
	}
	// Text under an unknown or a binary name (web apps like to call CSV
	// ".xls"): CSV if its first line is delimited.
	line := text
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	if bytes.ContainsAny(line, ",;\t|") {
		return KindCSV
	}
	return KindUnknown
}

func kindByExt(ext string) Kind {
	switch ext {
	case ".csv", ".tsv", ".txt", ".tab", ".psv":
		return KindCSV
	case ".xlsx", ".xlsm":
		return KindXLSX
	case ".vcf", ".vcard":
		return KindVCard
	case ".ics", ".ical", ".ifb", ".icalendar":
		return KindICal
	case ".xls", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".exe", ".doc", ".docx":
		return KindBinary
	}
	return KindUnknown
}
