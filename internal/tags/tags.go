// Package tags declares the tag object: a name, a colour and a
// description, used to label records across the CRM.
package tags

import (
	"regexp"

	"github.com/rapport-crm/rapport/internal/records"
)

// Object is the tag object's description for the record engine.
var Object = &records.Object{
	Name:        "tags",
	Table:       "tags",
	LabelKey:    "object.tags",
	SingularKey: "object.tag",
	TitleField:  "name",
	DefaultSort: "name",
	ListColumns: []string{"name", "color", "description", "updated_at"},
	Section:     "settings",
	Fields: []records.Field{
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, Unique: true, MaxLen: 100},
		{Name: "color", Type: records.Text, Column: "color", LabelKey: "field.color", MaxLen: 7,
			Pattern: regexp.MustCompile(`^#[0-9a-fA-F]{6}$`), PatternMessage: "must be a colour like #3b82f6"},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 2000},
	},
	Customizable: true,
}
