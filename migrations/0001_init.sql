-- The ChatKit data model (DESIGN.md). owner_id is a user id or 'anon:<id>'; every query
-- filters by it. Lists page by (created_at, seq): seq breaks timestamp ties, so keyset
-- pagination is stable and never needs OFFSET.

create table threads (
  id text primary key,
  owner_id text not null,
  title text,
  status jsonb not null default '{"type":"active"}',
  metadata jsonb not null default '{}',
  allowed_image_domains jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  seq bigint generated always as identity
);
create index threads_owner_order on threads (owner_id, created_at, seq);

create table thread_items (
  id text primary key,
  thread_id text not null references threads (id) on delete cascade,
  owner_id text not null,
  type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  seq bigint generated always as identity
);
create index thread_items_thread_order on thread_items (thread_id, created_at, seq);

create table item_feedback (
  thread_id text not null references threads (id) on delete cascade,
  item_id text not null references thread_items (id) on delete cascade,
  owner_id text not null,
  kind text not null check (kind in ('positive', 'negative')),
  created_at timestamptz not null default now(),
  primary key (thread_id, item_id)
);
create index item_feedback_item on item_feedback (item_id);

create table attachments (
  id text primary key,
  owner_id text not null,
  thread_id text references threads (id) on delete cascade,
  type text not null check (type in ('file', 'image')),
  name text not null,
  mime_type text not null,
  size bigint not null,
  -- the Attachment as sent to the client (upload_descriptor dropped once uploaded)
  payload jsonb not null,
  bytes bytea,
  uploaded_at timestamptz,
  created_at timestamptz not null default now()
);
create index attachments_owner on attachments (owner_id, created_at);
create index attachments_thread on attachments (thread_id);
