// Package money converts amounts between currencies with exchange rates
// per date. Every total in Rapport — a column of deals, a forecast, an
// invoice balance — converts each amount with the rate of its own date
// into the workspace currency; nothing adds raw amounts of different
// currencies, and no amount passes through floating point.
package money

import (
	"math/big"
	"regexp"
	"strings"
)

var (
	decimalRe  = regexp.MustCompile(`^-?[0-9]{1,20}(\.[0-9]{1,12})?$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ValidCurrency reports whether c is an ISO 4217 code in its canonical
// (upper-case) form.
func ValidCurrency(c string) bool { return currencyRe.MatchString(c) }

// ParseDecimal reads an exact decimal such as "-12.50". It refuses
// exponents, thousands separators and anything longer than 20 integer or
// 12 fraction digits.
func ParseDecimal(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if !decimalRe.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// minorUnits are the currencies whose minor unit is not the cent.
var minorUnits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Decimals returns the number of decimals an amount in currency is
// rounded to: 2 for most, 0 for JPY and KRW, 3 for BHD and KWD.
func Decimals(currency string) int {
	if n, ok := minorUnits[currency]; ok {
		return n
	}
	return 2
}

// Round rounds r to n decimals, halves away from zero, and formats it
// with exactly n decimals.
func Round(r *big.Rat, n int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	den := r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// |m|*2 >= den rounds away from zero.
	m.Abs(m).Mul(m, big.NewInt(2))
	if m.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg := q.Sign() < 0
	digits := new(big.Int).Abs(q).String()
	if n > 0 {
		if len(digits) <= n {
			digits = strings.Repeat("0", n-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-n] + "." + digits[len(digits)-n:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// Format rounds r to the decimals of currency (see Decimals).
func Format(r *big.Rat, currency string) string { return Round(r, Decimals(currency)) }

// canonical returns the shortest exact decimal text of r, which must be
// a terminating decimal (it has at most 12 fraction digits here).
func canonical(r *big.Rat) string {
	s := r.FloatString(12)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}
