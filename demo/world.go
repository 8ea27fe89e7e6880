package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Options size the demo.
type Options struct {
	// Dir is the workspace; it must exist and should be empty.
	Dir string
	// Seed makes the agency, the employers and their problems; the same
	// seed plays the same demo.
	Seed uint64
	// Employers and Orders size the synthetic agency (defaults 300 and
	// 3000).
	Employers, Orders int
	// Start is the date of the first night; synth's default day when zero.
	Start withholding.Date
}

// Remote directories on the embedded server. The agency's partners
// configuration points at them; the simulated portal and bank use the
// mirror view (employer.Pull takes from Outbox, employer.Push leaves in
// Inbox).
const (
	PortalOut        = "/portal/to-employers"   // IWO files the agency sends
	PortalIn         = "/portal/from-employers" // acknowledgment files for the agency
	PortalArchive    = "/portal/from-employers/archive"
	PortalQuarantine = "/portal/from-employers/quarantine"
	BankIn           = "/bank/to-agency" // ACH remittance files for the agency
	BankArchive      = "/bank/to-agency/archive"
	BankQuarantine   = "/bank/to-agency/quarantine"
	ReportsOut       = "/operations/reports"
)

// Partner names in the generated configuration.
const (
	PortalPartner = "portal"
	BankPartner   = "sdu-bank"
	OpsPartner    = "operations"
)

// World is the demo's outside world.
type World struct {
	Opt Options
	// Agency, Employers and Orders are the synthetic data the agency
	// starts with (orders pending an ORG).
	Agency    synth.Agency
	Employers []withholding.Employer
	Orders    []withholding.Order

	server    *transfer.Server
	agencyKey string // path of the agency's private key file
	portal    *transfer.Partner
	bank      *transfer.Partner

	gen   *synth.Generator
	emps  map[withholding.FEIN]*simEmployer
	feins []withholding.FEIN
	night int

	mu    sync.Mutex
	now   time.Time
	stats Stats

	lastACH  string          // local path of the last bank file, for the duplicate
	notified map[string]bool // EMP notices sent, by status and SSN
}

// Stats is what the simulated side did, to check the agency's books
// against.
type Stats struct {
	IWOFilesTaken int            `json:"iwo_files_taken"`
	IWOsAnswered  int            `json:"iwos_answered"`
	Dispositions  employer.Tally `json:"dispositions"`
	Notices       int            `json:"notices"`
	ACKFiles      int            `json:"ack_files"`
	ACHFiles      int            `json:"ach_files"` // distinct, valid
	Entries       int            `json:"entries"`
	Remitted      withholding.Cents
	Duplicates    int `json:"duplicates"` // files sent twice
	Malformed     int `json:"malformed"`  // broken files sent
	Late          int `json:"late"`       // pay lines remitted late
	Short         int `json:"short"`      // pay lines with too little pay to cover the order
	Mistyped      int `json:"mistyped"`   // entries with a case identifier the agency cannot know
}

// Stats returns a copy of the world's tally.
func (w *World) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Dispositions = employer.Tally{}
	for k, v := range w.stats.Dispositions {
		s.Dispositions[k] = v
	}
	return s
}

// Now is the demo clock: the current night's time.
func (w *World) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// Today is the demo clock's day.
func (w *World) Today() withholding.Date { return withholding.DateOf(w.Now()) }

// Start creates the workspace layout, keys, the synthetic agency and its
// employers, and starts the SFTP server on a loopback port. It stops when
// ctx ends or Close is called.
func Start(ctx context.Context, opt Options) (*World, error) {
	if opt.Employers <= 0 {
		opt.Employers = 300
	}
	if opt.Orders <= 0 {
		opt.Orders = 3000
	}
	g := synth.New(opt.Seed)
	if opt.Start.IsZero() {
		opt.Start = g.Today
	}
	g.Today = opt.Start
	w := &World{Opt: opt, Agency: g.Agency, gen: g, emps: map[withholding.FEIN]*simEmployer{}, notified: map[string]bool{}, stats: Stats{Dispositions: employer.Tally{}}}
	w.now = opt.Start.Time(time.UTC).Add(2 * time.Hour)

	root := filepath.Join(opt.Dir, "sftp")
	for _, d := range []string{PortalOut, PortalArchive, PortalQuarantine, BankArchive, BankQuarantine, ReportsOut} {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o700); err != nil {
			return nil, fmt.Errorf("start demo: %w", err)
		}
	}
	for _, d := range []string{"keys", "portal/received", "portal/sent", "bank/sent"} {
		if err := os.MkdirAll(filepath.Join(opt.Dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("start demo: %w", err)
		}
	}
	agencyPriv, agencyPub, err := newKey(filepath.Join(opt.Dir, "keys", "agency_ed25519"))
	if err != nil {
		return nil, err
	}
	w.agencyKey = filepath.Join(opt.Dir, "keys", "agency_ed25519")
	simPriv, simPub, err := newKey(filepath.Join(opt.Dir, "keys", "partners_ed25519"))
	if err != nil {
		return nil, err
	}
	_ = agencyPriv
	srv, err := transfer.StartServer(ctx, transfer.ServerConfig{Root: root, AuthorizedKeys: []ssh.PublicKey{agencyPub, simPub}})
	if err != nil {
		return nil, fmt.Errorf("start demo: %w", err)
	}
	w.server = srv
	pin := []string{srv.HostKeyLine()}
	w.portal = &transfer.Partner{Name: "demo-portal", Role: transfer.RolePortal, Host: "127.0.0.1", Port: srv.Port(), User: "portal",
		PrivateKey: simPriv, HostKeys: pin, Inbox: PortalIn, Outbox: PortalOut, Archive: PortalArchive, Quarantine: PortalQuarantine}
	w.bank = &transfer.Partner{Name: "demo-bank", Role: transfer.RoleBank, Host: "127.0.0.1", Port: srv.Port(), User: "bank",
		PrivateKey: simPriv, HostKeys: pin, Inbox: BankIn, Archive: BankArchive, Quarantine: BankQuarantine}

	w.Employers = g.Employers(opt.Employers)
	for i := range w.Employers {
		w.Employers[i].EIWO = true
		w.Employers[i].Partner = PortalPartner
	}
	w.Orders = g.Orders(w.Employers, opt.Orders)
	for i := range w.Orders {
		// Withholding starts with the first pay after the IWO arrives,
		// which the agency sends on the first night; synth's start dates
		// lie in the past, before any IWO was sent.
		w.Orders[i].StartDate = opt.Start.AddDays(1)
	}
	w.buildRosters()
	return w, nil
}

// Close stops the SFTP server.
func (w *World) Close() error { return w.server.Close() }

// Addr returns the SFTP server's address.
func (w *World) Addr() string { return w.server.Addr() }

// newKey makes an Ed25519 key, writes the private half to path (OpenSSH
// format, mode 0600) and returns it with the public half.
func newKey(path string) ([]byte, ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "iwo demo")
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	b := pem.EncodeToMemory(block)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, nil, fmt.Errorf("write key: %w", err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	return b, sp, nil
}

// ConfigYAML returns the agency's configuration for the demo: its data
// directory and SQLite database in the workspace, and the three partners
// on the embedded server with its host key pinned.
func (w *World) ConfigYAML() string {
	pin := w.server.HostKeyLine()
	return fmt.Sprintf(`# Written by iwo demo. The partners are the embedded SFTP server at %[1]s.
agency:
  name: Demo State Child Support Services
  state: %[2]s
  fips: "%[3]s"
  time_zone: UTC
  help_line: 1-800-555-0199
  sdu:
    payee_name: Demo State Disbursement Unit
data_dir: %[4]s
database: sqlite:%[5]s
log:
  format: text
  level: warn
metrics:
  listen: ""
transfer:
  stable_for: 0s
  timeout: 10s
  retry:
    attempts: 2
    initial: 100ms
    max: 1s
partners:
  - name: %[6]s
    role: portal
    host: 127.0.0.1
    port: %[7]d
    user: agency
    key_file: %[8]s
    host_keys:
      - "%[9]s"
    outbox: %[10]s
    inbox: %[11]s
    archive: %[12]s
    quarantine: %[13]s
    patterns:
      ack: ["ACK_*.txt"]
  - name: %[14]s
    role: bank
    host: 127.0.0.1
    port: %[7]d
    user: agency
    key_file: %[8]s
    host_keys:
      - "%[9]s"
    inbox: %[15]s
    archive: %[16]s
    quarantine: %[17]s
    patterns:
      ach: ["*.ach"]
  - name: %[18]s
    role: operations
    host: 127.0.0.1
    port: %[7]d
    user: agency
    key_file: %[8]s
    host_keys:
      - "%[9]s"
    outbox: %[19]s
`, w.server.Addr(), w.Agency.StateCode, w.Agency.StateFIPS, filepath.Join(w.Opt.Dir, "agency"), filepath.Join(w.Opt.Dir, "iwo.db"),
		PortalPartner, w.server.Port(), w.agencyKey, pin, PortalOut, PortalIn, PortalArchive, PortalQuarantine,
		BankPartner, BankIn, BankArchive, BankQuarantine, OpsPartner, ReportsOut)
}
