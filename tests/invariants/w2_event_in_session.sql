-- W2 (PC): every event's session exists with the same user_pseudo_id and ga_session_id, and
-- the event time lies within the session.
SELECT e.event_id, e.session_key, e.user_pseudo_id, s.user_pseudo_id AS session_user, e.event_timestamp, s.started_at, s.ended_at
FROM web_events e
LEFT JOIN web_sessions s ON s.session_key = e.session_key
WHERE s.session_key IS NULL
   OR e.user_pseudo_id IS DISTINCT FROM s.user_pseudo_id
   OR e.ga_session_id IS DISTINCT FROM s.ga_session_id
   OR e.event_timestamp < s.started_at
   OR e.event_timestamp > s.ended_at;
