package archive

import "github.com/rapport-crm/rapport/internal/db"

// PlanForTest exposes plan to the tests of package archive_test: the
// archived tables in insert order, each with the SQL condition (one ?
// for the workspace id) that picks its rows of a workspace.
func PlanForTest(tables []db.Table) ([]string, map[string]string, error) {
	plans, err := plan(tables)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	scopes := map[string]string{}
	for _, p := range plans {
		names = append(names, p.Name)
		scopes[p.Name] = p.scope
	}
	return names, scopes, nil
}
