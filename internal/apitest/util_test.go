package apitest

import (
	"net/url"
	"testing"

	"github.com/rapport-crm/rapport/internal/jobs"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func jobsOpts() jobs.EnqueueOptions { return jobs.EnqueueOptions{} }
