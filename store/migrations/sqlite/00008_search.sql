-- +goose Up
-- The console's search box and work queue (issue 16). A help-line agent
-- finds an obligor by the start of the last name (and first name), an
-- order by its order ID, a payment by its ACH trace number; each answers
-- from an index, so a search stays fast with a state's million orders.
-- Names are matched by lower-case prefix ranges (store.prefixCond);
-- the expressions here must stay the ones the queries use.
CREATE INDEX orders_obligor_name ON orders ((lower(obligor_last)), (lower(obligor_first)));
-- A caller's last four digits with a name: the digits first, so that a
-- common name ("lee" starts 9,000 of a million) is not read row by row.
CREATE INDEX orders_ssn4_name ON orders ((substr(obligor_ssn, 6, 4)), (lower(obligor_last)));
CREATE INDEX orders_order_id ON orders (order_id);
CREATE INDEX payments_trace ON payments (trace);
-- Who works an open exception: a console user's name, '' when nobody has
-- taken it. The queue filters on it ("assigned to me", "unassigned").
ALTER TABLE exceptions ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';
CREATE INDEX exceptions_assigned ON exceptions (status, assigned_to);
-- An employer's page lists its open exceptions.
CREATE INDEX exceptions_fein ON exceptions (fein, status);

-- +goose Down
DROP INDEX exceptions_fein;
DROP INDEX exceptions_assigned;
ALTER TABLE exceptions DROP COLUMN assigned_to;
DROP INDEX payments_trace;
DROP INDEX orders_order_id;
DROP INDEX orders_ssn4_name;
DROP INDEX orders_obligor_name;
