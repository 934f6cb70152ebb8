-- The delivery cache asks for the next scheduled publish time so no cached page outlives it.
create index articles_next_scheduled on articles (published_at) where status = 'scheduled';
