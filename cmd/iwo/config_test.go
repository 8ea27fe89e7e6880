package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
)

func noEnv(string) string { return "" }

// TestDefaultConfigIsTheEmbeddedFile keeps config.default.yml and
// DefaultConfig in step, and both valid.
func TestDefaultConfigIsTheEmbeddedFile(t *testing.T) {
	c, err := ParseConfig(bytes.NewReader(defaultConfigYAML), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if want := DefaultConfig(); !reflect.DeepEqual(c, want) {
		t.Errorf("config.default.yml parses to\n%+v\nDefaultConfig() is\n%+v", c, want)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
	if c, err := ParseConfig(strings.NewReader(""), noEnv); err != nil || !reflect.DeepEqual(c, DefaultConfig()) {
		t.Errorf("empty file: %v, %+v; want the defaults", err, c)
	}
}

// mustPartnerFiles writes a private key file and returns its path and a
// host key line.
func mustPartnerFiles(t *testing.T) (keyFile, hostKey string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv) // any key will do as the server's
	if err != nil {
		t.Fatal(err)
	}
	return keyFile, transfer.HostKeyLine("sftp.acme.example:22", signer.PublicKey())
}

func partnerYAML(keyFile, hostKey string) string {
	return `
partners:
  - name: acme
    role: payroll_provider
    host: sftp.acme.example
    user: $ACME_USER
    key_file: ` + keyFile + `
    password: ${ACME_PASSWORD}
    host_keys: ["` + hostKey + `"]
    inbox: /out
    outbox: /in
    archive: /out/archive
    quarantine: /out/rejected
    patterns:
      ack: ["*.ack"]
      ach: ["*.ach"]
    upload_mode: "0640"
  - name: dev-bank
    role: bank
    local: /srv/bank
    inbox: /in
    quarantine: /in/bad
    after_apply: delete
`
}

func TestConfigPartners(t *testing.T) {
	keyFile, hostKey := mustPartnerFiles(t)
	env := map[string]string{"ACME_USER": "state-ca", "ACME_PASSWORD": "pa$$"}
	c, err := ParseConfig(strings.NewReader(partnerYAML(keyFile, hostKey)), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ps, err := c.TransferPartners()
	if err != nil {
		t.Fatal(err)
	}
	acme, bank := ps[0], ps[1]
	if acme.User != "state-ca" || acme.Password != "pa$$" || len(acme.PrivateKey) == 0 || acme.AfterApply != transfer.DispArchive || acme.Timeout != 30*time.Second || acme.Addr() != "sftp.acme.example:22" {
		t.Errorf("acme = %+v", acme)
	}
	if k, ok := acme.KindOf("x.ach"); !ok || k != "ach" {
		t.Errorf("acme.KindOf(x.ach) = %q, %v", k, ok)
	}
	if acme.UploadMode != 0o640 {
		t.Errorf("acme.UploadMode = %#o, want 0640", acme.UploadMode)
	}
	if bank.Local != "/srv/bank" || bank.AfterApply != transfer.DispDelete || bank.UploadMode != 0 {
		t.Errorf("dev-bank = %+v", bank)
	}
}

func TestConfigEnv(t *testing.T) {
	env := map[string]string{"A": "x", "B_2": "y"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		in, want string
		missing  []string
	}{
		{"plain", "plain", nil},
		{"$A", "x", nil},
		{"${A}-$B_2!", "x-y!", nil},
		{"pa$$word", "pa$word", nil},
		{"cost $5", "cost $5", nil},
		{"end$", "end$", nil},
		{"$!x $-", "$!x $-", nil},
		{"$é", "$é", nil},
		{"$NOPE and ${ALSO}", " and ", []string{"$NOPE", "$ALSO"}},
	} {
		got, missing := expandEnv(tc.in, getenv)
		if got != tc.want || !reflect.DeepEqual(missing, tc.missing) {
			t.Errorf("expandEnv(%q) = %q, %v; want %q, %v", tc.in, got, missing, tc.want, tc.missing)
		}
	}

	keyFile, hostKey := mustPartnerFiles(t)
	_, err := ParseConfig(strings.NewReader(partnerYAML(keyFile, hostKey)), noEnv)
	var se *SettingError
	if !errors.As(err, &se) || se.Setting != "partners[0].user" || !strings.Contains(err.Error(), "partners[0].password: environment variable $ACME_PASSWORD is not set") {
		t.Errorf("unset variables: %v; want partners[0].user and .password named", err)
	}
}

// TestConfigValidate checks that each bad setting is named.
func TestConfigValidate(t *testing.T) {
	keyFile, hostKey := mustPartnerFiles(t)
	// partner returns one valid SFTP partner with settings replaced
	// ("key: value" lines) and more YAML appended.
	partner := func(replace, extra string) string {
		fields := [][2]string{{"name", "acme"}, {"role", "employer"}, {"host", "h"}, {"user", "u"},
			{"key_file", keyFile}, {"host_keys", `["` + hostKey + `"]`}, {"outbox", "/in"}}
		if k, v, ok := strings.Cut(replace, ": "); ok {
			for i := range fields {
				if fields[i][0] == k {
					fields[i][1] = v
				}
			}
		}
		var b strings.Builder
		b.WriteString("partners:\n")
		for i, f := range fields {
			lead := "    "
			if i == 0 {
				lead = "  - "
			}
			b.WriteString(lead + f[0] + ": " + f[1] + "\n")
		}
		return b.String() + extra
	}
	if c, err := ParseConfig(strings.NewReader(partner("", "")), noEnv); err != nil || c.Validate() != nil {
		t.Fatalf("the base partner does not validate: %v, %v", err, c.Validate())
	}
	for _, tc := range []struct {
		yaml    string
		setting string
		hint    string
	}{
		{"agency: {name: ''}", "agency.name", "required"},
		{"agency: {state: California}", "agency.state", "two-letter"},
		{"agency: {fips: '6'}", "agency.fips", "two-digit"},
		{"agency: {time_zone: Mars/Olympus}", "agency.time_zone", "IANA"},
		{"agency: {sdu: {remittance_fips: '06000'}}", "agency.sdu.remittance_fips", "7-digit"},
		{"agency: {sdu: {remittance_fips: '2000003'}}", "agency.sdu.remittance_fips", "state FIPS 06"},
		{"agency: {sdu: {routing_number: '123456789'}}", "agency.sdu.routing_number", "check digit"},
		{"agency: {sdu: {account_number: ''}}", "agency.sdu.account_number", "required"},
		{"data_dir: ''", "data_dir", "required"},
		{"database: mysql://x", "database", "sqlite:PATH"},
		{"log: {format: xml}", "log.format", "json or text"},
		{"log: {level: loud}", "log.level", "debug"},
		{"metrics: {listen: nonsense}", "metrics.listen", "host:port"},
		{"transfer: {after_apply: shred}", "transfer.after_apply", "archive or delete"},
		{"transfer: {retry: {attempts: 0}}", "transfer.retry.attempts", "at least 1"},
		{"jobs: {pull-acks: {schedule: '61 * * * *'}}", "jobs.pull-acks.schedule", "61"},
		{"jobs: {pull-acks: {schedule: 'CRON_TZ=Mars/Base 0 1 * * *'}}", "jobs.pull-acks.schedule", "Mars"},
		{"jobs: {pull-acks: {days: sundays}}", "jobs.pull-acks.days", "sundays"},
		{"jobs: {pull-acks: {schedule: ''}}", "jobs.pull-acks.schedule", "required"},
		{"jobs: {dance: {schedule: '@daily'}}", "jobs.dance", "unknown job"},
		{"jobs: {night: {enabled: true}}", "jobs.night.enabled", "disable"},
		{"jobs: {shutdown_grace: -1s}", "jobs.shutdown_grace", "negative"},
		{"reconcile: {remit_window_days: 0}", "reconcile.remit_window_days", "at least 1"},
		{"reconcile: {match_order: [case, dob]}", "reconcile.match_order[1]", "dob"},
		{"reconcile: {match_order: [ssn, ssn]}", "reconcile.match_order[1]", "twice"},
		{"report: {statements: weekly}", "report.statements", `"weekly" is not activity, all or none`},
		{"report: {statements: ''}", "report.statements", "not activity"},
		{"withholding: {allocation: lottery}", "withholding.allocation", "lottery"},
		{"withholding: {medical_rule: never}", "withholding.medical_rule", "never"},
		{"withholding: {priority: {MD: sideways}}", "withholding.priority.MD", "sideways"},
		{"withholding: {priority: {XX: maryland}}", "withholding.priority.XX", "postal code"},
		{"withholding: {priority: {NJ: 'current, current, premium, medical, other'}}", "withholding.priority.NJ", "repeated"},
		{partner("", "    port: 99999\n"), "partners[0].port", "TCP port"},
		{partner("host_keys: []", ""), "partners[0].host_keys", "required: pin the server's host key"},
		{partner("host_keys: ['ssh-ed25519 bogus']", ""), "partners[0].host_keys", "entry 1"},
		{partner("role: vendor", ""), "partners[0].role", "vendor"},
		{partner("key_file: /no/such/key", ""), "partners[0].key_file", "no such file"},
		{partner("key_file: ''", ""), "partners[0].key_file", "password"},
		{partner("", "    patterns: {acks: ['*.ack']}\n"), "partners[0].patterns.acks", "unknown kind"},
		{partner("", "    inbox: /out\n"), "partners[0].archive", "required"},
		{partner("", "    upload_mode: '0986'\n"), "partners[0].upload_mode", `"0986" is not an octal file mode`},
		{partner("", "    upload_mode: rw-r-----\n"), "partners[0].upload_mode", "octal"},
		{partner("", "    upload_mode: '0666'\n"), "partners[0].upload_mode", "0666 lets everyone write"},
		{partner("", "    upload_mode: '0240'\n"), "partners[0].upload_mode", "owner read"},
		{partner("", "  - name: acme\n    role: bank\n    local: /x\n    outbox: /y\n"), "partners[1].name", "also the name"},
	} {
		c, err := ParseConfig(strings.NewReader(tc.yaml), noEnv)
		if err != nil {
			t.Errorf("%s: parse: %v", tc.yaml, err)
			continue
		}
		err = c.Validate()
		var se *SettingError
		found := false
		for _, e := range unjoin(err) {
			if errors.As(e, &se) && se.Setting == tc.setting && strings.Contains(se.Message, tc.hint) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s:\nValidate = %v\nwant %s: …%s…", tc.yaml, err, tc.setting, tc.hint)
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestConfigParseErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, hint string }{
		{"agncy: {name: x}", "agncy"},
		{"jobs: {pull-acks: {scheduel: '@daily'}}", `unknown setting "scheduel"`},
		{"jobs: {shutdown_grace: soon}", "jobs.shutdown_grace: want a duration"},
		{"jobs: {shutdown_grase: 60s}", "jobs.shutdown_grase: want a job's settings"},
		{"transfer: {stable_for: soon}", "soon"},
		{"partners: {name: x}", "line 1"},
	} {
		if _, err := ParseConfig(strings.NewReader(tc.yaml), noEnv); err == nil || !strings.Contains(err.Error(), tc.hint) {
			t.Errorf("ParseConfig(%q) = %v; want an error mentioning %q", tc.yaml, err, tc.hint)
		}
	}
}

// TestConfigJobsMerge checks that a job the file mentions keeps the
// defaults of the settings it leaves out, and other jobs keep theirs.
func TestConfigJobsMerge(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("jobs:\n  shutdown_grace: 5m\n  pull-remittances:\n    schedule: CRON_TZ=America/New_York 0 4 * * *\n  report: {enabled: false}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig().Jobs
	want.Schedules[jobs.JobPullRemittances] = JobConfig{Schedule: "CRON_TZ=America/New_York 0 4 * * *", Days: jobs.SkipHolidays, Enabled: true}
	want.Schedules[jobs.JobReport] = JobConfig{Schedule: "0 5 * * *", Days: jobs.BusinessDays, Enabled: false}
	want.ShutdownGrace = 5 * time.Minute
	if !reflect.DeepEqual(c.Jobs, want) {
		t.Errorf("jobs = %+v\nwant %+v", c.Jobs, want)
	}
}

func TestConfigDerived(t *testing.T) {
	c := DefaultConfig()
	if got := c.DatabaseURL(); got != "sqlite:/var/lib/iwo/iwo.db" {
		t.Errorf("DatabaseURL = %q", got)
	}
	loc, err := c.Location()
	if err != nil || loc.String() != "America/Los_Angeles" {
		t.Errorf("Location = %v, %v", loc, err)
	}
	s := c.ReconcileSettings()
	if s.RemitWindow != 7 || s.AckDeadline != 10 || len(s.Match) != 3 || s.Match[0] != "case" {
		t.Errorf("ReconcileSettings = %+v", s)
	}
	if b := c.Backoff(); b.Attempts != 4 || b.Initial != 2*time.Second || b.Max != time.Minute {
		t.Errorf("Backoff = %+v", b)
	}
	var buf bytes.Buffer
	c.Log.Format, c.Log.Level = "text", "warn"
	log := c.Logger(&buf)
	log.Info("hidden")
	log.Warn("shown")
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.Contains(out, "level=WARN msg=shown") {
		t.Errorf("text logger at warn wrote %q", out)
	}
}

func TestConfigCommands(t *testing.T) {
	code, out, _ := runIWO(t, "config", "default")
	if code != 0 || out != string(defaultConfigYAML) {
		t.Errorf("config default: exit %d, %d bytes", code, len(out))
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	if err := os.WriteFile(good, []byte("agency:\n  time_zone: America/Chicago\ndata_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIWO(t, "config", "check", good)
	if code != 0 || !strings.Contains(out, "ok (0 partners, 5 scheduled jobs, time zone America/Chicago)") {
		t.Errorf("config check good: exit %d, out %q, err %q", code, out, errOut)
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("log: {format: xml}\nreconcile: {ack_deadline_days: 0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runIWO(t, "config", "check", bad)
	if code != 1 || !strings.Contains(errOut, bad+": log.format: \"xml\" is not json or text\n") || !strings.Contains(errOut, bad+": reconcile.ack_deadline_days: must be at least 1\n") {
		t.Errorf("config check bad: exit %d, stderr %q", code, errOut)
	}

	code, _, errOut = runIWO(t, "config", "check", filepath.Join(dir, "missing.yml"))
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("config check missing: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runIWO(t, "config", "check"); code != 2 {
		t.Errorf("config check without a file: exit %d; want 2", code)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "iwo.yml")
	if err := os.WriteFile(p, []byte("database: $DB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IWO_CONFIG": p, "DB": "postgres://iwo@db/iwo"}
	e := getenvOnly(func(k string) string { return env[k] })
	c, err := loadConfig("", e)
	if err != nil || c.DatabaseURL() != "postgres://iwo@db/iwo" {
		t.Errorf("loadConfig via IWO_CONFIG = %v, %v", c, err)
	}
	delete(env, "DB")
	if _, err := loadConfig(p, e); err == nil || !strings.Contains(err.Error(), p+": database: environment variable $DB is not set") {
		t.Errorf("loadConfig with unset variable: %v", err)
	}
	delete(env, "IWO_CONFIG")
	env["IWO_DATA"] = "/home/clerk/iwo-data"
	want := DefaultConfig()
	want.DataDir = "/home/clerk/iwo-data"
	if c, err := loadConfig("", e); err != nil || !reflect.DeepEqual(c, want) {
		t.Errorf("loadConfig with no file: %v; want the defaults with the user data directory", err)
	}
}

// getenvOnly returns an env whose environment is getenv.
func getenvOnly(getenv func(string) string) *env {
	var discard bytes.Buffer
	return &env{stdin: strings.NewReader(""), stdout: &discard, stderr: &discard, getenv: getenv}
}
