// Package employer is the other half of the e-IWO exchange: what an
// employer or a payroll provider does with the income withholding orders it
// receives. It is a real mode of iwo ("iwo employer ..."), and the demo's
// simulated employers use it too.
//
// The employer side has three inputs, all plain files a payroll clerk can
// read and keep:
//
//   - a roster (CSV, see ReadRoster): the employees on the payroll, under
//     which FEIN, their status (active, suspended, terminated), termination
//     and final-pay details, and lump sums about to be paid;
//   - the e-IWO files received (FHI), and the ones accepted earlier, which
//     together make the Book of orders in effect;
//   - a pay run (CSV, see ReadPayrun): for each employee paid, the pay date,
//     the pay frequency and the disposable earnings.
//
// From them it makes the two files an employer sends back:
//
//   - an acknowledgment file (FHA/BHA/ACK/BTA/FTA): Decider answers each IWO
//     against the roster and the book (accepted, or rejected with the reason
//     code of spec table 6.1) and adds employer-initiated EMP notices for
//     terminations and announced lump sums;
//   - a NACHA file of CCD+ credits to the State Disbursement Unit, one DED
//     addenda per order withheld for: Remit computes each employee's
//     withholding with withholding.Calculate (the same calculator as
//     "iwo calc") across every order in effect for that employee.
//     For a payroll, ComputeAccepted first screens the orders with the
//     Record of what the employer received and answered, so that only
//     orders it accepted are withheld for (withholding.WithholdingRefusal).
//
// The rules it applies where the specification leaves a choice are listed
// in docs/employer.md and live in one place each: ackRules in ack.go for the
// dispositions, Settings for the withholding limit.
package employer
