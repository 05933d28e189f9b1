package orders

import (
	"testing"
)

func TestLineTotals(t *testing.T) {
	tests := []struct {
		name string
		in   Line
		want LineTotals
	}{
		{"plain", Line{Quantity: "3", UnitPrice: "10.00", Currency: "EUR"}, LineTotals{"30.00", "0.00", "0.00", "30.00"}},
		{"percent discount and tax", Line{Quantity: "2", UnitPrice: "49.99", DiscountPercent: "10", TaxRate: "21", Currency: "EUR"},
			// 99.98 − 10.00 (9.998 rounds up) = 89.98; tax 18.8958 → 18.90
			LineTotals{"99.98", "10.00", "18.90", "108.88"}},
		{"amount discount", Line{Quantity: "1", UnitPrice: "100", DiscountAmount: "15.5", TaxRate: "7", Currency: "USD"},
			LineTotals{"100.00", "15.50", "5.92", "90.42"}},
		{"fractional quantity", Line{Quantity: "2.5", UnitPrice: "3.33", Currency: "USD"}, LineTotals{"8.33", "0.00", "0.00", "8.33"}},
		{"half rounds away from zero", Line{Quantity: "1", UnitPrice: "0.125", Currency: "USD"}, LineTotals{"0.13", "0.00", "0.00", "0.13"}},
		{"JPY has no minor units", Line{Quantity: "3", UnitPrice: "333.5", TaxRate: "10", Currency: "JPY"},
			// 1000.5 → 1001; tax 100.1 → 100
			LineTotals{"1001", "0", "100", "1101"}},
		{"JPY percent discount", Line{Quantity: "1", UnitPrice: "1999", DiscountPercent: "15", TaxRate: "8", Currency: "JPY"},
			// discount 299.85 → 300; net 1699; tax 135.92 → 136
			LineTotals{"1999", "300", "136", "1835"}},
		{"three-decimal currency", Line{Quantity: "1", UnitPrice: "1.2345", TaxRate: "5", Currency: "KWD"},
			LineTotals{"1.235", "0.000", "0.062", "1.297"}},
		{"zero price", Line{Quantity: "4", UnitPrice: "0", TaxRate: "20", Currency: "GBP"}, LineTotals{"0.00", "0.00", "0.00", "0.00"}},
		{"full discount", Line{Quantity: "1", UnitPrice: "80", DiscountPercent: "100", TaxRate: "20", Currency: "GBP"}, LineTotals{"80.00", "80.00", "0.00", "0.00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Compute()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestLineTotalsRefuse(t *testing.T) {
	tests := []struct {
		name string
		in   Line
	}{
		{"no quantity", Line{UnitPrice: "1", Currency: "EUR"}},
		{"negative quantity", Line{Quantity: "-1", UnitPrice: "1", Currency: "EUR"}},
		{"negative price", Line{Quantity: "1", UnitPrice: "-1", Currency: "EUR"}},
		{"discount over 100%", Line{Quantity: "1", UnitPrice: "1", DiscountPercent: "101", Currency: "EUR"}},
		{"both discounts", Line{Quantity: "1", UnitPrice: "10", DiscountPercent: "5", DiscountAmount: "1", Currency: "EUR"}},
		{"discount over the amount", Line{Quantity: "1", UnitPrice: "10", DiscountAmount: "11", Currency: "EUR"}},
		{"tax over 100%", Line{Quantity: "1", UnitPrice: "10", TaxRate: "150", Currency: "EUR"}},
		{"not a number", Line{Quantity: "x", UnitPrice: "10", Currency: "EUR"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.in.Compute(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestSumPerCurrency(t *testing.T) {
	a, _ := Line{Quantity: "1", UnitPrice: "0.005", Currency: "EUR"}.Compute()
	b, _ := Line{Quantity: "1", UnitPrice: "0.005", Currency: "EUR"}.Compute()
	got := Sum("EUR", []LineTotals{a, b})
	// Per-line rounding: 0.01 + 0.01, not round(0.010).
	if got.Total != "0.02" || got.Subtotal != "0.02" {
		t.Fatalf("got %+v", got)
	}
	j := Sum("JPY", nil)
	if j.Total != "0" {
		t.Fatalf("empty JPY total %q", j.Total)
	}
	s := Sums{}
	s.Add("10.50", "EUR")
	s.Add("100", "JPY")
	s.Add("0.25", "EUR")
	l := s.List()
	if len(l) != 2 || l[0] != (Amount{"10.75", "EUR"}) || l[1] != (Amount{"100", "JPY"}) {
		t.Fatalf("sums %+v", l)
	}
}
