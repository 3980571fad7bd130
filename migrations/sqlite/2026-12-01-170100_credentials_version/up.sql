-- Every token carries its subject's credentials version (`ver`); rotating a partner's secret,
-- disabling a partner or a user bumps it, and older tokens are refused at once.
ALTER TABLE partners ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 1;
