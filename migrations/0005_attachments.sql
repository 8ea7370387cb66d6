-- Attachments the assistant reads (issue 13): bytes in chunks, what the model gets, quotas.
--
-- Bytes live in attachment_chunks, 256 KiB per row, written one statement per chunk: on the
-- embedded database (one connection, one query at a time) a 10 MB bytea in one statement held
-- every other query for seconds, chunks let them through in between (lib/attachments/store.ts).
-- variant 'o' is the uploaded original, 'm' the copy prepared for the model (a resized image).
-- No owner column of its own: statements reach chunks through their attachment's owner, so
-- moving an attachment to another owner (a visitor signing in) moves its bytes too.
create table attachment_chunks (
  attachment_id text not null references attachments (id) on delete cascade,
  variant text not null check (variant in ('o', 'm')),
  ord integer not null,
  data bytea not null,
  primary key (attachment_id, variant, ord)
);

-- Uploads made before this migration move into chunks (one chunk each).
insert into attachment_chunks (attachment_id, variant, ord, data)
  select id, 'o', 0, bytes from attachments where bytes is not null;
update attachments set bytes = null where bytes is not null;

alter table attachments
  -- bytes this attachment holds (original + model copy): the owner's quota adds these up
  add column stored_bytes bigint not null default 0,
  -- image | pdf | text | other, decided from the bytes and the name (lib/attachments/sniff.ts)
  add column kind text,
  -- what the model reads, once prepared (null until then): {"text", "textTotal", "pages",
  -- "problem", "image": {"mime", "width", "height"} for a model copy in chunks of variant 'm'}
  add column model jsonb,
  -- the user message that references it; once set the attachment is locked to it
  add column item_id text;

update attachments a set stored_bytes = coalesce((
  select sum(length(c.data)) from attachment_chunks c where c.attachment_id = a.id), 0);

-- Attachments already in a thread belong to the user message that lists them.
update attachments a set item_id = coalesce((
  select ti.id from thread_items ti
  where ti.thread_id = a.thread_id and ti.type = 'user_message'
    and ti.payload -> 'attachments' @> jsonb_build_array(jsonb_build_object('id', a.id))
  limit 1), 'unknown')
where a.thread_id is not null;

create index attachments_owner_bytes on attachments (owner_id) include (stored_bytes);
-- the sweep's candidates: never referenced, oldest first
create index attachments_unreferenced on attachments (created_at) where item_id is null;

-- Uploads per owner per hour (fixed windows, UTC), counted even when the upload is deleted later.
create table attachment_upload_windows (
  owner_id text not null,
  window_start timestamp not null,
  count integer not null,
  primary key (owner_id, window_start)
);
create index attachment_upload_windows_start on attachment_upload_windows (window_start);
