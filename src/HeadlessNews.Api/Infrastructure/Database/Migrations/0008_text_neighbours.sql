-- Articles whose text is close to an article's title, found when it is published or edited while live
-- (a full-text query too costly to run on every page view) and read by the related-cards query.
create table text_neighbours (
    article_id   uuid not null references articles (id) on delete cascade,
    neighbour_id uuid not null references articles (id) on delete cascade,
    score        real not null,
    primary key (article_id, neighbour_id),
    constraint text_neighbours_no_self check (article_id <> neighbour_id)
);
create index text_neighbours_neighbour on text_neighbours (neighbour_id);
