//go:build integration

package jobs_test

import (
	"fmt"
	"testing"
)

// TestIntegrationBooksBalancePostgres is TestBooksBalanceOverRandomNights
// on PostgreSQL ($IWO_TEST_POSTGRES): the same world, jobs and checks.
func TestIntegrationBooksBalancePostgres(t *testing.T) {
	for _, seed := range []uint64{1, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			CheckBooks(t, MustPlayBooks(t, mustPostgresStores(t, 1)[0], seed))
		})
	}
}
