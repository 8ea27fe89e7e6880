//go:build integration

package store_test

import "testing"

// BenchmarkIntegrationApplyPayments1MPostgres needs IWO_TEST_POSTGRES:
//
//	IWO_TEST_POSTGRES=$(.ci/deps) go test -tags integration -run '^$' -bench Integration ./store
func BenchmarkIntegrationApplyPayments1MPostgres(b *testing.B) {
	benchApplyPayments(b, MustOpenPostgres(b))
}
