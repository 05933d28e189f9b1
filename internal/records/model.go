// Package records is the record engine: objects and fields described as
// data, and from that description alone validation, CRUD, list queries
// with filters, sort and cursors, ETags, trash, history and hooks.
package records

import (
	"context"
	"regexp"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
)

// FieldType is the kind of value a field holds.
type FieldType string

// The field types. Their JSON forms: text-like types are strings;
// integer a number; decimal and percent exact decimal strings (numbers
// accepted on input); money {"amount":"12.50","currency":"EUR"}; date
// "2006-01-02"; datetime RFC 3339 UTC; boolean true/false; select a
// string; multi_select an array of strings; reference and user an id.
const (
	Text        FieldType = "text"
	LongText    FieldType = "long_text"
	Integer     FieldType = "integer"
	Decimal     FieldType = "decimal"
	Money       FieldType = "money"
	Percent     FieldType = "percent"
	Date        FieldType = "date"
	DateTime    FieldType = "datetime"
	Boolean     FieldType = "boolean"
	Select      FieldType = "select"
	MultiSelect FieldType = "multi_select"
	Email       FieldType = "email"
	Phone       FieldType = "phone"
	URL         FieldType = "url"
	Reference   FieldType = "reference"
	User        FieldType = "user"
)

// FieldTypes lists every field type, in the order the UI offers them.
var FieldTypes = []FieldType{Text, LongText, Integer, Decimal, Money, Percent, Date, DateTime, Boolean, Select, MultiSelect, Email, Phone, URL, Reference, User}

// Valid reports whether t is a known field type.
func (t FieldType) Valid() bool {
	for _, x := range FieldTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Option is one choice of a select or multi-select field, with a label
// per language (en, es, zh).
type Option struct {
	Value  string            `json:"value"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Opt is a choice labelled in the three languages of the interface.
func Opt(value, en, es, zh string) Option {
	return Option{Value: value, Labels: map[string]string{"en": en, "es": es, "zh": zh}}
}

// Label returns the option's label in lang, falling back to English and
// then to the value.
func (o Option) Label(lang string) string {
	if l := o.Labels[lang]; l != "" {
		return l
	}
	if l := o.Labels["en"]; l != "" {
		return l
	}
	return o.Value
}

// Field describes one field of an object.
type Field struct {
	Name     string            // API name, snake_case; custom fields start with "cf_"
	Type     FieldType         //
	Column   string            // column of a standard field; empty for custom fields
	LabelKey string            // i18n key of a standard field's label
	Labels   map[string]string // labels of a custom field per language
	Required bool
	ReadOnly bool // set by the system, never by a client
	Unique   bool // unique per workspace among live records, case-insensitive
	// NotNull says the column always holds a value (a field the system
	// computes), so sorting on it needs no NULL handling and its index
	// serves the order.
	NotNull  bool
	MaxLen   int // for text-like types; 0 means the type's default
	Options  []Option
	Target   string // object name of a reference field
	Custom   bool
	ID       string // custom field id
	Position int
	System   bool // id, owner, timestamps: shown but not in forms
	// Pattern, when set, must match a text value; PatternMessage says
	// what a good value looks like.
	Pattern        *regexp.Regexp
	PatternMessage string
	// Link says where the values of a RefList field are stored.
	Link *Link
	// Personal says the field holds personal data about the person the
	// record describes (a name, an address, free text about them): an
	// erasure of the person clears it.
	Personal bool

	// region is the workspace's region while a phone list is normalised;
	// phones, when set, remembers numbers already normalised.
	region string
	phones *phoneMemo
}

// stored reports whether the field has its own column(s) in the object's
// table (custom fields live in the custom document, link fields in
// their link table, system fields among the record columns).
func (f *Field) stored() bool {
	return !f.Custom && !f.System && f.Name != "owner_id" && f.Type != RefList
}

// Label returns the field's label for lang using tr for standard fields.
func (f *Field) Label(lang string, tr func(lang, key string, args ...any) string) string {
	if f.Custom {
		if l := f.Labels[lang]; l != "" {
			return l
		}
		if l := f.Labels["en"]; l != "" {
			return l
		}
		return f.Name
	}
	if f.LabelKey != "" && tr != nil {
		return tr(lang, f.LabelKey)
	}
	return f.Name
}

// Option returns the option with value v.
func (f *Field) Option(v string) (Option, bool) {
	for _, o := range f.Options {
		if o.Value == v {
			return o, true
		}
	}
	return Option{}, false
}

// Hooks are an object's typed callbacks. Before hooks run inside the
// write transaction and may change the record or reject it with an
// *errs.Error; after hooks run in the same transaction after the write.
type Hooks struct {
	BeforeCreate func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error
	AfterCreate  func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error
	BeforeUpdate func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *Record) error
	AfterUpdate  func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *Record) error
	BeforeDelete func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error
	AfterDelete  func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error
	AfterRestore func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error
	// AfterCreateBatch, when set, replaces AfterCreate for records a
	// Writer inserts together: it gets them all at once so it can write
	// what follows from them (search terms, links) with a few statements
	// instead of several per record. It must do what AfterCreate does.
	AfterCreateBatch func(ctx context.Context, tx *db.Tx, p *auth.Principal, rs []*Record) error
}

// Object describes a kind of record: its table, its standard fields and
// its behaviour. Standard objects are declared in Go; custom fields are
// added per workspace as rows.
type Object struct {
	Name         string // API and URL name, plural snake_case: "tags"
	Table        string
	LabelKey     string // i18n key of the plural label
	SingularKey  string // i18n key of the singular label
	TitleField   string // field shown as the record's title
	Fields       []Field
	DefaultSort  string // e.g. "name" or "-created_at"
	ListColumns  []string
	Customizable bool // admins may add custom fields
	Section      string
	Hooks        Hooks
	// Incoming lists the columns elsewhere that refer to this object's
	// records; a merge moves them to the surviving record.
	Incoming []Incoming
	// KeptBy, when set, keeps a record in the trash, refusing its purge,
	// while records elsewhere still name it.
	KeptBy *KeptBy
}

// KeptBy names the columns whose records keep a record from being
// purged: documents that must go on naming it (an invoice its customer,
// a payment its invoice). Records in the trash keep it too, until they
// are purged themselves. Every other link to a purged record is cleared,
// or its parts deleted, by the database (migrations 0010 and 0012).
type KeptBy struct {
	Refs []Ref
	// Message is the public reason a purge is refused, in English (the
	// pages translate it as an "err.*" text); %d is how many records
	// still name the record.
	Message string
}

// Ref is a column of a table that refers to an object's records.
type Ref struct {
	Table  string
	Column string
}

// Incoming is a column of another table that refers to an object's
// records.
type Incoming struct {
	Table  string
	Column string
	// Unique are the other columns of a unique key the rows belong to: a
	// row that would repeat one of the survivor's is dropped instead.
	Unique []string
	// NotSelf is a column that must not end up equal to Column (a
	// relationship between two of the merged records is dropped).
	NotSelf string
	// Object and Field, when Table is an object's table and Column one
	// of its reference fields: each moved record gets a history entry.
	Object string
	Field  string
}

// Field returns the standard field named name.
func (o *Object) Field(name string) (*Field, bool) {
	for i := range o.Fields {
		if o.Fields[i].Name == name {
			return &o.Fields[i], true
		}
	}
	return nil, false
}

// MoneyValue is an exact amount in a currency.
type MoneyValue struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Record is one record of an object. Values holds the canonical value of
// every standard and custom field by name (absent or nil when empty).
type Record struct {
	Object    string
	ID        string
	Version   int64
	OwnerID   string
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	DeletedAt *time.Time
	DeletedBy string
	Values    map[string]any
	// fields are the object's fields as they were when the record was
	// read, so writing it out needs no second look-up.
	fields []Field
}

// ETag returns the record's entity tag; it changes with every write.
func (r *Record) ETag() string { return `"` + r.ID[len(r.ID)-12:] + "." + itoa(r.Version) + `"` }

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Title returns the value of the object's title field as text.
func (r *Record) Title(o *Object) string {
	if s, ok := r.Values[o.TitleField].(string); ok && s != "" {
		return s
	}
	return r.ID
}

// systemFields are present on every object, after its own fields.
var systemFields = []Field{
	{Name: "owner_id", Type: User, Column: "owner_id", LabelKey: "field.owner"},
	{Name: "created_at", Type: DateTime, Column: "created_at", LabelKey: "field.created", ReadOnly: true, System: true},
	{Name: "created_by", Type: User, Column: "created_by", LabelKey: "field.created_by", ReadOnly: true, System: true},
	{Name: "updated_at", Type: DateTime, Column: "updated_at", LabelKey: "field.updated", ReadOnly: true, System: true},
	{Name: "updated_by", Type: User, Column: "updated_by", LabelKey: "field.updated_by", ReadOnly: true, System: true},
}

// SystemField returns the system field named name (owner and timestamps).
func SystemField(name string) (*Field, bool) {
	for i := range systemFields {
		if systemFields[i].Name == name {
			f := systemFields[i]
			return &f, true
		}
	}
	return nil, false
}
