-- Chat-scoped tokens handed to an embed on another site after a sign-in in our popup
-- (lib/embed/tokens.ts). Only the SHA-256 of a token is kept. A grant ends at expires_at, when
-- revoked (the widget's sign-out) or with the session it came from (sign-out deletes it).
create table embed_grants (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references "user" ("id") on delete cascade,
  session_id text not null references "session" ("id") on delete cascade,
  origin text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index embed_grants_user_id on embed_grants (user_id);
create index embed_grants_expires_at on embed_grants (expires_at);
