package report

import (
	"io"
	"iter"

	"github.com/iwoproject/iwo/withholding"
)

// Writer writes the report job's files through this package's functions:
// it is the jobs.Reports that cmd/ gives the report and statements jobs, so
// that jobs never depends on the spreadsheet library.
type Writer struct{}

// WriteOperations calls the package's WriteOperations.
func (Writer) WriteOperations(path string, in withholding.OperationsReport) (withholding.NightTotals, error) {
	return WriteOperations(path, in)
}

// WriteEmployerStatement calls the package's WriteEmployerStatement.
func (Writer) WriteEmployerStatement(path string, in withholding.EmployerStatement) error {
	return WriteEmployerStatement(path, in)
}

// WriteExceptionsCSV calls the package's StreamExceptionsCSV.
func (Writer) WriteExceptionsCSV(w io.Writer, exs iter.Seq2[*withholding.Exception, error]) error {
	return StreamExceptionsCSV(w, exs)
}
