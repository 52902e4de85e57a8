-- W1 (W): a session ends no earlier than it starts, and no two consecutive events of a session
-- are more than 30 minutes apart (the GA4 session timeout).
WITH e AS (
  SELECT session_key, event_index, event_timestamp,
         lag(event_timestamp) OVER (PARTITION BY session_key ORDER BY event_index) AS previous
  FROM web_events
)
SELECT 'ends before it starts' AS problem, session_key, started_at AS t1, ended_at AS t2
FROM web_sessions WHERE ended_at < started_at OR started_at IS NULL OR ended_at IS NULL
UNION ALL
SELECT 'gap over 30 minutes', session_key, previous, event_timestamp
FROM e WHERE event_timestamp - previous > INTERVAL 30 MINUTE;
