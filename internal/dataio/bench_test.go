package dataio

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchCSV returns n generated contact rows of the shape imports have:
// ASCII, an accented name now and then, a quoted field with a comma.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("First Name,Last Name,Email,Phone,Company,City\r\n")
	for i := range n {
		switch i % 10 {
		case 0:
			fmt.Fprintf(&b, "José,Pérez Muñoz,jose.perez%d@example.es,+34 600 %06d,\"Acme, S.L.\",Logroño\r\n", i, i)
		default:
			fmt.Fprintf(&b, "Ada,Lovelace,ada%d@example.com,+44 20 7946 %04d,Analytical Engines Ltd,London\r\n", i, i%10000)
		}
	}
	return b.Bytes()
}

// BenchmarkCSVReader reads ~100k generated rows end to end (detection,
// decoding, parsing, header width) and reports rows/s and MB/s.
func BenchmarkCSVReader(b *testing.B) {
	const rows = 100_000
	data := benchCSV(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewCSVReader(bytes.NewReader(data), CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVWriter writes ~100k rows with formula neutralisation.
func BenchmarkCSVWriter(b *testing.B) {
	const rows = 100_000
	row := []string{"Ada", "Lovelace", "ada@example.com", "+44 20 7946 0000", "=HYPERLINK(\"x\")", "London"}
	b.ReportAllocs()
	for b.Loop() {
		w := NewCSVWriter(io.Discard, CSVWriterOptions{})
		_ = w.WriteHeader([]string{"a", "b", "c", "d", "e", "f"})
		for range rows {
			if err := w.WriteRow(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkMatchHeader maps an Outlook header row.
func BenchmarkMatchHeader(b *testing.B) {
	headers := strings.Split(outlookHeader, ",")
	for b.Loop() {
		_ = MapHeaders("contacts", headers)
	}
}
