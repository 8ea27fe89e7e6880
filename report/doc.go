// Package report turns a night's payments, reconciliation exceptions, IWO
// documents and file ledger into the workbooks people read: the nightly
// operations workbook (WriteOperations), one statement per employer
// (WriteEmployerStatement), and a CSV of the exceptions
// (WriteExceptionsCSV).
//
// Inputs are domain values (withholding.Exception, Payment, Document, File,
// Employer, Order), never a database. Large sheets are written with
// excelize's streaming writer, so a workbook of a hundred thousand exceptions
// or a million payments is written in bounded memory (the writer spills to
// a temporary file past 16 MB). Employer statements, written by the
// thousand each night, have a small xlsx writer of their own
// (statementBook) that writes the same workbook as excelize did, each
// sheet streamed straight into the zip. A streamed sheet with more rows than Excel
// allows (1,048,576, the header included) goes on in "Name (2)",
// "Name (3)", … (PartName), each part with the header row and a table.
//
// Personal data: SSNs appear only masked to their last four digits, in every
// cell of every workbook and CSV. Money cells hold dollars (Cents ÷ 100) in
// a currency format so that the spreadsheet can sum and filter them.
//
// Workbooks are written to a temporary file next to the target and renamed
// into place, so a partial workbook is never visible under the final name.
package report
