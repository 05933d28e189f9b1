// Package crash holds the crash campaign (crash_test.go): the server and
// the importer killed with SIGKILL at random moments, again and again,
// and the database checked after each kill. `make crash` runs it 50 times
// on each database; `make test` runs a handful.
package crash
