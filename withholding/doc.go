// Package withholding is the domain of iwo: employers, income withholding
// orders, payments, acknowledgments, exceptions, and the rules that decide how
// much an employer withholds and when it must arrive.
//
// It imports only the standard library. Codecs (edi, ach) and adapters
// (store, report, web, jobs) depend on it; it depends on none of them. A test
// enforces that direction.
//
// Money is always Cents (integer US cents). Calendar days are Date values,
// which carry no time zone; converting to an instant needs the agency's
// location, which callers pass explicitly.
//
// Personal identifiers are typed. SSN formats itself masked (last four
// digits) through String, fmt verbs and log/slog, so an SSN cannot reach a log
// line by accident; code that truly needs the digits calls Digits.
package withholding
