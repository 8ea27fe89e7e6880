package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
)

// dbFlag declares into p the --db flag that every command touching the
// store shares; pass its value to openStore.
func dbFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "db", "", "database `URL`: sqlite:PATH or postgres://… (default $IWO_DB, then the configuration's database, then sqlite:DATA_DIR/iwo.db)")
}

// dataDir returns where iwo keeps its files when no configuration says:
// $IWO_DATA, else $XDG_DATA_HOME/iwo, else ~/.local/share/iwo.
func dataDir(e *env) (string, error) {
	if d := e.getenv("IWO_DATA"); d != "" {
		return d, nil
	}
	if d := e.getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "iwo"), nil
	}
	home := e.getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the data directory: set IWO_DATA or --db: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "share", "iwo"), nil
}

// databaseURL picks the database, first match wins: the --db flag, $IWO_DB,
// the configuration (cfg, or the file $IWO_CONFIG names when cfg is nil):
// its database setting or else sqlite:DATA_DIR/iwo.db of its data_dir, and
// with no configuration at all sqlite:<dataDir(e)>/iwo.db.
func databaseURL(e *env, dbFlag string, cfg *Config) (string, error) {
	if dbFlag != "" {
		return dbFlag, nil
	}
	if u := e.getenv("IWO_DB"); u != "" {
		return u, nil
	}
	if cfg == nil && e.getenv("IWO_CONFIG") != "" {
		c, err := loadConfig("", e)
		if err != nil {
			return "", err
		}
		cfg = c
	}
	if cfg != nil {
		return cfg.DatabaseURL(), nil
	}
	dir, err := dataDir(e)
	if err != nil {
		return "", err
	}
	return "sqlite:" + filepath.Join(dir, "iwo.db"), nil
}

// openStore opens (and migrates) the database chosen by databaseURL with no
// configuration loaded by the caller.
func openStore(ctx context.Context, e *env, dbFlag string) (*store.DB, error) {
	return openStoreConfig(ctx, e, dbFlag, nil)
}

// openStoreConfig is openStore for commands that already loaded cfg.
func openStoreConfig(ctx context.Context, e *env, dbFlag string, cfg *Config) (*store.DB, error) {
	u, err := databaseURL(e, dbFlag, cfg)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, u)
}

// storeBooks is the store as the parts reconciliation and the reports read
// and write, for the nightly jobs and "iwo report statements" alike.
func storeBooks(db *store.DB) jobs.Books {
	return jobs.Books{
		Orders: db, Employers: db, Documents: db, Payments: db, Files: db, Exceptions: db, Postings: db, Runs: db,
	}
}
