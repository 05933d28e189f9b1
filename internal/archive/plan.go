package archive

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/db"
)

// tablePlan is how one table is archived and restored.
type tablePlan struct {
	db.Table
	// scope is the SQL condition, with one ? for the workspace id, that
	// picks the table's rows of one workspace.
	scope string
	// later are the columns of references to the table's own rows
	// (accounts.parent_id): restored in a second pass once every row is
	// in, so that no row has to come before another.
	later []string
}

// plan decides, from the catalog, which tables an archive holds, how to
// find each one's rows of a workspace, and an order that inserts every
// table after the tables it references. It fails when a table neither
// belongs to a workspace nor is excluded, or when the references leave
// no such order: both are programming errors a test catches.
func plan(tables []db.Table) ([]*tablePlan, error) {
	byName := map[string]*db.Table{}
	for i := range tables {
		byName[tables[i].Name] = &tables[i]
	}
	scopes := map[string]string{}
	var scopeOf func(t *db.Table, depth int) string
	scopeOf = func(t *db.Table, depth int) string {
		if s, ok := scopes[t.Name]; ok {
			return s
		}
		if _, excluded := Excluded[t.Name]; excluded || depth > 5 {
			return ""
		}
		s := ""
		if t.Name == workspacesTable {
			s = db.QuoteIdent("id") + " = ?"
		} else if _, ok := t.Column(workspaceIDColumn); ok {
			s = db.QuoteIdent(workspaceIDColumn) + " = ?"
		} else {
			// Rows of a table without a workspace column belong to the
			// workspace of the row they reference (import_records of
			// their import).
			for _, fk := range t.ForeignKeys {
				ref := byName[fk.RefTable]
				if len(fk.Columns) != 1 || ref == nil || ref.Name == t.Name {
					continue
				}
				if rs := scopeOf(ref, depth+1); rs != "" {
					s = db.QuoteIdent(fk.Columns[0]) + " IN (SELECT " + db.QuoteIdent(fk.RefColumns[0]) + " FROM " + db.QuoteIdent(ref.Name) + " WHERE " + rs + ")"
					break
				}
			}
		}
		scopes[t.Name] = s
		return s
	}
	var (
		plans    []*tablePlan
		problems []string
	)
	for i := range tables {
		t := &tables[i]
		if _, excluded := Excluded[t.Name]; excluded {
			continue
		}
		s := scopeOf(t, 0)
		if s == "" {
			problems = append(problems, fmt.Sprintf("table %s belongs to no workspace: give it a workspace_id column or a foreign key to a table that has one, or add it to archive.Excluded with the reason", t.Name))
			continue
		}
		p := &tablePlan{Table: *t, scope: s}
		for _, fk := range t.ForeignKeys {
			if _, excluded := Excluded[fk.RefTable]; excluded {
				problems = append(problems, fmt.Sprintf("table %s references %s, which archives leave out", t.Name, fk.RefTable))
			}
			if fk.RefTable != t.Name {
				continue
			}
			var nullable []string
			for _, c := range fk.Columns {
				if col, ok := t.Column(c); ok && !col.NotNull && col.PK == 0 {
					nullable = append(nullable, c)
				}
			}
			if len(nullable) == 0 || len(t.PrimaryKey()) == 0 {
				problems = append(problems, fmt.Sprintf("table %s references itself through %s, which cannot be filled in later (not nullable, or no primary key)", t.Name, strings.Join(fk.Columns, ", ")))
				continue
			}
			for _, c := range nullable {
				if !slices.Contains(p.later, c) {
					p.later = append(p.later, c)
				}
			}
		}
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("archive: %s", strings.Join(problems, "; "))
	}
	return order(plans)
}

// order sorts plans so that every table comes after the tables it
// references (Kahn's algorithm, ties broken by name so the order is
// stable).
func order(plans []*tablePlan) ([]*tablePlan, error) {
	byName := map[string]*tablePlan{}
	for _, p := range plans {
		byName[p.Name] = p
	}
	deps := map[string]map[string]bool{}
	users := map[string][]string{}
	for _, p := range plans {
		deps[p.Name] = map[string]bool{}
		for _, fk := range p.ForeignKeys {
			if fk.RefTable == p.Name || byName[fk.RefTable] == nil || deps[p.Name][fk.RefTable] {
				continue
			}
			deps[p.Name][fk.RefTable] = true
			users[fk.RefTable] = append(users[fk.RefTable], p.Name)
		}
	}
	var ready []string
	for _, p := range plans {
		if len(deps[p.Name]) == 0 {
			ready = append(ready, p.Name)
		}
	}
	var out []*tablePlan
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		out = append(out, byName[n])
		for _, u := range users[n] {
			delete(deps[u], n)
			if len(deps[u]) == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) != len(plans) {
		var stuck []string
		for _, p := range plans {
			if len(deps[p.Name]) > 0 {
				stuck = append(stuck, p.Name)
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("archive: the foreign keys of %s form a cycle, so no insert order exists", strings.Join(stuck, ", "))
	}
	return out, nil
}
