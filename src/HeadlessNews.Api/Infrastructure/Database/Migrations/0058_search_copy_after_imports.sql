-- A bulk import wrote every article of its file into search's copy of the newest articles (0052, 0055, 0056) and,
-- as the file moved on, dropped or unflagged most of them again: on 20,000 benchmark articles imported oldest first,
-- the copy was 46 of the import's 83 s (its vectors made a second time, three full-text indexes, and the unflagging,
-- an update that writes the body's index entries again). A transaction that sets headlessnews.defer_search_copy to
-- 'on' (ArticleImporter's batches) adds no row there for the articles it creates; the rows of the articles it
-- changes are kept as always, so an article already found stays found while an import runs. The rows the copy's
-- rules say it should have and lacks are added by RecentBodies.FillAsync: at the end of an import, and by a running
-- API every minute while no import writes, so an import that stopped half way is caught up too. Until then a search misses the
-- articles an import created newer than the copy's horizon, as it missed them before they were imported;
-- visibility is still each search's own (it reads articles through visible_articles), so nothing not public shows.
create or replace function article_search_recent_follow() returns trigger language plpgsql as $$
declare
    horizon article_search_recent_horizon;
begin
    if tg_op = 'INSERT' and current_setting('headlessnews.defer_search_copy', true) = 'on' then
        return null;
    end if;
    select * into horizon from article_search_recent_horizon;
    if new.status in ('published', 'scheduled') and new.published_at > horizon.kept_after then
        insert into article_search_recent (article_id, published_at, newest, body, head, title_key)
        values (new.id, new.published_at, new.published_at > horizon.newest_after,
                article_search_vector(new.search_language, new.title, new.tag_names, new.summary, new.body_markdown),
                article_search_head(new.search_language, new.title, new.tag_names, new.summary),
                array_to_string(suggestion_words_of(new.title), ' '))
        on conflict (article_id) do update
            set published_at = excluded.published_at, newest = excluded.newest, body = excluded.body,
                head = excluded.head, title_key = excluded.title_key;
    elsif tg_op = 'UPDATE' then
        delete from article_search_recent where article_id = new.id;
    end if;
    return null;
end
$$;
