-- +goose Up
-- send-iwos streams the orders needing an IWO by employer FEIN, then ID
-- (store.EachOrder), a page at a time after the last (FEIN, ID) read. This
-- index holds only those orders, in that order, so each page is a short
-- range scan on the first night (every order pending) as on a typical one
-- (a few thousand of a million).
CREATE INDEX orders_pending_employer ON orders (employer_fein, id) WHERE pending_action <> '';

-- +goose Down
DROP INDEX orders_pending_employer;
