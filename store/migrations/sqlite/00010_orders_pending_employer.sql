-- +goose Up
-- send-iwos streams the orders needing an IWO by employer FEIN, then ID
-- (store.EachOrder), a page at a time after the last (FEIN, ID) read. This
-- index holds only those orders, in that order, so each page is a short
-- range scan on the first night (every order pending) as on a typical one
-- (a few thousand of a million). It replaces orders_pending, which only
-- the listing send-iwos made before used: keeping both cost the import of
-- 300,000 orders a fifth more CPU (iwo bench night, docs/scaling.md).
CREATE INDEX orders_pending_employer ON orders (employer_fein, id) WHERE pending_action <> '';
DROP INDEX orders_pending;

-- +goose Down
CREATE INDEX orders_pending ON orders (pending_action) WHERE pending_action <> '';
DROP INDEX orders_pending_employer;
