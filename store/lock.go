package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// TryLock takes the named lock if it is free and reports ok false, with no
// error, when another holder has it. Call unlock to release it; it is safe
// to call more than once.
//
// On PostgreSQL the lock is a session advisory lock (keyed by the current
// schema and name) held on a dedicated connection until unlock; if the
// process or its connection dies, the server releases it.
//
// On SQLite the lock is a row in the locks table with an owner, its host,
// PID and process token, and an expiry LockTTL ahead, renewed every
// LockTTL/3 while held. A holder that dies without unlocking (SIGKILL,
// crash) keeps the lock until it expires, unless the next taker runs on the
// same host (DB.Host) and finds the holder gone: no process has its PID, or
// the PID is the taker's own but the token is another process's (a
// restarted container that got the same PID). Then the lock is taken at
// once. Holders on other hosts cannot be seen, so their leases run out.
func (d *DB) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if name == "" {
		return nil, false, withholding.Errorf(withholding.EINVALID, "lock needs a name")
	}
	if d.dialect == dialectPostgres {
		return d.tryAdvisoryLock(ctx, name)
	}
	return d.tryRowLock(ctx, name)
}

// OneWriter reports whether the store takes one writer at a time: true
// on SQLite, whose write transactions (IMMEDIATE) hold the database's one
// write lock from begin to commit, false on PostgreSQL. It implements
// jobs.OneWriter: work that several instances would share out by claims
// gains nothing from sharing on SQLite.
func (d *DB) OneWriter() bool { return d.dialect == dialectSQLite }

const advisoryKey = "hashtextextended(current_schema() || '/' || ?, 0)"

func (d *DB) tryAdvisoryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: get connection: %w", name, err)
	}
	var ok bool
	if err := d.queryRow(ctx, conn, "SELECT pg_try_advisory_lock("+advisoryKey+")", name).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	unlock := sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var released bool
		err := d.queryRow(ctx, conn, "SELECT pg_advisory_unlock("+advisoryKey+")", name).Scan(&released)
		if err != nil || !released {
			// End the session rather than return a connection that may
			// still hold the lock to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	})
	return unlock, true, nil
}

func (d *DB) lockTTL() time.Duration {
	if d.LockTTL > 0 {
		return d.LockTTL
	}
	return DefaultLockTTL
}

// processToken tells this process from an earlier one that had the same
// PID on the same host.
var processToken = randomToken(8)

// holderGone reports whether the holder of a lock row, recorded with its
// host, PID and process token, is a process of this host that has ended.
func (d *DB) holderGone(host string, pid int, process string) bool {
	if host == "" || host != d.Host || pid <= 0 {
		return false // another host's processes cannot be seen
	}
	if pid == d.PID {
		return process != processToken
	}
	return !processRuns(pid)
}

func (d *DB) tryRowLock(ctx context.Context, name string) (func(), bool, error) {
	owner := d.Instance + "/" + randomToken(8)
	var ok bool
	err := d.inTx(ctx, func(tx *txn) error {
		now := d.Now()
		if _, err := d.exec(ctx, tx, "DELETE FROM locks WHERE name = ? AND expires_at <= ?", name, now.UnixMilli()); err != nil {
			return fmt.Errorf("clear expired lock %s: %w", name, err)
		}
		var holder, host, process string
		var pid int
		err := d.queryRow(ctx, tx, "SELECT owner, host, pid, process FROM locks WHERE name = ?", name).Scan(&holder, &host, &pid, &process)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("look up lock %s: %w", name, err)
		case d.holderGone(host, pid, process):
			if _, err := d.exec(ctx, tx, "DELETE FROM locks WHERE name = ? AND owner = ?", name, holder); err != nil {
				return fmt.Errorf("clear lock %s of a dead holder: %w", name, err)
			}
		}
		res, err := d.exec(ctx, tx, "INSERT INTO locks (name, owner, expires_at, host, pid, process) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
			name, owner, now.Add(d.lockTTL()).UnixMilli(), d.Host, d.PID, processToken)
		if err != nil {
			return fmt.Errorf("lock %s: %w", name, err)
		}
		n, err := res.RowsAffected()
		ok = err == nil && n == 1
		return err
	})
	if err != nil || !ok {
		return nil, false, err
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d.lockTTL() / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), d.lockTTL()/3)
				// A failed renewal is retried at the next tick; the lease
				// outlives two missed ticks.
				_, _ = d.exec(ctx, d.db, "UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?",
					d.Now().Add(d.lockTTL()).UnixMilli(), name, owner)
				cancel()
			}
		}
	}()
	unlock := sync.OnceFunc(func() {
		close(stop)
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = d.exec(ctx, d.db, "DELETE FROM locks WHERE name = ? AND owner = ?", name, owner)
	})
	return unlock, true, nil
}
