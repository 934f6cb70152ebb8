-- The tag links of visible articles. A link's published_at is its article's publish time while the article is
-- published or scheduled, and null otherwise (the triggers of 0004), so "published_at <= now()" here is the
-- visible_articles rule seen from the link: lists and counts by tag can use the link index alone.
create view visible_tag_links as
    select article_id, tag_id, position, published_at
    from article_tags
    where published_at <= now();
