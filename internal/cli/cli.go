// Package cli holds the rapport subcommands.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/server"
)

// New builds the root command. version is printed by `rapport version`.
func New(version string, stdout, stderr io.Writer) *cobra.Command {
	cfg := config.Default()
	cfg.Version = version
	root := &cobra.Command{
		Use:           "rapport",
		Short:         "Rapport: an open-source CRM in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory for the SQLite database and files (env RAPPORT_DATA)")
	pf.StringVar(&cfg.DBURL, "db", cfg.DBURL, "PostgreSQL URL postgres://…; SQLite under --data when empty (env RAPPORT_DB)")
	pf.StringVar(&cfg.FilesDir, "files-dir", cfg.FilesDir, "directory for attachments and uploaded import files (default DATA/files; env RAPPORT_FILES)")
	pf.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json (env RAPPORT_LOG_FORMAT)")
	pf.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error (env RAPPORT_LOG_LEVEL)")

	root.AddCommand(serveCmd(&cfg, stderr), setupCmd(&cfg, stdout, stderr), demoCmd(&cfg, stdout, stderr), migrateCmd(&cfg, stderr), tokenCmd(&cfg, stdout, stderr),
		importCmd(&cfg, stdout, stderr), exportCmd(&cfg, stdout, stderr), exportWorkspaceCmd(&cfg, stdout, stderr), importWorkspaceCmd(&cfg, stdout, stderr), backupCmd(&cfg, stdout, stderr), restoreCmd(&cfg, stderr),
		&cobra.Command{Use: "version", Short: "Print the version", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(stdout, "rapport", version)
			return nil
		}})
	return root
}

// Logger builds the logger cfg asks for, writing to w.
func Logger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch cfg.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
}

func openDB(ctx context.Context, cfg *config.Config) (*db.DB, error) {
	return server.Open(ctx, *cfg)
}

func serveCmd(cfg *config.Config, stderr io.Writer) *cobra.Command {
	var pprofAddr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the web application and REST API",
		Long: `Run the web application and REST API.

Configuration comes from flags or RAPPORT_* environment variables:
  --addr / RAPPORT_ADDR                  listen address (default 127.0.0.1:8080)
  --data / RAPPORT_DATA                  data directory (default ./rapport-data)
  --db / RAPPORT_DB                      postgres://… to use PostgreSQL
  --log-format / RAPPORT_LOG_FORMAT      text or json
  --log-level / RAPPORT_LOG_LEVEL        debug, info, warn, error
  --secure-cookies / RAPPORT_SECURE_COOKIES   mark cookies Secure (serve behind HTTPS)
  --session-lifetime / RAPPORT_SESSION_LIFETIME  idle time before a session ends (default 12h)
  --files-dir / RAPPORT_FILES  directory for attachments (default DATA/files)
  --max-upload / RAPPORT_MAX_UPLOAD  largest attachment in bytes (default 26214400)
  --max-import / RAPPORT_MAX_IMPORT  largest import file in bytes (default 1073741824)
  --tls-cert, --tls-key / RAPPORT_TLS_CERT, RAPPORT_TLS_KEY  serve HTTPS directly
  --trusted-proxies / RAPPORT_TRUSTED_PROXIES  proxies whose X-Forwarded-* headers count

Security headers go with every answer: Content-Security-Policy (no inline
script or style, frame-ancestors 'none'), X-Content-Type-Options nosniff,
Referrer-Policy same-origin, and Strict-Transport-Security when the request
came over TLS — directly, or through a trusted proxy that says so in
X-Forwarded-Proto. Behind a TLS-terminating proxy, also pass
--secure-cookies.
  --pdf-cjk-font / RAPPORT_PDF_CJK_FONT  TrueType font with CJK glyphs for Chinese quote
      and invoice PDFs (default: Debian's fonts-droid-fallback)

Migrations run at start. Stop with Ctrl-C (SIGINT) or SIGTERM: requests
in flight and the running background job finish first; a running import
stops after its current chunk and is resumed at the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			d, err := openDB(ctx, cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			s, err := server.New(*cfg, d, log, nil)
			if err != nil {
				return err
			}
			if pprofAddr != "" {
				if err := servePprof(ctx, pprofAddr); err != nil {
					return err
				}
			}
			return s.Run(ctx, nil)
		},
	}
	c.Flags().StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env RAPPORT_ADDR)")
	c.Flags().StringVar(&pprofAddr, "pprof-addr", "", "serve Go profiles (net/http/pprof) on this loopback address, for diagnosis")
	c.Flags().BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark cookies Secure, for serving behind HTTPS (env RAPPORT_SECURE_COOKIES)")
	c.Flags().Int64Var(&cfg.MaxUpload, "max-upload", cfg.MaxUpload, "largest attachment in bytes (default 25 MiB; env RAPPORT_MAX_UPLOAD)")
	c.Flags().Int64Var(&cfg.MaxImport, "max-import", cfg.MaxImport, "largest import file in bytes (default 1 GiB; env RAPPORT_MAX_IMPORT)")
	c.Flags().StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "serve HTTPS with this certificate (PEM; with --tls-key): HSTS and Secure cookies follow (env RAPPORT_TLS_CERT)")
	c.Flags().StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "the private key of --tls-cert (PEM; env RAPPORT_TLS_KEY)")
	c.Flags().StringVar(&cfg.TrustedProxies, "trusted-proxies", cfg.TrustedProxies, "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (env RAPPORT_TRUSTED_PROXIES)")
	c.Flags().StringVar(&cfg.PDFCJKFont, "pdf-cjk-font", cfg.PDFCJKFont, "TrueType font with CJK glyphs for Chinese PDFs (default Debian's fonts-droid-fallback; env RAPPORT_PDF_CJK_FONT)")
	c.Flags().DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "idle time before a browser session ends (env RAPPORT_SESSION_LIFETIME)")
	return c
}

func migrateCmd(cfg *config.Config, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := openDB(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			v, err := d.MigrationVersion(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "database %s is at migration %d\n", d.Redacted(), v)
			return nil
		},
	}
}

func setupCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var in auth.SetupInput
	c := &cobra.Command{
		Use:   "setup",
		Short: "Create a workspace and its first admin (run again to add another workspace)",
		Example: `  rapport setup --workspace "Acme" --email admin@acme.test --password 'a long secret'
  rapport setup --workspace "Acme ES" --currency EUR --language es --timezone Europe/Madrid --email ana@acme.test --password '…'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := openDB(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			svc := auth.NewService(d, nil, log)
			ws, u, err := svc.Setup(cmd.Context(), in)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(stdout, "created workspace %q (%s) with admin %s\n", ws.Name, ws.ID, u.Email)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&in.Workspace, "workspace", "", "workspace name (required)")
	f.StringVar(&in.Email, "email", "", "the admin's e-mail (required)")
	f.StringVar(&in.Password, "password", "", "the admin's password, 8 to 128 characters (required)")
	f.StringVar(&in.Name, "name", "", "the admin's name")
	f.StringVar(&in.Currency, "currency", "USD", "base currency (ISO 4217)")
	f.StringVar(&in.Language, "language", "en", "default language: en, es or zh")
	f.StringVar(&in.Timezone, "timezone", "UTC", "time zone (IANA name)")
	return c
}

func tokenCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	t := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var ws, email, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user; prints only the token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := openDB(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			svc := auth.NewService(d, nil, log)
			u, err := svc.FindUserByEmail(cmd.Context(), ws, email)
			if err != nil {
				return fmt.Errorf("no user %s in workspace %q", email, ws)
			}
			p, err := svc.Principal(cmd.Context(), u.WorkspaceID, u.ID)
			if err != nil {
				return fmt.Errorf("user %s cannot act (deactivated?): %w", email, err)
			}
			_, secret, err := svc.CreateToken(cmd.Context(), p, name)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&ws, "workspace", "", "workspace name (required)")
	create.Flags().StringVar(&email, "email", "", "the user's e-mail (required)")
	create.Flags().StringVar(&name, "name", "", "a name for the token (required)")
	for _, f := range []string{"workspace", "email", "name"} {
		_ = create.MarkFlagRequired(f)
	}
	t.AddCommand(create)
	return t
}

// describe spells out field errors for the terminal.
func describe(err error) error {
	if e, ok := asAppErr(err); ok && len(e.Fields) > 0 {
		var b strings.Builder
		b.WriteString(e.Message)
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "\n  %s %s", strings.TrimPrefix(f.Location, "body."), f.Message)
		}
		return fmt.Errorf("%s", b.String())
	}
	if e, ok := asAppErr(err); ok {
		return fmt.Errorf("%s", e.Message)
	}
	return err
}

// openServer opens the database cfg names and the server on it, logging to
// logw, for commands that work on the data without serving it. The caller
// closes the database.
func openServer(ctx context.Context, cfg *config.Config, logw io.Writer) (*server.Server, *db.DB, error) {
	log, err := Logger(*cfg, logw)
	if err != nil {
		return nil, nil, err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	s, err := server.New(*cfg, d, log, nil)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return s, d, nil
}
