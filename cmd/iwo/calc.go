package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/iwoproject/iwo/withholding"
)

// calcOrderList collects repeated --order flags.
type calcOrderList []string

func (l *calcOrderList) String() string     { return strings.Join(*l, " ") }
func (l *calcOrderList) Set(s string) error { *l = append(*l, s); return nil }

var calcUsage = usage{
	short: "work out one pay's child support withholding under the CCPA limit",
	long: `Calc answers "how much do I withhold from this paycheck?" for one employee
with one or more income withholding orders. Each order's amounts are
restated for the pay frequency (annualise, then divide; half-up to the
cent), the limit is the given percentage of disposable earnings (rounded
down to the cent), and the money is paid in priority order: current
support, then the health-coverage premium and cash medical support, then
arrears. When a step does not fit, it is split across orders
proportionally or in equal amounts; every order still gets at least a
cent when the limit allows one per order.

--order is "NAME:KEY=AMOUNT/FREQUENCY,..." and may be repeated, one per
order. Keys: current, arrears, medical (the health-coverage premium,
withheld whole or not at all), cash-medical, medical-arrears, spousal,
spousal-arrears. Amounts are dollars and cents; frequencies are weekly,
biweekly, semimonthly or monthly (also quarterly, annually).

--fee is the employer's administrative fee for this pay; it must fit
inside the limit together with support (federal IWO rule) unless
--fee-outside says the work state allows it on top. Without --fee, the
work state's fee from iwo's table applies where it has one (KS and LA $5 a
pay, IA $2 and ID $5 a payment, ND $3 and TX $10 a month, PA 2% of the
support withheld; survey findings to verify with the state), inside the
limit.

The order of payment is the work state's (--work-state, default the
configuration's agency.state; withholding.priority in the configuration,
Maryland's built in: current, arrears, premium, other medical), else
withholding.medical_rule. --medical-rule sets it for this question alone:
after-current (current, premium, cash medical, arrears), after-cash (all
cash support first, as in West Virginia), first (premium before current
support) or maryland.

Where the IWO states its own per-pay total (items 13a-13d), give it with
stated=AMOUNT/FREQUENCY (once per frequency): it is withheld for a pay of
that frequency instead of iwo's conversion of the other amounts, and the
explanation says which was used. percent=N orders N% of the pay's
disposable earnings as current support (still within the limit).

Output: a table to read out on the phone, or with --format json an object
with cap_cents, orders (name, current_cents, medical_cents, arrears_cents,
total_cents, in input order) and unwithheld_cents. Bad input exits 2.

Examples (docs/withholding.md works them through):

  Two orders, $1,000 biweekly, 55% limit: current fits, arrears split
  proportionally (A gets 37.37, B 28.02; $96.15 is not withheld):

    iwo calc --frequency biweekly --disposable 1000 --cap 55 \
      --order "A:current=600/monthly,arrears=200/monthly" \
      --order "B:current=450/monthly,arrears=150/monthly"

  The same with Texas's equal allocation and a 50% limit:

    iwo calc --frequency biweekly --disposable 1000 --cap 50 --allocation equal \
      --order "A:current=600/monthly,arrears=200/monthly" \
      --order "B:current=450/monthly,arrears=150/monthly"

  Iowa-type $2 fee inside the limit, JSON for a script:

    iwo calc --frequency biweekly --disposable 1000 --cap 55 --fee 2 --format json \
      --order "A:current=600/monthly,arrears=200/monthly" \
      --order "B:current=450/monthly,arrears=150/monthly"

  The IWO states $528.00 a month as $121.86 a week (iwo would convert it
  to $121.85): a weekly pay withholds $121.86, "as stated on the IWO":

    iwo calc --frequency weekly --disposable 600 --cap 50 \
      --order "A:current=528/monthly,stated=121.86/weekly"

  Maryland's order: arrears before the premium and cash medical support:

    iwo calc --frequency monthly --disposable 1240 --cap 50 --work-state MD \
      --order "A:current=400/monthly,arrears=200/monthly,medical=100/monthly,cash-medical=50/monthly"

  A premium that does not fit is not withheld; arrears get what is left:

    iwo calc --frequency biweekly --disposable 400 --cap 50 \
      --order "CASE1:current=400/monthly,arrears=100/monthly,medical=150/monthly"`,
}

// calcCommand is "iwo calc". Its flags stay in the flag set, which
// calcInput reads.
type calcCommand struct {
	base
	fs     *flag.FlagSet
	config string
}

func (c *calcCommand) flags(fs *flag.FlagSet) {
	c.fs = fs
	fs.String("frequency", "", "pay `frequency`: weekly, biweekly, semimonthly or monthly (required)")
	fs.String("disposable", "", "disposable earnings for the pay, in dollars (required)")
	fs.String("cap", "", "limit as a `percent` of disposable earnings, 0 to 100 (required)")
	fs.String("allocation", string(withholding.DefaultAllocation), "how to split what does not fit: proportional or equal")
	fs.String("fee", "", "employer administrative fee for this pay, in dollars")
	fs.Bool("fee-outside", false, "take the fee on top of the limit instead of inside it")
	fs.String("medical-rule", "", "order of payment for this question: after-current, after-cash, first or maryland (default: the work state's)")
	fs.String("work-state", "", "work state's postal `code`, whose order of payment applies (default: agency.state)")
	configFlag(fs, &c.config)
	fs.Var(&calcOrderList{}, "order", `an order, "NAME:current=AMT/FREQ,arrears=AMT/FREQ,medical=AMT/FREQ" (repeat for each)`)
	fs.String("format", "text", "output `format`: text or json")
}

// Run works out the withholding.
func (c *calcCommand) Run(ctx context.Context) error {
	return runCalc(ctx, c.env, c.fs, c.args, c.config)
}

func runCalc(_ context.Context, e *env, fs *flag.FlagSet, args []string, config string) error {
	if len(args) > 0 {
		return usageError("unexpected argument %q (orders go in --order)", args[0])
	}
	cfg, err := loadConfig(config, e)
	if err != nil {
		return exitCode(2, err)
	}
	in, format, err := calcInput(fs, cfg)
	if err != nil {
		return exitCode(2, err)
	}
	res, err := withholding.Calculate(in)
	if err != nil {
		if withholding.ErrorCode(err) == withholding.EINVALID {
			return exitCode(2, fmt.Errorf("%s", withholding.ErrorMessage(err)))
		}
		return fmt.Errorf("calculate withholding: %w", err)
	}
	if format == "json" {
		return writeCalcJSON(e.stdout, in, res)
	}
	return writeCalcText(e.stdout, in, res)
}

// calcInput turns the flags into a CalcInput, with messages a help-line
// agent can act on. The values are read by withholding's parsers
// (ParseOrderSpec and the rest), which the console and the employer mode
// share.
func calcInput(fs *flag.FlagSet, cfg *Config) (withholding.CalcInput, string, error) {
	get := func(name string) string { return strings.TrimSpace(fs.Lookup(name).Value.String()) }
	var r withholding.CalcRequest
	format := get("format")
	if format != "text" && format != "json" {
		return withholding.CalcInput{}, "", fmt.Errorf("--format %q: want text or json", format)
	}
	for _, name := range []string{"frequency", "disposable", "cap"} {
		if get(name) == "" {
			return withholding.CalcInput{}, "", fmt.Errorf("--%s is required", name)
		}
	}
	flagErr := func(name string, err error) (withholding.CalcInput, string, error) {
		return withholding.CalcInput{}, "", fmt.Errorf("--%s: %s", name, withholding.ErrorMessage(err))
	}
	var err error
	if r.Frequency, err = withholding.ParseFrequency(get("frequency")); err != nil {
		return flagErr("frequency", err)
	}
	if r.Disposable, err = withholding.ParseAmount(get("disposable")); err != nil {
		return flagErr("disposable", err)
	}
	pct, err := withholding.ParsePercent(get("cap"))
	if err != nil {
		return flagErr("cap", err)
	}
	r.Limit = withholding.Limit{IWOPercent: pct, IWOStated: true, IWOSource: "given with --cap"}
	if r.Allocation, err = withholding.ParseAllocation(get("allocation")); err != nil {
		return flagErr("allocation", err)
	}
	if m := get("medical-rule"); m != "" {
		if r.MedicalRule, err = withholding.ParseMedicalRule(m); err != nil {
			return flagErr("medical-rule", err)
		}
	}
	if r.Priorities, err = cfg.Withholding.Priorities(); err != nil {
		return withholding.CalcInput{}, "", err
	}
	r.WorkState = strings.ToUpper(pick(get("work-state"), cfg.Agency.State))
	if f := get("fee"); f != "" {
		if r.Fee, err = withholding.ParseAmount(f); err != nil {
			return flagErr("fee", err)
		}
	} else {
		r.Fees = withholding.DefaultStateFees // the work state's fee, if the table has one
	}
	r.FeeOutsideLimit = get("fee-outside") == "true"

	orders := *fs.Lookup("order").Value.(*calcOrderList)
	if len(orders) == 0 {
		return withholding.CalcInput{}, "", fmt.Errorf("give at least one --order \"NAME:current=AMT/FREQ,...\"")
	}
	for _, spec := range orders {
		o, err := withholding.ParseOrderSpec(spec)
		if err != nil {
			return withholding.CalcInput{}, "", fmt.Errorf("--order %s", withholding.ErrorMessage(err))
		}
		r.Orders = append(r.Orders, o)
	}
	return r.Input(), format, nil
}

// calcJSON is the output contract of "iwo calc --format json"; later checks
// rely on cap_cents, orders[] and unwithheld_cents.
type calcJSON struct {
	Frequency       withholding.Frequency   `json:"frequency"`
	DisposableCents withholding.Cents       `json:"disposable_cents"`
	CapPercent      json.Number             `json:"cap_percent"`
	CapCents        withholding.Cents       `json:"cap_cents"`
	Basis           string                  `json:"basis"`
	Allocation      withholding.Allocation  `json:"allocation"`
	MedicalRule     withholding.MedicalRule `json:"medical_rule"`
	Priority        []withholding.Tier      `json:"priority"`
	FeeCents        withholding.Cents       `json:"fee_cents"`
	FeeOutsideLimit bool                    `json:"fee_outside_limit"`
	Orders          []calcJSONOrder         `json:"orders"`
	OrderedCents    withholding.Cents       `json:"ordered_cents"`
	WithheldCents   withholding.Cents       `json:"withheld_cents"`
	UnwithheldCents withholding.Cents       `json:"unwithheld_cents"`
	Explanation     []string                `json:"explanation"`
}

type calcJSONOrder struct {
	Name         string            `json:"name"`
	CurrentCents withholding.Cents `json:"current_cents"`
	MedicalCents withholding.Cents `json:"medical_cents"`
	ArrearsCents withholding.Cents `json:"arrears_cents"`
	TotalCents   withholding.Cents `json:"total_cents"`
}

func writeCalcJSON(w io.Writer, in withholding.CalcInput, res withholding.CalcResult) error {
	out := calcJSON{
		Frequency:       res.Frequency,
		DisposableCents: res.Disposable,
		CapPercent:      json.Number(strings.TrimSuffix(res.Percent.String(), "%")),
		CapCents:        res.Cap,
		Basis:           res.Basis,
		Allocation:      res.Allocation,
		MedicalRule:     in.MedicalRule,
		Priority:        res.Priority,
		FeeCents:        res.Fee,
		FeeOutsideLimit: res.FeeOutsideLimit,
		Orders:          make([]calcJSONOrder, len(res.Orders)),
		OrderedCents:    res.Ordered,
		WithheldCents:   res.Withheld,
		UnwithheldCents: res.Unwithheld,
		Explanation:     res.Explanation,
	}
	for i, o := range res.Orders {
		out.Orders[i] = calcJSONOrder{Name: o.Name, CurrentCents: o.Current, MedicalCents: o.Medical, ArrearsCents: o.Arrears, TotalCents: o.Total}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func writeCalcText(w io.Writer, in withholding.CalcInput, res withholding.CalcResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Withholding for one %s pay\n\n", res.Frequency)
	fmt.Fprintf(&b, "Disposable earnings:   %s\n", res.Disposable.Dollars())
	fmt.Fprintf(&b, "Limit:                 %s = %s (%s)\n", res.Percent, res.Cap.Dollars(), res.Basis)
	fmt.Fprintf(&b, "Split when short:      %s\n", res.Allocation)
	if in.Fee > 0 {
		where := "inside the limit"
		if res.FeeOutsideLimit {
			where = "on top of the limit"
		}
		fmt.Fprintf(&b, "Employer fee:          %s (%s)\n", res.Fee.Dollars(), where)
	}
	b.WriteString("\n")

	// Names are padded by hand so they read left-aligned; money is
	// right-aligned so the cents line up.
	width := len("Total")
	for _, o := range res.Orders {
		width = max(width, len(o.Name))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tCurrent\tMedical\tArrears\tWithhold\t\n", width, "Order")
	var cur, med, arr, tot withholding.Cents
	for _, o := range res.Orders {
		fmt.Fprintf(tw, "%-*s\t%s\t%s\t%s\t%s\t\n", width, o.Name, o.Current, o.Medical, o.Arrears, o.Total)
		cur, med, arr, tot = cur+o.Current, med+o.Medical, arr+o.Arrears, tot+o.Total
	}
	if len(res.Orders) > 1 {
		fmt.Fprintf(tw, "%-*s\t%s\t%s\t%s\t%s\t\n", width, "Total", cur, med, arr, tot)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	fmt.Fprintf(&b, "\nOrdered for this pay:  %s\n", res.Ordered.Dollars())
	fmt.Fprintf(&b, "Withhold:              %s\n", res.Withheld.Dollars())
	fmt.Fprintf(&b, "Not withheld (limit):  %s\n", res.Unwithheld.Dollars())
	b.WriteString("\nHow it was worked out:\n")
	for i, s := range res.Explanation {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
