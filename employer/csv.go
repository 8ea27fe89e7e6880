package employer

import (
	"github.com/iwoproject/iwo/internal/csvtab"
)

// RowError is one problem in a roster or pay-run file: a cell, or a whole
// row when Column is "(row)", or the header when it is "(header)".
type RowError = csvtab.Error

// RowErrors is every problem of a rejected roster or pay-run file, by line;
// nothing of the file was used. Its error kind is withholding.EINVALID.
type RowErrors = csvtab.Errors

// dateLayouts are the dates a payroll clerk's files may carry: ISO, the US
// form payroll systems and spreadsheets export (1/2/2006 and 01/02/2006),
// and CCYYMMDD.
var dateLayouts = []string{csvtab.ISODate, "1/2/2006", "20060102"}

// format returns the layout of a roster or pay-run file. Lines beginning
// with # are comments: a clerk may note things in the file.
func format(columns, required []string) csvtab.Format {
	return csvtab.Format{Columns: columns, Required: required, Comment: '#', DateLayouts: dateLayouts}
}
