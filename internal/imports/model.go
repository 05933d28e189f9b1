// Package imports turns files (CSV, XLSX, vCard, iCalendar) into records
// of any object the record engine knows, custom fields included. Every
// import is a batch with an owner, options and a checkpoint; rows are
// validated and written by the record engine (the same validation,
// history, search terms and duplicate keys as a form), in chunks of a few
// thousand, each chunk committed together with the batch's checkpoint so
// that a killed process leaves no half-written record and a resume goes
// on from the last committed row. A dry run does all of it and rolls every
// chunk back. Undo trashes what an import created and restores from
// history what it changed.
package imports

import (
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/errs"
)

// Modes: what a row does with the record its key finds.
const (
	ModeCreate = "create" // every row creates a record
	ModeUpdate = "update" // a row updates the record its key finds, or is skipped
	ModeUpsert = "upsert" // a row updates the record its key finds, or creates one
)

// Duplicate policies: what a row that would create a record does when
// the duplicate checker finds that record already (in the database or
// earlier in the file).
const (
	DupSkip   = "skip"   // skip the row, reporting the duplicate
	DupUpdate = "update" // update the record it duplicates instead
	DupCreate = "create" // create it anyway, reporting the duplicate
)

// Batch statuses.
const (
	StatusDraft     = "draft"     // uploaded, waiting for its mapping and options
	StatusQueued    = "queued"    // started, waiting for a worker
	StatusRunning   = "running"   // a worker is importing it
	StatusDone      = "done"      // every row was read
	StatusFailed    = "failed"    // it stopped on an error it could not go past; resumable
	StatusCancelled = "cancelled" // stopped on request; the committed rows stay (and can be undone)
	StatusUndoing   = "undoing"   // undo in progress
	StatusUndone    = "undone"    // what it created is in the trash, what it changed restored
)

// Formats of import files.
const (
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatVCard = "vcard"
	FormatICal  = "ical"
)

// Issue kinds of the report.
const (
	IssueError     = "error"     // the row was rejected
	IssueDuplicate = "duplicate" // the row duplicates a record (skipped, updated it, or created anyway)
	IssueSkipped   = "skipped"   // the row was skipped (update mode and no record with its key)
	IssueWarning   = "warning"   // a value was left out; the row was imported
)

// Special mapping targets: columns that do not hold a field's value as
// is but something the importer resolves.
const (
	TargetFullName      = "full_name"      // a whole name, split into given, middle and family name
	TargetAccount       = "account"        // an account's name: the contact's account (matched, or created)
	TargetAccountDomain = "account_domain" // an account's domain, matched before the name
	TargetTags          = "tags"           // tag names, comma-separated; missing tags are created
	TargetOwnerEmail    = "owner_email"    // the owner, by e-mail
	TargetParent        = "parent"         // an account's parent account, by name
	TargetContactEmails = "contact_emails" // activities: contacts to link, by e-mail
	TargetAccountNames  = "account_names"  // activities: accounts to link, by name
	TargetID            = "id"             // the record's id, to update it
)

// Column maps one column of the file to a target: a field of the object
// (custom fields included), a special target, or "" to leave it out.
type Column struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

// Counts are a batch's row counters.
type Counts struct {
	Total           int64 `json:"total"`
	Done            int64 `json:"done"`
	Created         int64 `json:"created"`
	Updated         int64 `json:"updated"`
	Unchanged       int64 `json:"unchanged"`
	Skipped         int64 `json:"skipped"`
	Rejected        int64 `json:"rejected"`
	Duplicates      int64 `json:"duplicates"`
	AccountsCreated int64 `json:"accounts_created"`
	TagsCreated     int64 `json:"tags_created"`
}

// Batch is one import: its file, options, status and counts.
type Batch struct {
	ID             string     `json:"id"`
	OwnerID        string     `json:"owner_id"`
	Object         string     `json:"object"`
	FileName       string     `json:"file_name"`
	FileSize       int64      `json:"file_size"`
	Format         string     `json:"format"`
	Encoding       string     `json:"encoding"`
	Delimiter      string     `json:"delimiter"`
	Sheet          string     `json:"sheet"`
	Mapping        []Column   `json:"mapping"`
	Mode           string     `json:"mode"`
	Key            string     `json:"key"`
	DupPolicy      string     `json:"duplicates"`
	CreateAccounts bool       `json:"create_accounts"`
	DryRun         bool       `json:"dry_run"`
	Status         string     `json:"status"`
	Error          string     `json:"error,omitempty"`
	Rows           Counts     `json:"rows"`
	Checkpoint     int64      `json:"checkpoint"`
	CreatedAt      time.Time  `json:"created_at"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	// RowsPerSecond is the rate of the current (or last) run; SecondsLeft
	// the time left at that rate, -1 when unknown.
	RowsPerSecond float64 `json:"rows_per_second"`
	SecondsLeft   float64 `json:"seconds_left"`

	WorkspaceID  string `json:"-"`
	path         string
	uploaded     bool
	lockedBy     string
	runStarted   time.Time
	runRowsStart int64
	undoBy       string
	undoPoint    int64
	cancel       bool
}

// Active reports whether the batch is queued or being worked on.
func (b *Batch) Active() bool {
	return b.Status == StatusQueued || b.Status == StatusRunning || b.Status == StatusUndoing
}

// Undoable reports whether undo may start: a real import that wrote
// something and is not running.
func (b *Batch) Undoable() bool {
	return !b.DryRun && (b.Status == StatusDone || b.Status == StatusCancelled || b.Status == StatusFailed) && b.Checkpoint > 0
}

// Issue is one line of a batch's report: a rejected row and why, a
// duplicate, a skipped row or a warning.
type Issue struct {
	Row      int64  `json:"row"`
	Line     int64  `json:"line"`
	Kind     string `json:"kind"`
	Column   string `json:"column,omitempty"`
	Value    string `json:"value,omitempty"`
	Reason   string `json:"reason"`
	RecordID string `json:"record_id,omitempty"`
}

// Options are what a start (or a preview) may set. Nil fields keep the
// batch's current value.
type Options struct {
	Mapping        *[]Column `json:"mapping"`
	Template       *string   `json:"template"`
	Mode           *string   `json:"mode"`
	Key            *string   `json:"key"`
	DupPolicy      *string   `json:"duplicates"`
	CreateAccounts *bool     `json:"create_accounts"`
	DryRun         *bool     `json:"dry_run"`
	Encoding       *string   `json:"encoding"`
	Delimiter      *string   `json:"delimiter"`
	Sheet          *string   `json:"sheet"`
}

// apply sets the options on b, collecting field errors (locations under
// prefix, such as "body.").
func (o *Options) apply(b *Batch, prefix string) []errs.FieldError {
	var fe []errs.FieldError
	if o.Mapping != nil {
		b.Mapping = slices.Clone(*o.Mapping)
	}
	if o.Mode != nil {
		b.Mode = strings.TrimSpace(*o.Mode)
	}
	if o.Key != nil {
		b.Key = strings.TrimSpace(*o.Key)
	}
	if o.DupPolicy != nil {
		b.DupPolicy = strings.TrimSpace(*o.DupPolicy)
	}
	if o.CreateAccounts != nil {
		b.CreateAccounts = *o.CreateAccounts
	}
	if o.DryRun != nil {
		b.DryRun = *o.DryRun
	}
	if o.Encoding != nil {
		b.Encoding = strings.TrimSpace(*o.Encoding)
	}
	if o.Delimiter != nil {
		d := *o.Delimiter
		if d == `\t` || strings.EqualFold(d, "tab") {
			d = "\t"
		}
		if d != "" && d != "," && d != ";" && d != "\t" && d != "|" {
			fe = append(fe, errs.FieldError{Location: prefix + "delimiter", Message: `must be one of "," ";" "|" or "tab" (or empty to detect it)`})
		}
		b.Delimiter = d
	}
	if o.Sheet != nil {
		b.Sheet = strings.TrimSpace(*o.Sheet)
	}
	switch b.Mode {
	case ModeCreate, ModeUpdate, ModeUpsert:
	default:
		fe = append(fe, errs.FieldError{Location: prefix + "mode", Message: "must be create, update or upsert"})
	}
	switch b.DupPolicy {
	case DupSkip, DupUpdate, DupCreate:
	default:
		fe = append(fe, errs.FieldError{Location: prefix + "duplicates", Message: "must be skip, update or create"})
	}
	if (b.Mode == ModeUpdate || b.Mode == ModeUpsert) && b.Key == "" {
		fe = append(fe, errs.FieldError{Location: prefix + "key", Message: "is required to update or upsert: the field that identifies a record (id, email, phone, external_id, …)"})
	}
	return fe
}

func formatDelimiter(d string) string {
	if d == "\t" {
		return "tab"
	}
	return d
}
