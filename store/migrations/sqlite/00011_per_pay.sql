-- +goose Up
-- The IWO's own per-pay totals (form items 13a–13d, e-IWO DTL elements
-- 45–48), which the calculator prefers to its own conversion; 0 means the
-- IWO leaves the line blank. And an order stated as a percentage of
-- disposable earnings, in hundredths of a percent (2000 = 20%); 0 = none.
ALTER TABLE orders ADD COLUMN per_pay_weekly_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN per_pay_biweekly_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN per_pay_semimonthly_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN per_pay_monthly_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN percent_of_disposable INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN percent_of_disposable;
ALTER TABLE orders DROP COLUMN per_pay_monthly_cents;
ALTER TABLE orders DROP COLUMN per_pay_semimonthly_cents;
ALTER TABLE orders DROP COLUMN per_pay_biweekly_cents;
ALTER TABLE orders DROP COLUMN per_pay_weekly_cents;
