package orders

import (
	"math/big"
	"strings"
)

// Amounts are exact decimals held as *big.Rat while computing and as
// canonical decimal text when stored; nothing passes through a float.

// zeroDecimal are the ISO 4217 currencies without minor units.
var zeroDecimal = map[string]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "ISK": true, "JPY": true, "KMF": true, "KRW": true,
	"PYG": true, "RWF": true, "UGX": true, "UYI": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true,
}

// threeDecimal are the ISO 4217 currencies with three decimal places.
var threeDecimal = map[string]bool{"BHD": true, "IQD": true, "JOD": true, "KWD": true, "LYD": true, "OMR": true, "TND": true}

// MinorUnits returns how many decimal places amounts in currency have.
func MinorUnits(currency string) int {
	c := strings.ToUpper(currency)
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	}
	return 2
}

// parseAmount reads a canonical decimal; ok is false for anything else.
func parseAmount(s string) (*big.Rat, bool) {
	if s == "" {
		return new(big.Rat), true
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// roundTo rounds r to places decimal places, halves away from zero (the
// commercial rule).
func roundTo(r *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale)
}

// formatAmount writes r with exactly the currency's decimal places.
func formatAmount(r *big.Rat, currency string) string {
	places := MinorUnits(currency)
	s := roundTo(r, places).FloatString(places)
	if s == "-0" || strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// Round returns amount (canonical decimal text) rounded to currency's
// minor units, as canonical text with exactly that many places.
func Round(amount, currency string) (string, bool) {
	r, ok := parseAmount(amount)
	if !ok {
		return "", false
	}
	return formatAmount(r, currency), true
}

// Sums holds totals per currency, for figures that gather records in
// several currencies and must never add them together unconverted.
type Sums map[string]*big.Rat

// Add adds amount in currency.
func (s Sums) Add(amount, currency string) {
	r, ok := parseAmount(amount)
	if !ok || currency == "" {
		return
	}
	if s[currency] == nil {
		s[currency] = new(big.Rat)
	}
	s[currency].Add(s[currency], r)
}

// Amount is one total of Sums, formatted.
type Amount struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// List returns the totals sorted by currency, each with the currency's
// decimal places.
func (s Sums) List() []Amount {
	out := make([]Amount, 0, len(s))
	for c, r := range s {
		out = append(out, Amount{Amount: formatAmount(r, c), Currency: c})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Currency < out[j-1].Currency; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Left returns ordered − shipped as plain decimal text (never below 0).
func Left(ordered, shipped string) string {
	o, ok1 := parseAmount(ordered)
	s, ok2 := parseAmount(shipped)
	if !ok1 || !ok2 {
		return "0"
	}
	d := new(big.Rat).Sub(o, s)
	if d.Sign() < 0 {
		d = new(big.Rat)
	}
	return trimRat(d)
}
