-- The per-account slow-down of sign-ins (lib/auth/sign_in_slowdown.ts), shared by every
-- instance. One row per account and client address: an attacker's tries slow down only the
-- attacker's address, never the account's owner elsewhere. account_hash is the SHA-256 (hex) of
-- the normalised email, so that neither made-up addresses nor real ones are kept as given.
create table sign_in_attempts (
  account_hash text not null,
  address text not null,
  attempts integer not null,
  last_at timestamptz not null,
  primary key (account_hash, address)
);
create index sign_in_attempts_last_at on sign_in_attempts (last_at);
