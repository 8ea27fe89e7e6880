package jobs

// SetFileLimits lowers the most employers and IWOs one file of j carries,
// so that a test cuts several files out of a few orders.
func SetFileLimits(j *SendIWOs, batches, iwos int) { j.maxBatches, j.maxIWOs = batches, iwos }

// UnsentName is the dotted name send-iwos writes a file under until it is
// whole.
var UnsentName = unsentName

// The jobs' tests reconcile every night of two orders or more over the
// orders listed in two halves, as a state-sized night does (orderHalves);
// the fixtures with one order keep the one listing.
func init() { splitOrders = 2 }

// SetStreamShare sets when the report's statements read every order in
// one listing (see streamShare) and returns what restores it.
func SetStreamShare(n int) (restore func()) {
	old := streamShare
	streamShare = n
	return func() { streamShare = old }
}
