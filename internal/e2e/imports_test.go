package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestImportFlow: upload a CSV from the contacts list, check the columns
// proposed on the mapping screen and the first rows as they will be
// stored, start the import, watch the progress page fill itself in
// (htmx polling, no reload), read the report, and undo — at desktop and
// phone width.
func TestImportFlow(t *testing.T) {
	for _, size := range [][2]int{{1280, 900}, {360, 740}} {
		t.Run(fmt.Sprintf("%dpx", size[0]), func(t *testing.T) {
			e := newEnv(t, size[0], size[1])
			phone := size[0] < 500
			shot := func(name string) {
				if phone {
					name += "-phone"
				}
				e.screenshot(name)
			}
			e.setupWorkspace()
			// The imports run in the background, as in a server.
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			e.srv.Imports.ChunkSize = 50
			go e.srv.Imports.Work(ctx)

			var rows []string
			rows = append(rows, "Nombre,Apellidos,Correo electrónico,Teléfono móvil,Empresa,Etiquetas,Notas")
			given := []string{"Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Leo", "Valeria", "Daniel", "Paula", "Álvaro", "Julia", "Pablo", "Emma", "Adrián", "Carla", "Diego", "Sara", "Mario", "Noa", "Bruno"}
			family := []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez"}
			for i := 0; i < 400; i++ {
				rows = append(rows, fmt.Sprintf("%s,%s,persona%d@ejemplo.es,+34 600 %03d %03d,Empresa %d,cliente,", given[i%20], family[i/20], i, i/1000, i%1000, i%7))
			}
			rows = append(rows, "Malo,Correo,no-es-un-correo,,Empresa 1,,fila con un correo malo")
			file := filepath.Join(t.TempDir(), "contactos.csv")
			if err := os.WriteFile(file, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// From the contacts list to the upload form.
			e.do(chromedp.Navigate(e.url+"/o/contacts"), chromedp.WaitVisible(chromedp.CSS(`a[href="/imports/new?object=contacts"]`)),
				chromedp.Click(chromedp.CSS(`a[href="/imports/new?object=contacts"]`)), chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
				chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{file}))
			shot("import-upload")
			e.do(chromedp.Submit(chromedp.CSS(`#f-file`)), chromedp.WaitVisible(chromedp.CSS(`.mapping-table`)))
			// Spanish headers are recognised.
			for col, want := range map[int]string{0: "given_name", 1: "family_name", 2: "emails", 3: "phones", 4: "account", 5: "tags", 6: "description"} {
				got, err := chromedp.Run(e.ctx, chromedp.Value(chromedp.CSS(fmt.Sprintf(`#m-%d`, col))))
				if err != nil || got != want {
					t.Fatalf("column %d proposed %q (%v), want %q", col, got, err, want)
				}
			}
			if st := e.text(".stored-table"); !strings.Contains(st, "Lucía García") || !strings.Contains(st, "persona0@ejemplo.es") || !strings.Contains(st, "+34600000000") {
				t.Fatalf("the first rows as stored: %q", st)
			}
			shot("import-mapping")
			overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil {
				t.Fatal(err)
			}
			if overflow {
				t.Fatalf("the mapping screen scrolls sideways at %d px", size[0])
			}
			// Leave the notes out; create likely duplicates anyway (the
			// report lists them); import.
			e.do(chromedp.SetValue(chromedp.CSS(`#m-6`), ""), chromedp.SetValue(chromedp.CSS(`#f-duplicates`), "create"),
				chromedp.Click(chromedp.CSS(`#btn-import`)), chromedp.WaitVisible(chromedp.CSS(`#import-status`)))
			loc := e.location()
			// The page updates itself until the import is done.
			if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](`document.querySelector('#import-status') && document.querySelector('#import-status').dataset.status === 'done'`,
				chromedp.WithPollingTimeout(30*time.Second))); err != nil {
				t.Fatalf("the progress page never showed the end: %v", err)
			}
			if e.location() != loc {
				t.Fatalf("the progress page reloaded to %s", e.location())
			}
			counts := e.text(`[data-testid="import-counts"]`)
			if !strings.Contains(counts, "400") || !strings.Contains(e.text(`[data-testid="import-progress"]`), "401") {
				t.Fatalf("counts %q, progress %q", counts, e.text(`[data-testid="import-progress"]`))
			}
			if rep := e.text(".report-table"); !strings.Contains(rep, "no-es-un-correo") {
				t.Fatalf("the report: %q", rep)
			}
			shot("import-done")
			// The contacts are there.
			e.do(chromedp.Navigate(e.url+"/o/contacts"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="list-count"]`)))
			if n := e.text(`[data-testid="list-count"]`); n != "Total: 400" {
				t.Fatalf("after the import the list counts %q", n)
			}
			// Export: the menu offers the list's formats; its CSV link
			// downloads every imported contact, one row each after the header.
			e.do(chromedp.Click(chromedp.CSS(`[data-testid="export-menu"]`)), chromedp.WaitVisible(chromedp.CSS(`.export-panel a[href*="format=csv"]`)))
			shot("contacts-export-menu")
			lines, err := chromedp.Run(e.ctx, chromedp.Evaluate[int](`fetch(document.querySelector('.export-panel a[href*="format=csv"]').href).then(r => r.text()).then(t => t.trim().split('\n').length)`, chromedp.EvalAwaitPromise))
			if err != nil || lines != 401 {
				t.Fatalf("the exported CSV has %d lines (%v), want a header and 400 contacts", lines, err)
			}
			e.do(chromedp.Click(chromedp.CSS(`[data-testid="export-menu"]`)))
			// Undo: the page follows the undo to its end.
			e.do(chromedp.Navigate(e.url+loc), chromedp.WaitVisible(chromedp.CSS(`#btn-undo`)))
			if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){window.confirm=function(){return true};return true})()`)); err != nil {
				t.Fatal(err)
			}
			// The form posts and the page comes back with a message.
			e.do(chromedp.Click(chromedp.CSS(`#btn-undo`)), chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
			if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](`document.querySelector('#import-status') && document.querySelector('#import-status').dataset.status === 'undone'`,
				chromedp.WithPollingTimeout(30*time.Second))); err != nil {
				t.Fatalf("the undo never finished on the page: %v", err)
			}
			shot("import-undone")
			e.do(chromedp.Navigate(e.url+"/o/contacts"), chromedp.WaitVisible(chromedp.CSS(`.page-title`)))
			if n, _ := chromedp.Run(e.ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid="list-count"]')||{}).textContent||""`)); strings.Contains(n, "400") {
				t.Fatalf("after undo the list still counts %q", n)
			}
			e.do(chromedp.Navigate(e.url+"/imports"), chromedp.WaitVisible(chromedp.CSS(`.imports-table`)))
			shot("imports-list")
		})
	}
}
