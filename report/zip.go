package report

import (
	"archive/zip"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// zipLevel is the deflate level of a statement's parts. The report job
// writes a statement per active employer, 20,000 a night at state size,
// and compressing their parts at archive/zip's default (the standard
// library's level 5) was a fifth of each statement's time; klauspost's
// BestSpeed takes under half of that for files about 10% larger (21.0 KB
// rather than 19.1 KB for BenchmarkWriteEmployerStatement's statement).
const zipLevel = flate.BestSpeed

// compressors keeps deflate compressors between the parts of a workbook
// and between workbooks: making one (about 250 KB with the tables it makes on first use) costs
// more than compressing a statement's small parts with it. A channel
// rather than a sync.Pool, which empties at each garbage collection: the
// report job collects often, and lost most of its compressors. It holds
// enough for a few workbooks written at once (the report job's workers);
// more are made when needed and dropped after.
var compressors = make(chan *flate.Writer, 8)

// pooledCompressor is a kept compressor that goes back when the part it
// wrote is closed.
type pooledCompressor struct{ *flate.Writer }

func (p pooledCompressor) Close() error {
	err := p.Writer.Close()
	select {
	case compressors <- p.Writer:
	default:
	}
	return err
}

// newZipWriter is the zip writer of a workbook written with excelize (see
// excelize.File.SetZipWriter): newZip's.
func newZipWriter(w io.Writer) excelize.ZipWriter { return newZip(w) }

// newZip is archive/zip's writer with its Deflate method done by pooled
// klauspost/compress compressors at zipLevel, for statementBook and, through
// newZipWriter, excelize. Any deflate stream is valid in an xlsx file;
// Excel and LibreOffice read it alike.
func newZip(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		select {
		case fw := <-compressors:
			fw.Reset(out)
			return pooledCompressor{fw}, nil
		default:
		}
		fw, err := flate.NewWriter(out, zipLevel)
		if err != nil {
			return nil, err
		}
		return pooledCompressor{fw}, nil
	})
	return zw
}
