package records

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
)

// Change is one entry of a record's history: a created record (with the
// values it started with), a changed field, a deletion or a restore.
type Change struct {
	ID        string    `json:"id"`
	ChangeSet string    `json:"change_set"`
	Action    string    `json:"action"`
	Field     string    `json:"field,omitempty"`
	OldValue  any       `json:"old_value"`
	NewValue  any       `json:"new_value"`
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by,omitempty"`
}

// History returns the changes of one record, oldest first. The caller
// must be able to read the record; records in the trash keep theirs.
func (e *Engine) History(ctx context.Context, p *auth.Principal, object, id string) ([]Change, error) {
	r, err := e.Get(ctx, p, object, id, GetOptions{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	rows, err := e.DB.Query(ctx, `SELECT id, change_set, action, field, old_value, new_value, changed_at, changed_by FROM record_changes
WHERE workspace_id = ? AND object = ? AND record_id = ? ORDER BY changed_at, id`, p.WorkspaceID, r.Object, r.ID)
	if err != nil {
		return nil, fmt.Errorf("history %s %s: %w", object, id, err)
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var oldV, newV, by any
		var at db.Time
		if err := rows.Scan(&c.ID, &c.ChangeSet, &c.Action, &c.Field, &oldV, &newV, &at, &by); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		c.ChangedAt, c.ChangedBy = at.Time, idString(by)
		c.OldValue, c.NewValue = decodeJSON(oldV), decodeJSON(newV)
		out = append(out, c)
	}
	return out, db.MapError(rows.Err())
}

func decodeJSON(v any) any {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
