// Package edi reads, writes and validates federal e-IWO files: IWO files a
// state sends (FHI/BHI/DTL/BTI/FTI), acknowledgment files employers send
// back (FHA/BHA/ACK/BTA/FTA), and the portal's result files for each (S
// and K). Both sides use it: the state writes IWOs and reads ACKs and
// results; an employer reads IWOs and writes ACKs. The same records can be
// read and written as e-IWO XML (ReadXML, ReadAny, WriterOptions.XML):
// each XML record becomes its flat line and goes through the same Reader.
//
// # Layouts are data
//
// Each record type is one table (Layout) of Elements with position,
// length, type, required flag, code list and a Status saying whether the
// position is confirmed in an official chart, observed in the Kansas
// implementation, or iwo's hypothesis (see docs/eiwo.md). The Reader, the
// Writer and validation are all driven by the tables: correcting a position
// is a one-line change in layout.go, and TestLayoutsContiguous keeps every
// table contiguous and exactly as long as its record.
//
// # Values
//
// Header and Trailer are the universal file/batch header and trailer; IWO
// is a DTL record and Ack an ACK record. They convert to and from the
// domain: NewIWO(order, employer, action, tracking, date, Issuer),
// (*IWO).Order, (*IWO).Employer, AckFrom(acknowledgment) and
// (*Ack).Acknowledgment.
//
// # Reading and writing
//
// A Reader streams a file record by record and checks it as a receiver
// would (spec section 8): element formats, cross-element rules and file
// structure. Problems are Errors, every one carrying file, line, record
// and element and printing as "FILE:LINE: RECORD ELEMENT: reason"; reading
// continues after them, so a caller can report all of them. A line longer
// than MaxLineLen is one problem and is skipped without being held, so
// memory stays bounded whatever the input. CheckText tells front ends
// whether a text value can travel in an e-IWO at all.
//
// A Writer makes headers and trailers, control numbers (ControlNumber),
// batch and record counts, and one batch per employer EIN. It runs the
// same checks on every record, so it never writes what a Reader would
// reject. A file read without a problem and written back through a Writer
// is byte-identical.
//
// Responder holds the employer-side decision logic used to generate
// acknowledgments (and by later code that plays an employer).
package edi
