// Package ach reads and writes the NACHA files that carry child support
// remittances: CCD+ entries with one DED addenda, and CTX entries whose
// addenda hold an X12 820 with one DED segment per case.
//
// # Reading
//
// Reader is a streaming, fixed-width scanner: it slices fields out of each
// 94-character record and keeps only the current batch's totals and the
// current entry's addenda, so memory does not grow with the file. It checks
// what a State Disbursement Unit must before it posts money: file and batch
// headers and controls, entry and addenda counts, entry hash, debit and
// credit totals per batch and per file, trace-number order, routing check
// digits, and for CTX the addenda count in positions 55–58 and the addenda
// sequence.
//
// Payments scans and checks the records on a second goroutine while the
// caller's goroutine parses DEDs and receives the payments, in file order
// (pipeline.go). With Options.ReusePayment it hands out one payment,
// overwritten each time, for consumers that store or print each payment
// before the next.
//
// A structurally bad file is rejected whole. Because the reader streams, it
// cannot know that before the end: Payments and Entries yield every item
// first and then, if the file was bad, one final *FileError listing every
// problem as "FILE:LINE: RECORD FIELD: reason". A caller that stores
// payments inside a transaction (withholding.FileService.ApplyPayments)
// rolls back when it sees that error. Summary reports the totals after the
// iteration.
//
// # DED
//
// ParseDED parses the child support DED segment per the NACHA banking
// convention (docs/ach.md and the spec ded-remittance.md). A Profile chooses
// between the lenient default, which normalises and warns, and a strict
// reading, which turns every deviation into a problem. Problems block
// automatic posting; warnings do not.
//
// # Classification
//
// Every entry comes out as at least one withholding.Payment whose Kind says
// what it is: a payment (CCD/CTX credit with remittance data), a prenote
// (transaction code 23/33), a return (addenda 99), a notification of change
// (addenda 98 or SEC COR), or other (debits, entries that are not CCD/CTX).
// A payment whose addenda cannot be fully parsed still comes out, with
// Problems and Raw set, so reconciliation can turn it into an exception.
//
// # Writing
//
// WriteRemittance writes a CCD+ or CTX file from computed payments, using
// github.com/moov-io/ach record types, and Generate writes realistic test
// files with many employers and the occasional bad DED, prenote, return and
// notification of change.
package ach
