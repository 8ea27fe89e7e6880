// Package jobs runs the agency's nightly work: it sends income withholding
// orders to employers, takes their acknowledgments and the bank's remittance
// files back over SFTP, and, once reconciliation and reporting are wired in,
// ends the night with the exceptions workbook.
//
// # Jobs
//
// Each step is a [Job]: a type with a name and Run(ctx) that returns a
// [Result] (files, counts) and an error. A job depends on small interfaces
// only — the domain services of package withholding and the
// [transfer.Remote] of each partner — never on a concrete store or SFTP
// client; cmd/iwo builds those and hands them in.
//
//   - [SendIWOs] ("send-iwos") writes e-IWO files for orders with a pending
//     action, one file per destination partner, one batch per employer.
//   - [PullAcks] ("pull-acks") fetches acknowledgment and portal result
//     files and applies them.
//   - [PullRemittances] ("pull-remittances") fetches ACH files and posts
//     their payments.
//   - [Night] ("night") runs the steps in the order of the night: send,
//     pull acknowledgments, pull remittances, reconcile, report.
//
// # Inbound files
//
// Every inbound file takes the same path (see [Inbound]): it is fetched to
// a local staging directory, recorded in the file ledger as received, and
// checked against the SHA-256 of every file already applied; a duplicate is
// archived on the partner's side without being applied again. Otherwise it
// is parsed and applied in one database transaction, and only after that
// commit is the remote file archived (or deleted, per partner). A file that
// fails validation, or an e-IWO file whose sender already had a file with
// the same control number applied, is quarantined — a copy kept in the
// local quarantine directory, the remote moved to the partner's quarantine
// directory, the errors in the ledger — and the job goes on to the next
// file, unless the partner changed it since it was fetched (an upload that
// had paused): that file is left in the inbox for the next run and counted
// still_changing. A file that cannot be staged locally fails alone; names
// unsafe as local paths are reported (refused_names) and make the run
// partial. A partner that cannot be reached fails its part of the step;
// other partners and later steps still run.
//
// # Schedule
//
// A [Scheduler] runs jobs on cron specs (seconds optional, CRON_TZ= accepted,
// the agency's time zone by default) with a business-day rule per job. Every
// run — scheduled, by hand, or as a step of the night — goes through the
// same path: skip if still running in this process, take the job's database
// lock ([withholding.JobRunService.TryLock]) so that of several iwo serve
// instances sharing one PostgreSQL database exactly one runs it, record the
// run, recover a panic, and record how it ended. A run whose process died
// without recording its end is recorded killed by the next holder of the
// job's lock (the job's next run, or [Scheduler.Start]). [Scheduler.Shutdown] stops
// starting runs, lets those in progress finish until a grace period ends,
// and then cancels the rest.
package jobs
