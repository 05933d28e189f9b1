// Package archive writes a whole workspace into one zip file and reads
// such a file back into an empty server: the customer's data leaves with
// them, and a workspace moves from SQLite to PostgreSQL (or back).
//
// An archive holds
//
//	manifest.json          what the archive is (Manifest)
//	tables/NAME.jsonl      every row of every table of the workspace, one JSON object per line
//	attachments/ID         the content of every attached file
//	import-files/ID        uploaded import files still kept (to resume or re-run an import)
//
// Tables and columns are found in the database's catalog, not listed by
// hand: a table that a later migration adds is archived as soon as it
// belongs to a workspace (a workspace_id column, or a foreign key to a
// table that has one), and Export refuses to run while a table neither
// belongs to a workspace nor is named in Excluded with its reason.
//
// Zip rather than tar.gz: an archive is written as a stream (the central
// directory comes last, so a download starts at once and memory stays
// constant), yet read with random access, so Import checks the manifest
// and the schema version before it writes anything and re-reads a table
// when it needs two passes; every entry carries a CRC-32, and a
// truncated file has no central directory, so damage is found before a
// row is written rather than half-way through; and anyone can open the
// archive with the tools of their system.
package archive

import (
	"context"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
)

// Format names the archive format in the manifest.
const Format = "rapport-workspace"

// FormatVersion is the version of the layout this package writes; Import
// reads archives of this version and older.
const FormatVersion = 1

const (
	manifestName      = "manifest.json"
	tablesDir         = "tables/"
	attachmentsDir    = "attachments/"
	importFilesDir    = "import-files/"
	workspacesTable   = "workspaces"
	workspaceIDColumn = "workspace_id"
)

// Excluded are the tables an archive leaves out, each with its reason.
// Every other table must belong to a workspace; a test fails when a new
// table does neither.
var Excluded = map[string]string{
	"goose_db_version": "migration bookkeeping; the target database runs its own migrations",
	"sessions":         "browser sessions are secrets bound to the old server; users sign in again",
	"api_tokens":       "API tokens are secrets and must not travel; users create new ones",
	"login_failures":   "sign-in rate-limit counters of the old server",
	"idempotency_keys": "a day's cache of answers to retried API requests",
	"jobs":             "the old server's job queue; the new server schedules its own periodic jobs",
	"deferred_indexes": "the state of a bulk load into the old database",
	"search_docs":      "derived from the records; Import rebuilds it (Options.Reindex)",
	"search_vocab":     "derived from the records; Import rebuilds it (Options.Reindex)",
	"match_keys":       "derived from the records; Import rebuilds it (Options.Reindex)",
	"match_key_sets":   "derived from the records; Import rebuilds it (Options.Reindex)",
}

// Manifest describes an archive. It is the archive's last entry, written
// once everything else is in, and the first thing Import reads.
type Manifest struct {
	Format         string    `json:"format"`
	FormatVersion  int       `json:"format_version"`
	SchemaVersion  int64     `json:"schema_version"` // the newest migration of the source database
	Dialect        string    `json:"dialect"`        // the source database: sqlite or postgres
	RapportVersion string    `json:"rapport_version,omitempty"`
	Workspace      Ident     `json:"workspace"`
	CreatedAt      time.Time `json:"created_at"`
	Tables         []Table   `json:"tables"` // in an order that inserts parents before children
	Files          Files     `json:"files"`
	// Excluded repeats Excluded, so a reader of the archive knows what
	// is not in it.
	Excluded map[string]string `json:"excluded"`
}

// Ident names the archived workspace.
type Ident struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Table is one archived table: its file, row count and columns.
type Table struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Rows    int64    `json:"rows"`
	Columns []Column `json:"columns"`
}

// Column is an archived column and its kind in the source database.
// Values are JSON: text, times (UTC, RFC 3339 with microseconds), dates
// (YYYY-MM-DD), UUIDs and JSON documents as strings; integers and reals
// as numbers; booleans as true/false from PostgreSQL and 1/0 from SQLite
// (where they are integers); bytes as base64 strings; NULL as null.
type Column struct {
	Name string  `json:"name"`
	Kind db.Kind `json:"kind"`
}

// Files counts the files of the archive.
type Files struct {
	Attachments int64 `json:"attachments"`
	ImportFiles int64 `json:"import_files"`
	Bytes       int64 `json:"bytes"`
	// Missing are attachments whose file was not on disk when the
	// archive was written; their rows are archived, their content is not.
	Missing []string `json:"missing,omitempty"`
}

// Options say where a server keeps its files and how to rebuild what an
// archive leaves out.
type Options struct {
	// FilesDir holds attachments as FilesDir/<workspace id>/<attachment id>
	// (files.Service.Dir).
	FilesDir string
	// ImportFilesDir holds uploaded import files as
	// ImportFilesDir/<workspace id>/<import id> (imports.Service.Dir).
	ImportFilesDir string
	// Version is the Rapport version, recorded by Export.
	Version string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Reindex rebuilds the derived tables (search terms, vocabulary,
	// matching keys) of a workspace inside the import's transaction.
	// Import requires it.
	Reindex func(ctx context.Context, tx *db.Tx, workspaceID string) error
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Errors Import returns, wrapped in an *errs.Error whose message says
// what to do; test for them with errors.Is.
var (
	// ErrNotEmpty: the server already holds a workspace.
	ErrNotEmpty = errors.New("server not empty")
	// ErrDamaged: the file is not a readable archive, or its content
	// disagrees with its manifest.
	ErrDamaged = errors.New("archive damaged")
	// ErrVersion: the archive was written at another schema version.
	ErrVersion = errors.New("archive of another version")
)
