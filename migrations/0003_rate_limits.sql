-- Fixed-window counters of new messages (lib/auth/rate_limit.ts), shared by every instance.
-- key is 'owner:<owner id>' or 'addr:<client address>'; period is 'minute' or 'day';
-- window_start is the start of the window in UTC.
create table rate_limits (
  key text not null,
  period text not null check (period in ('minute', 'day')),
  window_start timestamp not null,
  count integer not null,
  primary key (key, period, window_start)
);
create index rate_limits_window_start on rate_limits (window_start);
