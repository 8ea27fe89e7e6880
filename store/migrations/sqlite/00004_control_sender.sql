-- +goose Up
-- Who assigned an inbound e-IWO file's control number (File.Sender; what
-- makes a sender is decided in jobs.controlSender). A sender never reuses a
-- control number (spec §8.1 edit 7): of its files with one control number
-- at most one is applied. ApplyAcknowledgments checks it inside its
-- transaction; this index serves that look-up and enforces the rule.
ALTER TABLE files ADD COLUMN control_sender TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX files_applied_control ON files (control_sender, control_number)
    WHERE applied_at IS NOT NULL AND control_sender <> '';
-- The agency's own control numbers (outbound IWO files, recorded by
-- RecordSent) are never reused either.
CREATE UNIQUE INDEX files_sent_control ON files (control_number)
    WHERE direction = 'out' AND control_number <> '';

-- +goose Down
DROP INDEX files_sent_control;
DROP INDEX files_applied_control;
ALTER TABLE files DROP COLUMN control_sender;
