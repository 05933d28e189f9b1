package match

import "testing"

var (
	sinkFloat   float64
	sinkStrings []string
	sinkString  string
)

func BenchmarkNameSimilarity(b *testing.B) {
	cases := []struct{ name, a, b string }{
		{"ascii", "Jonathan Smith", "Jonathon Smyth"},
		{"accents", "Ana María López", "Ana Lopez"},
		{"han", "欧阳娜娜", "欧阳娜"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkFloat = NameSimilarity(c.a, c.b)
			}
		})
	}
}

func BenchmarkTokens(b *testing.B) {
	cases := []struct{ name, s string }{
		{"ascii", "Jonathan Smith, Acme Corporation, San Francisco"},
		{"accents", "José Pérez Müller, Grupo Pérez S.A., Málaga"},
		{"han", "北京华为技术有限公司 张伟明"},
		{"email", "Ana Lopez <Ana.Lopez@Example.com>"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkStrings = Tokens(c.s)
			}
		})
	}
}

func BenchmarkFold(b *testing.B) {
	for _, s := range []string{"jonathan smith", "Jonathan Smith", "José Pérez Müller"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString = Fold(s)
			}
		})
	}
}
