package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/archive"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// ArchiveOptions are the options of archive.Export and archive.Import on
// this server: where it keeps its files, and how it rebuilds the search
// tables an archive leaves out.
func (s *Server) ArchiveOptions() archive.Options {
	return archive.Options{FilesDir: s.Files.Dir, ImportFilesDir: s.Imports.Dir, Version: s.Cfg.Version, Now: s.Now, Reindex: s.Reindex}
}

// Reindex rebuilds the search terms and duplicate keys of workspace ws
// inside tx, for every object that has them.
func (s *Server) Reindex(ctx context.Context, tx *db.Tx, ws string) error {
	if err := s.Customers.Reindex(ctx, tx, ws); err != nil {
		return err
	}
	return s.Sales.Reindex(ctx, tx, ws)
}

// ExportWorkspace writes the whole workspace of p as an archive to w
// (admins only).
func (s *Server) ExportWorkspace(ctx context.Context, p *auth.Principal, w io.Writer) (*archive.Manifest, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may export the whole workspace.")
	}
	return archive.Export(ctx, s.DB, p.WorkspaceID, w, s.ArchiveOptions())
}

func (s *Server) registerArchiveAPI() {
	s.API.Handle(api.Op{Method: "GET", Path: "/api/v1/workspace/export", ID: "export_workspace", Tag: "workspace",
		Summary: "Download the whole workspace as one archive (admins)",
		Description: "A zip file with manifest.json, every table of the workspace as JSON Lines (tables/NAME.jsonl: records, history, users with their password hashes, roles, teams, custom fields, imports, …) and every attached file. " +
			"`rapport import-workspace FILE` restores it into an empty server, on SQLite or PostgreSQL. Sessions and API tokens are left out. " +
			"The archive is streamed as it is written; should the export fail half-way, the download ends early and is not a readable archive.",
		Produces: []string{"application/zip"},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if !p.IsAdmin {
				return errs.E(errs.Forbidden, "Only admins may export the whole workspace.")
			}
			ws, err := s.Auth.GetWorkspace(r.Context(), p.WorkspaceID)
			if err != nil {
				return err
			}
			name := "rapport-" + fileSafe(ws.Name) + "-" + s.Now().UTC().Format("20060102-150405") + ".zip"
			cw := &countingWriter{w: w, header: func() {
				w.Header().Set("Content-Type", "application/zip")
				w.Header().Set("Content-Disposition", "attachment; filename=\""+asciiOnly(name)+"\"; filename*=UTF-8''"+url.PathEscape(name))
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("X-Content-Type-Options", "nosniff")
			}}
			m, err := s.ExportWorkspace(r.Context(), p, cw)
			if err == nil {
				s.Log.Info("workspace exported", "workspace", p.WorkspaceID, "user", p.UserID, "tables", len(m.Tables), "files", m.Files.Attachments+m.Files.ImportFiles,
					"bytes", cw.n, "request_id", api.RequestID(r.Context()))
				return nil
			}
			if cw.n == 0 {
				return err
			}
			// Part of the archive is out with a 200: cut the connection so
			// the client sees an incomplete download, never a whole file.
			if r.Context().Err() != nil {
				s.Log.Info("workspace export stopped: the client went away", "workspace", p.WorkspaceID, "request_id", api.RequestID(r.Context()))
			} else {
				s.Log.Error("workspace export failed after it began", "err", err, "workspace", p.WorkspaceID, "request_id", api.RequestID(r.Context()))
			}
			panic(http.ErrAbortHandler)
		}})
}

// countingWriter sets the headers before the first byte and counts the
// bytes written.
type countingWriter struct {
	w      io.Writer
	header func()
	n      int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n == 0 && c.header != nil {
		c.header()
		c.header = nil
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fileSafe keeps letters and digits of a name for a file name.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
	s = strings.Trim(s, "-")
	if s == "" {
		return "workspace"
	}
	return s
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}
