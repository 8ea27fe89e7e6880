// Package web is the help-line console: a small server-rendered web
// application where help-line staff look up an employer, a case or an order,
// see what was sent, acknowledged and paid, read the open exceptions, and
// work out a withholding with the same calculator the employer mode uses.
// The Files page searches the file ledger, so a caller asking "did you get
// our file?" gets an answer; ledger errors quoting a file's records are shown
// with SSN-like digit runs masked.
//
// Where a payment went is read from its stored posting, never worked out
// again from the case ID the employer typed (payment.go). An order's page
// lists the payments posted to it or held against it, whatever case ID
// they carry, and those that carry its remittance ID or case ID but are
// not on its books (not yet reconciled, posted to another case, held
// without an order), labelled as such; its totals (credited, posted, held)
// add up as the postings do. Every payment list (order, employer, file)
// shows the amount the bank credited, the DED's claim beside it when it
// differs, the posting (posted, held with the readable reason linked to the
// exception holding it, zero-dollar, not yet reconciled) and a case ID sent
// that is not the order's remittance ID.
//
// It depends only on the domain's service interfaces, so it runs on either
// store. Pages are plain HTML (html/template, no JavaScript needed), which
// keeps it usable from locked-down agency desktops.
//
// Access: every page needs a signed-in user, whose session is a row of the
// store (auth.go): signing out, a new password or a disabled account ends
// it at once. Roles (helpline, operations, supervisor, admin) each allow
// what the one before does and more; only supervisors and admins see a full
// SSN, and only when they ask for it on one order page. Failed sign-ins are
// throttled per name and per address (throttle.go), every state-changing
// request from another origin is refused (security.go), and views, reveals
// and changes go to the audit log (audit.go), which admins read.
package web
