-- Visitor lifetimes (issue 14): the visitor cookie carries its issue time and expires after
-- auth.visitorSeconds; a cookie renewed in use, and an embed's new or renewed visitor token,
-- record the visitor as seen in `visitors` (0006) first. Threads of visitors nobody can reach
-- any more (not seen for the longest visitor lifetime, threads older than it) are deleted by
-- lib/auth/visitor_sweep.ts.
--
-- Until now nothing renewed `seen_at`, and embed visitors were never recorded: every visitor
-- who has threads counts as seen now, so upgrading deletes nothing and a cookie of the first
-- format (no issue time) still holds for one lifetime, renewed into the new one on its next use.
insert into visitors (id, seen_at)
  select distinct substr(owner_id, 6), now() from threads where owner_id like 'anon:%'
  on conflict (id) do update set seen_at = greatest(visitors.seen_at, excluded.seen_at);
