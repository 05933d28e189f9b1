// Package config holds the one Config struct, read from flags and
// RAPPORT_* environment variables and passed explicitly.
package config

import (
	"os"
	"strconv"
	"time"
)

// Config is everything the server needs to start.
type Config struct {
	Addr            string        // listen address
	DataDir         string        // SQLite database and files
	DBURL           string        // postgres:// URL; empty for SQLite
	LogFormat       string        // text or json
	LogLevel        string        // debug, info, warn, error
	SessionLifetime time.Duration // how long a browser session lasts idle-free
	SecureCookies   bool          // mark cookies Secure (behind HTTPS)
	ShutdownTimeout time.Duration
	Version         string
	FilesDir        string // attachments; DataDir/files when empty
	MaxUpload       int64  // largest attachment in bytes; 25 MiB when zero
	MaxImport       int64  // largest import file in bytes; 1 GiB when zero
	// MmapReads maps up to this many bytes of a SQLite database into
	// the readers' memory (no flag: the one-shot export sets it).
	MmapReads int64
	// TLSCert and TLSKey, both set, make serve answer HTTPS itself (with
	// HSTS and Secure cookies).
	TLSCert string
	TLSKey  string
	// TrustedProxies is a comma-separated list of addresses and CIDR
	// prefixes whose X-Forwarded-For and X-Forwarded-Proto are believed
	// (a reverse proxy in front of rapport); nobody's when empty.
	TrustedProxies string
	// AuditRetention is how long audit log events are kept; 400 days
	// when zero.
	AuditRetention time.Duration
	PDFCJKFont     string // TrueType font with CJK glyphs for PDFs; Debian's fonts-droid-fallback when empty
	// NoPages builds the server without its web pages (no flag: the
	// one-shot commands that use only its services set it). The pages'
	// parsed templates are a third of a 1M-row import's live heap, and
	// the collector would scan them at every cycle.
	NoPages bool
}

// Default returns the defaults, overridden by RAPPORT_* variables.
func Default() Config {
	c := Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "rapport-data",
		LogFormat:       "text",
		LogLevel:        "info",
		SessionLifetime: 12 * time.Hour,
		ShutdownTimeout: 20 * time.Second,
	}
	if v := os.Getenv("RAPPORT_ADDR"); v != "" {
		c.Addr = v
	}
	if v := os.Getenv("RAPPORT_DATA"); v != "" {
		c.DataDir = v
	}
	if v := os.Getenv("RAPPORT_DB"); v != "" {
		c.DBURL = v
	}
	if v := os.Getenv("RAPPORT_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	if v := os.Getenv("RAPPORT_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	if v := os.Getenv("RAPPORT_FILES"); v != "" {
		c.FilesDir = v
	}
	if v := os.Getenv("RAPPORT_MAX_UPLOAD"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			c.MaxUpload = n
		}
	}
	if v := os.Getenv("RAPPORT_MAX_IMPORT"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			c.MaxImport = n
		}
	}
	c.TLSCert = os.Getenv("RAPPORT_TLS_CERT")
	c.TLSKey = os.Getenv("RAPPORT_TLS_KEY")
	c.TrustedProxies = os.Getenv("RAPPORT_TRUSTED_PROXIES")
	if v := os.Getenv("RAPPORT_PDF_CJK_FONT"); v != "" {
		c.PDFCJKFont = v
	}
	if v := os.Getenv("RAPPORT_SECURE_COOKIES"); v == "true" || v == "1" {
		c.SecureCookies = true
	}
	if v := os.Getenv("RAPPORT_SESSION_LIFETIME"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			c.SessionLifetime = d
		}
	}
	return c
}
