package imports_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/rapport-crm/rapport/internal/imports"
)

// BenchmarkImportContacts imports b.N contacts with unique names,
// e-mails, phones in two formats, 500 accounts and 5 tags.
func BenchmarkImportContacts(b *testing.B) {
	e := newEnv(b)
	path := filepath.Join(b.TempDir(), "people.csv")
	f, _ := os.Create(path)
	w := bufio.NewWriter(f)
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		x := []byte{byte('A' + rnd.IntN(26))}
		for range 6 {
			x = append(x, byte('a'+rnd.IntN(26)))
		}
		return string(x)
	}
	fmt.Fprintln(w, "First Name,Last Name,Email,Phone,Company,Tags")
	for i := 0; i < b.N; i++ {
		phone := fmt.Sprintf("+1 415 %03d %04d", 200+i/10000, i%10000)
		if i%2 == 1 {
			phone = fmt.Sprintf("(415) %03d-%04d", 200+i/10000, i%10000)
		}
		fmt.Fprintf(w, "%s,%s,p%07d@example.com,%s,Company %d,tag%d\n", word(), word(), i, phone, i%500, i%5)
	}
	w.Flush()
	f.Close()
	e.imp.ChunkSize = 2000
	bt := e.upload("contacts", path)
	b.ResetTimer()
	got := e.run(bt, imports.Options{CreateAccounts: ptr(true), DupPolicy: ptr(imports.DupCreate)})
	b.StopTimer()
	if got.Rows.Created != int64(b.N) {
		b.Fatalf("%+v", got.Rows)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
