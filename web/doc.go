// Package web is the help-line console: a small server-rendered web
// application where help-line staff look up an employer, a case or an order,
// see what was sent, acknowledged and paid, read the open exceptions, and
// work out a withholding with the same calculator the employer mode uses.
// The Files page searches the file ledger, so a caller asking "did you get
// our file?" gets an answer; ledger errors quoting a file's records are shown
// with SSN-like digit runs masked.
//
// It depends only on the domain's service interfaces, so it runs on either
// store. Pages are plain HTML (html/template, no JavaScript needed), which
// keeps it usable from locked-down agency desktops.
//
// Access: every page needs a signed-in user. Users have a role; only roles
// allowed to (supervisor, admin) see full SSNs, and only when they ask for it
// on one order page (the reveal is logged without the number). Everyone else
// sees the last four digits.
package web
