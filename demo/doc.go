// Package demo plays the world around an agency for "iwo demo": an
// embedded SFTP server on a loopback port that stands in for the federal
// e-IWO portal and the SDU's bank, and a few hundred simulated employers
// that answer the agency's IWOs and pay what they withhold, through the
// employer mode (package employer), with a realistic few percent of
// problems.
//
// The agency side is not here: cmd/iwo wires the real store and the real
// nightly jobs to the partners configuration World writes, exactly as in
// production, and calls World.Day before each night. The world keeps its
// own tally (Stats) so a test can compare the agency's store against what
// the employers really sent.
//
// Time is simulated: night n falls on Start + 7×(n−1) days, so each demo
// night is a week of payroll and every pay frequency pays at least once in
// a few nights. World.Now is the clock every component is given.
package demo
