-- W3 (W): every session has exactly one session_start event, and it is the first event (by
-- position and by time).
WITH e AS (
  SELECT session_key,
         count(*) FILTER (WHERE event_name = 'session_start') AS starts,
         min(event_index) FILTER (WHERE event_name = 'session_start') AS start_index,
         min(event_timestamp) FILTER (WHERE event_name = 'session_start') AS start_ts,
         min(event_index) AS first_index,
         min(event_timestamp) AS first_ts
  FROM web_events GROUP BY session_key
)
SELECT s.session_key, e.starts, e.start_index, e.first_index, e.start_ts, e.first_ts
FROM web_sessions s
LEFT JOIN e ON e.session_key = s.session_key
WHERE e.starts IS NULL OR e.starts <> 1 OR e.start_index <> e.first_index OR e.start_ts > e.first_ts;
