package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // agency.time_zone must load on hosts without /usr/share/zoneinfo

	"gopkg.in/yaml.v3"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// defaultConfigYAML is the commented default configuration. DefaultConfig
// must equal what it parses to (a test checks).
//
//go:embed config.default.yml
var defaultConfigYAML []byte

// Config is the whole iwo configuration file.
type Config struct {
	Agency      AgencyConfig      `yaml:"agency"`
	DataDir     string            `yaml:"data_dir"`
	Database    string            `yaml:"database"` // (env)
	Log         LogConfig         `yaml:"log"`
	Metrics     MetricsConfig     `yaml:"metrics"`
	Transfer    TransferConfig    `yaml:"transfer"`
	Partners    []PartnerConfig   `yaml:"partners"`
	Jobs        JobsConfig        `yaml:"jobs"`
	Reconcile   ReconcileConfig   `yaml:"reconcile"`
	Report      ReportConfig      `yaml:"report"`
	Withholding WithholdingConfig `yaml:"withholding"`
	Console     ConsoleConfig     `yaml:"console"`
}

// AgencyConfig describes the agency and its State Disbursement Unit.
type AgencyConfig struct {
	Name     string `yaml:"name"`
	State    string `yaml:"state"`     // two-letter postal code
	FIPS     string `yaml:"fips"`      // two-digit state FIPS code
	TimeZone string `yaml:"time_zone"` // IANA name
	// HelpLine is the telephone number employers call with questions,
	// printed on their statements; "" prints none.
	HelpLine string    `yaml:"help_line"`
	SDU      SDUConfig `yaml:"sdu"`
}

// StatementContact is how an employer's statement tells the employer to
// reach the agency, one way a line: the help line, then the SDU's name and
// mailing address.
func (a AgencyConfig) StatementContact() string {
	var lines []string
	if a.HelpLine != "" {
		lines = append(lines, "Help line "+a.HelpLine)
	}
	if mail := strings.Join(append([]string{a.SDU.PayeeName}, a.SDU.Address...), ", "); a.SDU.PayeeName != "" {
		lines = append(lines, "Write to "+mail)
	}
	return strings.Join(lines, "\n")
}

// SDUConfig is where employers send the money.
type SDUConfig struct {
	PayeeName      string   `yaml:"payee_name"`
	Address        []string `yaml:"address"`
	RemittanceFIPS string   `yaml:"remittance_fips"` // 7 digits
	RoutingNumber  string   `yaml:"routing_number"`  // (env) 9-digit ABA
	AccountNumber  string   `yaml:"account_number"`  // (env)
}

// LogConfig sets up log/slog.
type LogConfig struct {
	Format string `yaml:"format"` // json or text
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// MetricsConfig sets up /metrics and /healthz.
type MetricsConfig struct {
	Listen string `yaml:"listen"` // host:port; "" turns them off
}

// TransferConfig holds the defaults for every partner.
type TransferConfig struct {
	AfterApply transfer.Disposal `yaml:"after_apply"`
	StableFor  time.Duration     `yaml:"stable_for"`
	Timeout    time.Duration     `yaml:"timeout"`
	Retry      RetryConfig       `yaml:"retry"`
}

// RetryConfig is transfer.Backoff in the file.
type RetryConfig struct {
	Attempts int           `yaml:"attempts"`
	Initial  time.Duration `yaml:"initial"`
	Max      time.Duration `yaml:"max"`
}

// PartnerConfig is one partner in the file; Config.Partners turns it into a
// transfer.Partner.
type PartnerConfig struct {
	Name       string              `yaml:"name"`
	Role       transfer.Role       `yaml:"role"`
	Host       string              `yaml:"host"` // (env)
	Port       int                 `yaml:"port"`
	User       string              `yaml:"user"`     // (env)
	KeyFile    string              `yaml:"key_file"` // (env)
	Password   string              `yaml:"password"` // (env)
	HostKeys   []string            `yaml:"host_keys"`
	Inbox      string              `yaml:"inbox"`
	Outbox     string              `yaml:"outbox"`
	Archive    string              `yaml:"archive"`
	Quarantine string              `yaml:"quarantine"`
	AfterApply transfer.Disposal   `yaml:"after_apply"`
	Patterns   map[string][]string `yaml:"patterns"`
	Local      string              `yaml:"local"`
	// UploadMode is the octal mode of uploaded files ("0640"); "" is
	// transfer.DefaultUploadMode (0600).
	UploadMode string `yaml:"upload_mode"`
	// Format is the e-IWO format agreed with the partner for the files
	// the employer mode writes to it: "flat" (the default, also "") or
	// "xml" (OCSS lets each employer choose).
	Format string `yaml:"format"`
}

// XML reports whether the partner takes e-IWO files as XML.
func (pc *PartnerConfig) XML() bool { return pc.Format == "xml" }

// JobConfig schedules one job.
type JobConfig struct {
	Schedule string       `yaml:"schedule"` // cron spec, optional CRON_TZ= prefix
	Days     jobs.DayRule `yaml:"days"`
	Enabled  bool         `yaml:"enabled"`
}

// JobsConfig is the jobs section: how long "iwo serve" lets running jobs
// finish when it is stopped, and each job's schedule by name. A job the file
// mentions keeps the defaults of the settings it leaves out.
type JobsConfig struct {
	// ShutdownGrace is how long "iwo serve" lets running jobs finish after
	// SIGINT or SIGTERM before it cancels them; 0 cancels them at once.
	ShutdownGrace time.Duration
	// Schedules maps job names to their schedules.
	Schedules map[string]JobConfig
}

// ReconcileConfig tunes reconciliation.
type ReconcileConfig struct {
	RemitWindowDays int      `yaml:"remit_window_days"`
	AckDeadlineDays int      `yaml:"ack_deadline_days"`
	MatchOrder      []string `yaml:"match_order"`
	// CaseIDFields is the order in which the "case" rule looks DED02 up
	// among an order's identifiers (reconcile.IDField).
	CaseIDFields     []string `yaml:"case_id_fields"`
	ToleranceCents   int64    `yaml:"tolerance_cents"`
	LookbackDays     int      `yaml:"lookback_days"`
	PayDateSlackDays int      `yaml:"pay_date_slack_days"`
	// PayDateAheadDays and PayDateBehindDays: how far a DED03 pay date may
	// lie after or before the day the money settled before the payment is
	// flagged with a warning (it still posts); ach.PayDateWindow.
	PayDateAheadDays  int `yaml:"pay_date_ahead_days"`
	PayDateBehindDays int `yaml:"pay_date_behind_days"`
}

// ReportConfig tunes the report job's files.
type ReportConfig struct {
	// Statements says which employers get a statement each night:
	// activity, all or none (jobs.StatementRule).
	Statements jobs.StatementRule `yaml:"statements"`
}

// WithholdingConfig tunes the calculator.
type WithholdingConfig struct {
	Allocation withholding.Allocation `yaml:"allocation"`
	// MedicalRule is the order of payment for a work state Priority does
	// not name: a preset (withholding.MedicalRules).
	MedicalRule withholding.MedicalRule `yaml:"medical_rule"`
	// Priority maps a work state's postal code to its order of payment: a
	// preset or the five tiers, comma-separated. A file's entries are
	// added to the built-in ones (withholding.DefaultStatePriorities).
	Priority map[string]string `yaml:"priority"`
}

// Priorities returns the order-of-payment rules the calculator, the
// console and the employer mode apply (withholding.PriorityRules), or the
// first bad entry; Validate reports every one.
func (w WithholdingConfig) Priorities() (withholding.PriorityRules, error) {
	r := withholding.PriorityRules{Default: w.MedicalRule, States: map[string][]withholding.Tier{}}
	for st, v := range w.Priority {
		p, err := withholding.ParsePriority(v)
		if err != nil {
			return r, fmt.Errorf("withholding.priority.%s: %w", st, err)
		}
		r.States[strings.ToUpper(st)] = p
	}
	return r, nil
}

// defaultPriority is withholding.DefaultStatePriorities as the
// configuration writes it.
func defaultPriority() map[string]string {
	m := map[string]string{}
	for st, r := range withholding.DefaultStatePriorities {
		m[st] = string(r)
	}
	return m
}

// jobNames are the jobs the configuration may schedule.
var jobNames = append(slices.Clone(jobs.NightOrder), jobs.JobNight)

// ConsoleConfig configures the help-line console (iwo console).
type ConsoleConfig struct {
	Listen string `yaml:"listen"` // host:port
	// TLSProxy says a TLS-terminating proxy is in front: Secure cookies,
	// HSTS, and the client's address from X-Forwarded-For.
	TLSProxy bool `yaml:"tls_proxy"`
	// SessionKey is no longer used (sessions are kept in the store); a
	// configuration that still sets it is refused, since the key it names
	// may be weak and forgeable cookies were what it allowed.
	SessionKey string `yaml:"session_key"`
	// Users are added to the store the first time the console starts
	// with them (a bootstrap); afterwards the store's accounts count.
	Users []ConsoleUser `yaml:"users"`
}

// ConsoleUser is one console account.
type ConsoleUser struct {
	Name         string `yaml:"name"`
	Role         string `yaml:"role"`          // helpline, operations, supervisor or admin
	PasswordHash string `yaml:"password_hash"` // (env) bcrypt; make one with iwo console hash-password
}

// DefaultConfig returns the configuration used for every setting a file
// leaves out. It is what config.default.yml says.
func DefaultConfig() *Config {
	return &Config{
		Agency: AgencyConfig{
			Name:     "Example State Child Support Services",
			State:    "CA",
			FIPS:     "06",
			TimeZone: "America/Los_Angeles",
			SDU: SDUConfig{
				PayeeName:      "Example State Disbursement Unit",
				Address:        []string{"PO Box 989067", "West Sacramento CA 95798-9067"},
				RemittanceFIPS: "0600000",
				RoutingNumber:  "123456780",
				AccountNumber:  "1234567890",
			},
		},
		DataDir:  "/var/lib/iwo",
		Log:      LogConfig{Format: "json", Level: "info"},
		Metrics:  MetricsConfig{Listen: "127.0.0.1:9464"},
		Transfer: TransferConfig{AfterApply: transfer.DispArchive, StableFor: 30 * time.Second, Timeout: transfer.DefaultTimeout, Retry: RetryConfig{Attempts: 4, Initial: 2 * time.Second, Max: time.Minute}},
		Partners: []PartnerConfig{},
		Jobs: JobsConfig{
			// Below systemd's default TimeoutStopSec (90 s), with time left
			// for cancelled jobs to roll back and record their end.
			ShutdownGrace: time.Minute,
			Schedules: map[string]JobConfig{
				jobs.JobSendIWOs:        {Schedule: "0 19 * * *", Days: jobs.BusinessDays, Enabled: true},
				jobs.JobPullAcks:        {Schedule: "0 1 * * *", Days: jobs.AnyDay, Enabled: true},
				jobs.JobPullRemittances: {Schedule: "30 1 * * *", Days: jobs.SkipHolidays, Enabled: true},
				jobs.JobReconcile:       {Schedule: "0 3 * * *", Days: jobs.AnyDay, Enabled: true},
				jobs.JobReport:          {Schedule: "0 5 * * *", Days: jobs.BusinessDays, Enabled: true},
				jobs.JobNight:           {Schedule: "0 1 * * *", Days: jobs.AnyDay, Enabled: false},
			},
		},
		Reconcile: ReconcileConfig{
			RemitWindowDays:   withholding.DefaultRemitWindow,
			AckDeadlineDays:   reconcile.DefaultAckDeadline,
			MatchOrder:        []string{string(reconcile.MatchCase), string(reconcile.MatchSSN), string(reconcile.MatchNameFIPS)},
			CaseIDFields:      []string{string(reconcile.IDRemittance), string(reconcile.IDCase), string(reconcile.IDOrder)},
			LookbackDays:      reconcile.DefaultLookback,
			PayDateSlackDays:  reconcile.DefaultPayDateSlack,
			PayDateAheadDays:  ach.DefaultPayDateAhead,
			PayDateBehindDays: ach.DefaultPayDateBehind,
		},
		Report:      ReportConfig{Statements: jobs.StatementsActivity},
		Withholding: WithholdingConfig{Allocation: withholding.DefaultAllocation, MedicalRule: withholding.DefaultMedicalRule, Priority: defaultPriority()},
		Console:     ConsoleConfig{Listen: "127.0.0.1:8080", Users: []ConsoleUser{}},
	}
}

// UnmarshalYAML reads shutdown_grace and merges the file's jobs into the
// defaults, setting by setting, and refuses settings it does not know.
func (j *JobsConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: jobs: want shutdown_grace and a mapping of job names", n.Line)
	}
	if j.Schedules == nil {
		j.Schedules = map[string]JobConfig{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, body := n.Content[i].Value, n.Content[i+1]
		if name == "shutdown_grace" {
			if err := body.Decode(&j.ShutdownGrace); err != nil {
				return fmt.Errorf("line %d: jobs.shutdown_grace: want a duration such as 60s or 5m", body.Line)
			}
			continue
		}
		if body.Kind == yaml.ScalarNode && body.Tag != "!!null" {
			return fmt.Errorf("line %d: jobs.%s: want a job's settings (schedule, days, enabled); the only other setting is shutdown_grace", body.Line, name)
		}
		if body.Kind == yaml.MappingNode {
			for k := 0; k < len(body.Content); k += 2 {
				if key := body.Content[k]; !slices.Contains([]string{"schedule", "days", "enabled"}, key.Value) {
					return fmt.Errorf("line %d: jobs.%s: unknown setting %q (want schedule, days, enabled)", key.Line, name, key.Value)
				}
			}
		}
		jc := j.Schedules[name]
		if err := body.Decode(&jc); err != nil {
			return fmt.Errorf("jobs.%s: %w", name, err)
		}
		j.Schedules[name] = jc
	}
	return nil
}

// ParseConfig reads a YAML configuration over DefaultConfig. Unknown
// settings are errors. The settings marked (env) expand $VAR and ${VAR}
// with getenv ($$ is a literal $); an unset variable is an error naming the
// setting. ParseConfig does not validate: call Validate.
func ParseConfig(r io.Reader, getenv func(string) string) (*Config, error) {
	c := DefaultConfig()
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse configuration: %w", err)
	}
	var errs []error
	x := func(setting string, v *string) {
		out, missing := expandEnv(*v, getenv)
		if len(missing) > 0 {
			errs = append(errs, &SettingError{setting, fmt.Sprintf("environment variable %s is not set", strings.Join(missing, ", "))})
		}
		*v = out
	}
	x("database", &c.Database)
	x("agency.sdu.routing_number", &c.Agency.SDU.RoutingNumber)
	x("agency.sdu.account_number", &c.Agency.SDU.AccountNumber)
	for i := range c.Partners {
		p := &c.Partners[i]
		at := fmt.Sprintf("partners[%d].", i)
		x(at+"host", &p.Host)
		x(at+"user", &p.User)
		x(at+"key_file", &p.KeyFile)
		x(at+"password", &p.Password)
	}
	for i := range c.Console.Users {
		// A bcrypt hash ($2a$10$…) is full of dollar signs: written
		// literally in the file it is taken as is, not expanded.
		if h := &c.Console.Users[i].PasswordHash; !strings.HasPrefix(*h, "$2") {
			x(fmt.Sprintf("console.users[%d].password_hash", i), h)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// expandEnv replaces $NAME and ${NAME} with getenv(NAME) and $$ with $,
// using os.Expand. It returns the names that were unset or empty. A $ that
// starts no variable name ("cost $5", "$!", a trailing $) is kept as
// written; a malformed ${ (unclosed, or ${}) is dropped, as os.Expand does.
func expandEnv(s string, getenv func(string) string) (string, []string) {
	var missing []string
	out := os.Expand(s, func(name string) string {
		switch c := name[0]; {
		case name == "$":
			return "$"
		case len(name) == 1 && !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'):
			// os.Expand's special shell parameters ($5, $!, $*):
			// not environment variables.
			return "$" + name
		}
		v := getenv(name)
		if v == "" {
			missing = append(missing, "$"+name)
		}
		return v
	})
	return out, missing
}

// SettingError names the setting that is wrong, as a path into the file:
// "partners[2].host_keys".
type SettingError struct {
	Setting string
	Message string
}

// Error implements error.
func (e *SettingError) Error() string { return e.Setting + ": " + e.Message }

// Validate checks every setting and returns all problems joined, each a
// *SettingError. It reads the partners' key files, so that a missing or
// unreadable key shows here rather than at the first night.
func (c *Config) Validate() error {
	// The sections are checked in the order of the file, so the
	// problems read in that order too.
	var p problems
	c.validateAgency(&p)
	if c.DataDir == "" {
		p.bad("data_dir", "required")
	}
	c.validateConsole(&p)
	c.validateBasics(&p)
	c.validateTransfer(&p)
	_, perrs := c.partners(os.ReadFile)
	p = append(p, perrs...)
	c.validateJobs(&p)
	c.validateReconcile(&p)
	if !c.Report.Statements.Valid() {
		p.bad("report.statements", "%q is not activity, all or none", c.Report.Statements)
	}
	c.validateWithholding(&p)
	return errors.Join(p...)
}

// problems collects the *SettingErrors of Validate, section by section.
type problems []error

// bad adds the problem of setting.
func (p *problems) bad(setting, format string, args ...any) {
	*p = append(*p, &SettingError{setting, fmt.Sprintf(format, args...)})
}

// validateAgency checks the agency section and its SDU.
func (c *Config) validateAgency(p *problems) {
	a := c.Agency
	if strings.TrimSpace(a.Name) == "" {
		p.bad("agency.name", "required")
	}
	if !isUpper(a.State, 2) {
		p.bad("agency.state", "%q is not a two-letter postal code such as CA", a.State)
	}
	if !isDigits(a.FIPS, 2) {
		p.bad("agency.fips", "%q is not a two-digit state FIPS code such as 06", a.FIPS)
	}
	if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "" {
		p.bad("agency.time_zone", "%q is not an IANA time zone such as America/Los_Angeles", a.TimeZone)
	}
	if strings.TrimSpace(a.SDU.PayeeName) == "" {
		p.bad("agency.sdu.payee_name", "required")
	}
	if !isDigits(a.SDU.RemittanceFIPS, 7) {
		p.bad("agency.sdu.remittance_fips", "%q is not a 7-digit FIPS code (state 2 + county 3 + office 2)", a.SDU.RemittanceFIPS)
	} else if a.SDU.RemittanceFIPS[:2] != a.FIPS && isDigits(a.FIPS, 2) {
		p.bad("agency.sdu.remittance_fips", "%q does not start with the agency's state FIPS %s", a.SDU.RemittanceFIPS, a.FIPS)
	}
	if !ach.ValidRouting(a.SDU.RoutingNumber) {
		p.bad("agency.sdu.routing_number", "not a 9-digit ABA routing number with a valid check digit")
	}
	if n := len(a.SDU.AccountNumber); n == 0 || n > 17 || strings.ContainsAny(a.SDU.AccountNumber, " \t") {
		p.bad("agency.sdu.account_number", "required: 1 to 17 characters, no spaces (NACHA DFI account number)")
	}
}

// validateBasics checks the database, the log and the metrics settings.
func (c *Config) validateBasics(p *problems) {
	if db := c.Database; db != "" && !strings.HasPrefix(db, "sqlite:") && !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		p.bad("database", "want sqlite:PATH or postgres://…")
	}
	if !slices.Contains([]string{"json", "text"}, c.Log.Format) {
		p.bad("log.format", "%q is not json or text", c.Log.Format)
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		p.bad("log.level", "%v", err)
	}
	if l := c.Metrics.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil {
			p.bad("metrics.listen", "%q is not host:port: %v", l, err)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			p.bad("metrics.listen", "%q has a bad port", l)
		}
	}
}

// validateConsole checks the console section and its users.
func (c *Config) validateConsole(p *problems) {
	if _, _, err := net.SplitHostPort(c.Console.Listen); err != nil {
		p.bad("console.listen", "want host:port, e.g. 127.0.0.1:8080")
	}
	if c.Console.SessionKey != "" {
		p.bad("console.session_key", "no longer used: sign-ins are kept in the database and revoked there; remove the setting")
	}
	seenUser := map[string]bool{}
	for i, u := range c.Console.Users {
		at := fmt.Sprintf("console.users[%d]", i)
		switch {
		case u.Name == "" || seenUser[u.Name]:
			p.bad(at+".name", "required and unique")
		case !web.Role(u.Role).Valid():
			p.bad(at+".role", "want helpline, operations, supervisor or admin")
		case !strings.HasPrefix(u.PasswordHash, "$2"):
			p.bad(at+".password_hash", "want a bcrypt hash: run iwo console hash-password")
		}
		seenUser[u.Name] = true
	}
}

// validateTransfer checks the transfer defaults (the partners are checked
// by partners).
func (c *Config) validateTransfer(p *problems) {
	t := c.Transfer
	if t.AfterApply != transfer.DispArchive && t.AfterApply != transfer.DispDelete {
		p.bad("transfer.after_apply", "%q is not archive or delete", t.AfterApply)
	}
	if t.StableFor < 0 {
		p.bad("transfer.stable_for", "must not be negative")
	}
	if t.Timeout <= 0 {
		p.bad("transfer.timeout", "must be positive")
	}
	if t.Retry.Attempts < 1 {
		p.bad("transfer.retry.attempts", "must be at least 1")
	}
	if t.Retry.Initial <= 0 || t.Retry.Max < t.Retry.Initial {
		p.bad("transfer.retry", "want 0 < initial ≤ max")
	}
}

// validateJobs checks shutdown_grace and every job's schedule and day rule.
func (c *Config) validateJobs(p *problems) {
	if c.Jobs.ShutdownGrace < 0 {
		p.bad("jobs.shutdown_grace", "must not be negative (0 cancels running jobs at once)")
	}
	names := make([]string, 0, len(c.Jobs.Schedules))
	for n := range c.Jobs.Schedules {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		j := c.Jobs.Schedules[n]
		at := "jobs." + n
		if !slices.Contains(jobNames, n) {
			p.bad(at, "unknown job (known: %s)", strings.Join(jobNames, ", "))
			continue
		}
		if j.Enabled && j.Schedule == "" {
			p.bad(at+".schedule", "required when the job is enabled")
		} else if j.Schedule != "" {
			if _, err := jobs.ParseSpec(j.Schedule); err != nil {
				p.bad(at+".schedule", "%s", withholding.ErrorMessage(err))
			}
		}
		if _, err := jobs.ParseDayRule(string(j.Days)); err != nil {
			p.bad(at+".days", "%s", withholding.ErrorMessage(err))
		}
	}
	if c.Jobs.Schedules[jobs.JobNight].Enabled {
		for _, n := range jobs.NightOrder {
			if c.Jobs.Schedules[n].Enabled {
				p.bad("jobs."+jobs.JobNight+".enabled", "night runs %s itself; disable the separate %s job or the night", n, n)
				break
			}
		}
	}
}

// validateReconcile checks the reconcile section.
func (c *Config) validateReconcile(p *problems) {
	r := c.Reconcile
	if r.RemitWindowDays < 1 {
		p.bad("reconcile.remit_window_days", "must be at least 1")
	}
	if r.AckDeadlineDays < 1 {
		p.bad("reconcile.ack_deadline_days", "must be at least 1")
	}
	if r.ToleranceCents < 0 {
		p.bad("reconcile.tolerance_cents", "must not be negative")
	}
	if r.LookbackDays < 1 {
		p.bad("reconcile.lookback_days", "must be at least 1")
	}
	for i, f := range r.CaseIDFields {
		if !slices.Contains(reconcile.DefaultIDOrder, reconcile.IDField(f)) || slices.Index(r.CaseIDFields, f) != i {
			p.bad(fmt.Sprintf("reconcile.case_id_fields[%d]", i), "%q: want remittance_id, case_id or order_id, each once", f)
		}
	}
	if r.PayDateAheadDays < 1 {
		p.bad("reconcile.pay_date_ahead_days", "must be at least 1")
	}
	if r.PayDateBehindDays < 1 {
		p.bad("reconcile.pay_date_behind_days", "must be at least 1")
	}
	if len(r.MatchOrder) == 0 {
		p.bad("reconcile.match_order", "required: one or more of case, ssn, name_fips")
	}
	for i, m := range r.MatchOrder {
		if !slices.Contains(reconcile.DefaultMatch, reconcile.MatchRule(m)) {
			p.bad(fmt.Sprintf("reconcile.match_order[%d]", i), "%q is not case, ssn or name_fips", m)
		} else if slices.Index(r.MatchOrder, m) != i {
			p.bad(fmt.Sprintf("reconcile.match_order[%d]", i), "%q is listed twice", m)
		}
	}
}

// validateWithholding checks the calculator's settings.
func (c *Config) validateWithholding(p *problems) {
	if _, err := withholding.ParseAllocation(string(c.Withholding.Allocation)); err != nil {
		p.bad("withholding.allocation", "%s", withholding.ErrorMessage(err))
	}
	if _, err := withholding.ParseMedicalRule(string(c.Withholding.MedicalRule)); err != nil {
		p.bad("withholding.medical_rule", "%s", withholding.ErrorMessage(err))
	}
	states := slices.Sorted(maps.Keys(c.Withholding.Priority))
	for _, st := range states {
		if len(st) != 2 || withholding.GoverningState(strings.ToUpper(st)) == strings.ToUpper(st) {
			p.bad("withholding.priority."+st, "not a state's two-letter postal code")
		}
		if _, err := withholding.ParsePriority(c.Withholding.Priority[st]); err != nil {
			p.bad("withholding.priority."+st, "%s", withholding.ErrorMessage(err))
		}
	}
}

// TransferPartners returns the partners as transfer.Partner values, with
// their key files read.
func (c *Config) TransferPartners() ([]*transfer.Partner, error) {
	ps, errs := c.partners(os.ReadFile)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ps, nil
}

func (c *Config) partners(readFile func(string) ([]byte, error)) ([]*transfer.Partner, []error) {
	var out []*transfer.Partner
	var errs []error
	seen := map[string]int{}
	for i, pc := range c.Partners {
		at := fmt.Sprintf("partners[%d]", i)
		if j, dup := seen[pc.Name]; dup && pc.Name != "" {
			errs = append(errs, &SettingError{at + ".name", fmt.Sprintf("%q is also the name of partners[%d]", pc.Name, j)})
			continue
		}
		seen[pc.Name] = i
		p := &transfer.Partner{
			Name: pc.Name, Role: pc.Role, Host: pc.Host, Port: pc.Port, User: pc.User,
			Password: pc.Password, HostKeys: pc.HostKeys,
			Inbox: pc.Inbox, Outbox: pc.Outbox, Archive: pc.Archive, Quarantine: pc.Quarantine,
			AfterApply: pc.AfterApply, Timeout: c.Transfer.Timeout, Local: pc.Local,
		}
		if p.AfterApply == "" {
			p.AfterApply = c.Transfer.AfterApply
		}
		if len(pc.Patterns) > 0 {
			p.Patterns = map[withholding.FileKind][]string{}
			for k, v := range pc.Patterns {
				p.Patterns[withholding.FileKind(k)] = v
			}
		}
		for _, k := range sortedKinds(pc.Patterns) {
			if !slices.Contains(fileKinds, withholding.FileKind(k)) {
				errs = append(errs, &SettingError{at + ".patterns." + k, fmt.Sprintf("unknown kind of file (known: %v)", fileKinds)})
			}
		}
		if pc.Format != "" && pc.Format != "flat" && pc.Format != "xml" {
			errs = append(errs, &SettingError{at + ".format", fmt.Sprintf("%q is not flat or xml", pc.Format)})
		}
		if pc.UploadMode != "" {
			m, err := strconv.ParseUint(pc.UploadMode, 8, 32)
			if err != nil {
				errs = append(errs, &SettingError{at + ".upload_mode", fmt.Sprintf("%q is not an octal file mode such as \"0640\"", pc.UploadMode)})
				continue
			}
			p.UploadMode = fs.FileMode(m)
		}
		if pc.KeyFile != "" && pc.Local == "" {
			key, err := readFile(pc.KeyFile)
			if err != nil {
				errs = append(errs, &SettingError{at + ".key_file", fmt.Sprintf("read private key: %v", err)})
				continue
			}
			p.PrivateKey = key
		}
		if err := p.Validate(); err != nil {
			var fe *transfer.FieldError
			if errors.As(err, &fe) {
				errs = append(errs, &SettingError{at + "." + fe.Field, fe.Message})
			} else {
				errs = append(errs, &SettingError{at, err.Error()})
			}
			continue
		}
		out = append(out, p)
	}
	return out, errs
}

// fileKinds are the inbound kinds a partner's patterns may name.
var fileKinds = []withholding.FileKind{withholding.KindAckFile, withholding.KindIWOResult, withholding.KindAckResult, withholding.KindACHFile, withholding.KindIWOFile}

func sortedKinds(m map[string][]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Location returns the agency's time zone.
func (c *Config) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Agency.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("load agency.time_zone: %w", err)
	}
	return loc, nil
}

// DatabaseURL returns the database setting, or the SQLite file in the data
// directory when it is empty.
func (c *Config) DatabaseURL() string {
	if c.Database != "" {
		return c.Database
	}
	return "sqlite:" + filepath.Join(c.DataDir, "iwo.db")
}

// Backoff returns the retry policy for partner connections.
func (c *Config) Backoff() transfer.Backoff {
	r := c.Transfer.Retry
	return transfer.Backoff{Attempts: r.Attempts, Initial: r.Initial, Max: r.Max}
}

// ACHProfile is how the remittance files' DED segments are read.
func (c *Config) ACHProfile() ach.Profile {
	return ach.Profile{PayDates: ach.PayDateWindow{Ahead: c.Reconcile.PayDateAheadDays, Behind: c.Reconcile.PayDateBehindDays}}
}

// ReconcileSettings returns the reconciliation settings.
func (c *Config) ReconcileSettings() reconcile.Settings {
	r := c.Reconcile
	s := reconcile.Settings{
		RemitWindow:  r.RemitWindowDays,
		AckDeadline:  r.AckDeadlineDays,
		Tolerance:    withholding.Cents(r.ToleranceCents),
		Lookback:     r.LookbackDays,
		PayDateSlack: r.PayDateSlackDays,
	}
	for _, m := range r.MatchOrder {
		s.Match = append(s.Match, reconcile.MatchRule(m))
	}
	for _, f := range r.CaseIDFields {
		s.IDOrder = append(s.IDOrder, reconcile.IDField(f))
	}
	return s
}

// Logger returns a slog.Logger writing to w in the configured format and
// level. Every line goes through withholding.MaskingHandler: error texts
// quote partners' data, which may hold an SSN.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.Log.Level)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if c.Log.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(withholding.NewMaskingHandler(h))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil || s == "" {
		return 0, fmt.Errorf("%q is not debug, info, warn or error", s)
	}
	return l, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isUpper(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// configFlag declares into p the --config flag that commands needing the
// configuration share.
func configFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "config", "", "configuration `file` (default $IWO_CONFIG; built-in defaults when neither is set)")
}

// serviceConfigFlag declares the --config flag of "run" and "serve", which
// need a configuration file (loadServiceConfig).
func serviceConfigFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "config", "", "configuration `file` (required; default $IWO_CONFIG)")
}

// loadConfig reads and validates the configuration at path, or at
// $IWO_CONFIG when path is empty. With neither, it returns DefaultConfig.
// Errors name the file and the bad setting.
func loadConfig(path string, e *env) (*Config, error) {
	if path == "" {
		path = e.getenv("IWO_CONFIG")
	}
	if path == "" {
		// No configuration file: a person trying iwo out, not a service
		// install. Work files go where the store's default database goes
		// ($IWO_DATA, $XDG_DATA_HOME/iwo or ~/.local/share/iwo), not to
		// /var/lib/iwo, which needs root.
		c := DefaultConfig()
		dir, err := dataDir(e)
		if err != nil {
			return nil, err
		}
		c.DataDir = dir
		return c, c.Validate()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	c, err := ParseConfig(bytes.NewReader(b), e.getenv)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// errNoConfig is returned by the commands that exchange files on the
// agency's behalf ("run", "serve") when no configuration file is named.
var errNoConfig = errors.New("no configuration: name one with --config FILE or $IWO_CONFIG (start from 'iwo config default'); " +
	"with the built-in defaults there are no partners, so a night would exchange no files and report success")

// loadServiceConfig is loadConfig for the commands that run the agency's
// jobs: they refuse to start on the built-in defaults, which have no
// partners (a night "succeeds" having done nothing) and keep the database
// under the home directory of whoever ran them. A configuration with no
// partners is allowed (an agency trying the jobs out) but logged loudly.
func loadServiceConfig(path string, e *env, command string) (*Config, error) {
	if path == "" && e.getenv("IWO_CONFIG") == "" {
		return nil, exitCode(2, errNoConfig)
	}
	cfg, err := loadConfig(path, e)
	if err != nil {
		return nil, err
	}
	if len(cfg.Partners) == 0 {
		fmt.Fprintf(e.stderr, "iwo %s: warning: the configuration names no partners: no file will be sent or received\n", command)
	}
	return cfg, nil
}

var configDefaultUsage = usage{
	short: "Print the default configuration, with comments",
	long: `Prints the configuration iwo uses for every setting a file leaves out,
with a comment on each setting. Start a configuration from it:

  iwo config default > /etc/iwo/iwo.yml`,
}

// configDefaultCommand is "iwo config default".
type configDefaultCommand struct{ base }

func (c *configDefaultCommand) flags(*flag.FlagSet) {}

// Run prints the embedded default configuration.
func (c *configDefaultCommand) Run(context.Context) error {
	if len(c.args) > 0 {
		return usageError("config default takes no arguments")
	}
	_, err := c.stdout.Write(defaultConfigYAML)
	return err
}

var configCheckUsage = usage{
	args:  "[FILE]",
	short: "Validate a configuration file and name each bad setting",
	long: `Reads FILE (or --config, or $IWO_CONFIG) over the defaults, expands the
environment variables it names, reads the partners' key files and checks
every setting. Each problem is printed as "FILE: setting: what is wrong".
Exit status 0 when the file is valid, 1 when it is not.`,
}

// configCheckCommand is "iwo config check".
type configCheckCommand struct {
	base
	config string
}

func (c *configCheckCommand) flags(fs *flag.FlagSet) { configFlag(fs, &c.config) }

// Run checks the file and prints each problem, or a one-line summary.
func (c *configCheckCommand) Run(context.Context) error {
	if len(c.args) > 1 {
		return usageError("config check takes one file")
	}
	p := c.config
	if len(c.args) == 1 {
		p = c.args[0]
	}
	if p == "" {
		p = c.getenv("IWO_CONFIG")
	}
	if p == "" {
		return usageError("config check: name a FILE (or set --config or IWO_CONFIG)")
	}
	cfg, err := loadConfig(p, c.env)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, p+": ") {
				line = p + ": " + line
			}
			fmt.Fprintln(c.stderr, line)
		}
		return exitCode(1, nil)
	}
	on := 0
	for _, j := range cfg.Jobs.Schedules {
		if j.Enabled {
			on++
		}
	}
	fmt.Fprintf(c.stdout, "%s: ok (%d partners, %d scheduled jobs, time zone %s)\n", p, len(cfg.Partners), on, cfg.Agency.TimeZone)
	return nil
}
