// Package bench measures the agency's nightly cycle at state scale
// ("iwo bench night"). It builds an agency through the real import path
// (employers.csv and orders.csv of synthetic data, store.ImportEmployers and
// store.ImportOrders), then plays two nights through the real jobs with
// local-directory partners (a portal, an employers' drop box, the SDU's
// bank and the operations drop box):
//
//  1. the initial night: every order gets its ORG IWO (send-iwos), then
//     pull-acks, pull-remittances, reconcile and report;
//  2. a typical night a week later: a file of new or changed orders is
//     re-imported (ORG, AMD, TRM), send-iwos, acknowledgments answering
//     IWOs of the first night (edi.Responder), payments in many CCD+ and
//     CTX files (the ach writer), pull-acks, pull-remittances, reconcile
//     against every order, report.
//
// Each step prints one line, "step=NAME wall_s=X rows=N rss_mb=Y cpu_s=Z
// peak_mb=P" (rss_mb the resident set after the step, peak_mb the highest
// during it, where Linux's /proc tells), so runs at different sizes can be compared; docs/scaling.md has the
// figures and what they point to. Steps named gen.* and typical.gen.* are
// the bench making the partners' files; they are not part of the night.
//
// Only cmd/ and this package wire the jobs to the store: the bench is the
// night as "iwo run night" runs it, on a simulated clock.
package bench
