-- W4 (W): within a session the shopping steps come in order — view_item ≤ add_to_cart ≤
-- begin_checkout ≤ purchase — and a step occurs only after the previous one; the funnel_steps
-- table agrees (steps numbered 1..n without gaps, non-decreasing times).
WITH f AS (
  SELECT session_key,
         min(event_timestamp) FILTER (WHERE event_name = 'view_item') AS v,
         min(event_timestamp) FILTER (WHERE event_name = 'add_to_cart') AS a,
         min(event_timestamp) FILTER (WHERE event_name = 'begin_checkout') AS c,
         min(event_timestamp) FILTER (WHERE event_name = 'purchase') AS p
  FROM web_events GROUP BY session_key
),
steps AS (
  SELECT session_key, step_no, reached_at,
         lag(reached_at) OVER (PARTITION BY session_key ORDER BY step_no) AS previous,
         row_number() OVER (PARTITION BY session_key ORDER BY step_no) AS rn
  FROM web_funnel_steps
)
SELECT 'events out of order' AS problem, session_key, v AS t1, a AS t2, c AS t3, p AS t4
FROM f
WHERE a < v OR c < a OR p < c
   OR (a IS NOT NULL AND v IS NULL) OR (c IS NOT NULL AND a IS NULL) OR (p IS NOT NULL AND c IS NULL)
UNION ALL
SELECT 'funnel step out of order', session_key, previous, reached_at, NULL, NULL
FROM steps WHERE reached_at < previous OR step_no <> rn OR reached_at IS NULL;
