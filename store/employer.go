package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

const employerCols = `fein, name, address_line1, address_line2, city, state, zip, zip4,
	contact_name, contact_phone, contact_fax, contact_email, eiwo, partner,
	pay_frequency, pay_anchor`

func scanEmployer(s interface{ Scan(...any) error }) (*withholding.Employer, error) {
	var e withholding.Employer
	err := s.Scan(&e.FEIN, &e.Name, &e.Address.Line1, &e.Address.Line2, &e.Address.City,
		&e.Address.State, &e.Address.ZIP, &e.Address.ZIP4, &e.Contact.Name, &e.Contact.Phone,
		&e.Contact.Fax, &e.Contact.Email, &e.EIWO, &e.Partner, &e.PayFrequency, dateDest{&e.PayAnchor})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// FindEmployerByFEIN returns the employer with fein, ENOTFOUND if none.
//
// Its statement is kept for the DB (keptRow): send-iwos looks up each of a
// state's 20,000 employers in turn, and parsing the query each time was
// half of that.
func (d *DB) FindEmployerByFEIN(ctx context.Context, fein withholding.FEIN) (*withholding.Employer, error) {
	return employerByFEIN(d.keptRow(ctx, employerByFEINQuery, string(fein)), fein)
}

const employerByFEINQuery = "SELECT " + employerCols + " FROM employers WHERE fein = ?"

func (d *DB) findEmployer(ctx context.Context, q queryer, fein withholding.FEIN) (*withholding.Employer, error) {
	return employerByFEIN(d.queryRow(ctx, q, employerByFEINQuery, string(fein)), fein)
}

// employerByFEIN scans the employer fein from row.
func employerByFEIN(row *sql.Row, fein withholding.FEIN) (*withholding.Employer, error) {
	e, err := scanEmployer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no employer with FEIN %s", fein)
	} else if err != nil {
		return nil, fmt.Errorf("find employer: %w", err)
	}
	return e, nil
}

// FindEmployers returns employers matching filter, by name, and the total
// number of matches. Query matches the FEIN exactly or any part of the name,
// ignoring case.
func (d *DB) FindEmployers(ctx context.Context, filter withholding.EmployerFilter) ([]*withholding.Employer, int, error) {
	var w where
	if filter.FEIN != nil {
		w.add("fein = ?", string(*filter.FEIN))
	}
	if q := strings.TrimSpace(filter.Query); q != "" {
		// An FEIN is printed and read aloud as 90-3080944 and stored as
		// its nine digits.
		fein := q
		if len(q) == 10 && q[2] == '-' {
			fein = q[:2] + q[3:]
		}
		// SQLite's LIKE ignores ASCII case itself; calling LOWER on every
		// name made a search of 20,000 employers twice as slow.
		like := "LIKE"
		if d.dialect == dialectPostgres {
			like = "ILIKE"
		}
		w.add(`(fein = ? OR name `+like+` ? ESCAPE '\')`, fein, "%"+likeEscape(q)+"%")
	}
	n, err := d.count(ctx, "employers", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find employers", scanEmployer, "SELECT "+employerCols+" FROM employers"+w.String()+
		" ORDER BY name, fein"+d.page(filter.Offset, filter.Limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// likeEscape makes s match itself literally in a LIKE pattern with
// ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpsertEmployer creates the employer or replaces the one with e.FEIN.
// Returns EINVALID for a FEIN that is not nine digits.
func (d *DB) UpsertEmployer(ctx context.Context, e *withholding.Employer) error {
	return d.upsertEmployer(ctx, d.db, e)
}

func (d *DB) upsertEmployer(ctx context.Context, q queryer, e *withholding.Employer) error {
	if !e.FEIN.Valid() {
		return withholding.Errorf(withholding.EINVALID, "employer FEIN %q: want 9 digits", e.FEIN)
	}
	now := d.timeArg(d.now())
	_, err := d.exec(ctx, q, `INSERT INTO employers (`+employerCols+`, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (fein) DO UPDATE SET name = excluded.name,
			address_line1 = excluded.address_line1, address_line2 = excluded.address_line2,
			city = excluded.city, state = excluded.state, zip = excluded.zip, zip4 = excluded.zip4,
			contact_name = excluded.contact_name, contact_phone = excluded.contact_phone,
			contact_fax = excluded.contact_fax, contact_email = excluded.contact_email,
			eiwo = excluded.eiwo, partner = excluded.partner,
			pay_frequency = excluded.pay_frequency, pay_anchor = excluded.pay_anchor,
			updated_at = excluded.updated_at`,
		string(e.FEIN), e.Name, e.Address.Line1, e.Address.Line2, e.Address.City, e.Address.State,
		e.Address.ZIP, e.Address.ZIP4, e.Contact.Name, e.Contact.Phone, e.Contact.Fax, e.Contact.Email,
		e.EIWO, e.Partner, string(e.PayFrequency), d.dateArg(e.PayAnchor), now, now)
	if err != nil {
		return fmt.Errorf("upsert employer: %w", err)
	}
	return nil
}
