package db

import "context"

// MigrateTo applies the migrations up to version to, as an older release
// did, so a test can then upgrade.
func (d *DB) MigrateTo(ctx context.Context, to int64) error { return d.migrate(ctx, to) }
