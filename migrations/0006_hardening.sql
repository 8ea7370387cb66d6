-- Hardening (issue 14).

-- One turn per thread at a time, across instances: a turn marks its thread with its id and an
-- expiry (a conditional update, not a lock held for the stream), renews the mark while it
-- streams and clears it when it ends. A mark whose instance died expires by itself.
alter table threads add column turn_id text;
alter table threads add column turn_expires_at timestamptz;

-- Visitors whose signed cookie was renewed (at most once a day each): a visitor's threads stay
-- reachable while the cookie is valid, so threads of a visitor not seen for the visitor
-- lifetime (and older than it) are deleted. Visitors who had threads before this migration
-- count as seen now, so upgrading deletes nothing.
create table visitors (
  id text primary key,
  seen_at timestamptz not null default now()
);
create index visitors_seen_at on visitors (seen_at);
insert into visitors (id)
  select distinct substr(owner_id, 6) from threads where owner_id like 'anon:%'
  on conflict do nothing;
create index threads_anon_created on threads (created_at) where owner_id like 'anon:%';

-- better-auth's rate limiter, stored in the database so that every instance shares it
-- (better-auth 1.7.25's "rateLimit" model; lastRequest is in epoch milliseconds).
create table "rateLimit" (
  "id" text not null primary key,
  "key" text not null unique,
  "count" integer not null,
  "lastRequest" bigint not null
);
create index "rateLimit_lastRequest_idx" on "rateLimit" ("lastRequest");
