// The behavioural suite of the platform: the REST API end to end through
// HTTP, on the dialect RAPPORT_TEST_DB selects (make test runs it on
// SQLite and on PostgreSQL).
package server_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// missingID is a well-formed id no record has.
const missingID = "01900000-0000-7000-8000-000000000000"
