package cli_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"
)

// TestDemo runs rapport demo twice on one database: with the sales
// counts following the customers (a deal per 10 contacts, an order per
// 5, a lead per 20, a contract per 20 accounts), then with counts given,
// and checks what it reports.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	base := dbArgs(t)
	counts := regexp.MustCompile(`(\d+) accounts, (\d+) contacts, (\d+) activities, (\d+) leads, (\d+) deals \(\d+ activities on them\), (\d+) quotes, (\d+) contracts, (\d+) orders, (\d+) invoices, (\d+) payments, (\d+) shipments, (\d+) line items, (\d+) users`)
	for _, tc := range []struct {
		name string
		args []string
		want map[int]int // submatch index → count; -1 means more than 0
	}{
		{"Scaled", []string{"--accounts", "60", "--contacts", "400", "--activities", "100"},
			map[int]int{1: 60, 2: 400, 3: 100, 4: 20, 5: 40, 6: -1, 7: 3, 8: 80, 9: -1, 10: -1, 11: -1, 12: -1, 13: 5}},
		{"Given", []string{"--accounts", "30", "--contacts", "200", "--activities", "0", "--deals", "25", "--orders", "12", "--leads", "0", "--contracts", "2", "--users", "2"},
			map[int]int{1: 30, 2: 200, 3: 0, 4: 0, 5: 25, 7: 2, 8: 12, 9: 17, 12: -1, 13: 2}}, // 12 orders' invoices, 5 of the contracts' quarters
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"demo", "--workspace", tc.name, "--email", "demo@" + tc.name + ".test", "--password", "demo-password", "--progress=false"}, tc.args...)
			out, _, err := run(t, ctx, append(args, base...)...)
			if err != nil {
				t.Fatalf("demo: %v", err)
			}
			m := counts.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("demo printed %q", out)
			}
			for k, want := range tc.want {
				n, _ := strconv.Atoi(m[k])
				if want < 0 && n == 0 || want >= 0 && n != want {
					t.Errorf("count %d is %d, want %d, in %q", k, n, want, m[0])
				}
			}
			// An invoice per order, and the contracts' quarters.
			if inv, ord := atoi(m[9]), atoi(m[8]); inv < ord {
				t.Errorf("%d invoices for %d orders", inv, ord)
			}
		})
	}
	if _, _, err := run(t, ctx, append([]string{"demo", "--workspace", "Bad", "--email", "b@bad.test", "--password", "demo-password", "--contacts", "0", "--activities", "0", "--deals", "5"}, base...)...); err == nil {
		t.Error("deals without contacts were accepted")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
