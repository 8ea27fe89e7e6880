//go:build integration

package bench_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/bench"
)

// TestIntegrationNightTwoInstancesPostgres plays the bench at a tiny size on
// PostgreSQL ($IWO_TEST_POSTGRES, a fresh schema) with two instances
// pulling the typical night's files together: the books balance (Night
// fails otherwise) and each instance reports its share. That both
// instances apply files is TestIntegrationTwoInstancesPullRemittancesOnPostgres's
// (package jobs) to prove; here the other may find the inbox done.
func TestIntegrationNightTwoInstancesPostgres(t *testing.T) {
	url := os.Getenv("IWO_TEST_POSTGRES")
	if url == "" {
		t.Fatal("IWO_TEST_POSTGRES is not set; run `make integration` (it starts PostgreSQL with .ci/deps)")
	}
	var out bytes.Buffer
	err := bench.Night(context.Background(), bench.Options{
		Orders: 300, Employers: 20, Payments: 240, Files: 24, DB: url, Dir: t.TempDir(), Instances: 2,
	}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\nstep=typical.pull-remittances ") || !strings.Contains(out.String(), "\nbooks received=240/") {
		t.Errorf("no typical.pull-remittances line or books of 240 payments")
	}
	share := regexp.MustCompile(`(?m)^# typical\.pull-remittances on (\S+): files=[0-9]+ `)
	ms := share.FindAllStringSubmatch(out.String(), -1)
	if len(ms) != 2 {
		t.Fatalf("instances' shares of pull-remittances: %q, want two", ms)
	}
}
