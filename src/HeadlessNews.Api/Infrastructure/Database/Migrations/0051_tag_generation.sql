-- Delivery lists and search name a card's tags by id and look their slug, name and kind up in a copy of the tags
-- table each instance keeps in memory (TagDirectory): joining tags for every page cost more than the page itself.
-- tag_generation says which state of the tags table a copy is of. Every statement that changes tags gives it a new
-- number in the same transaction, so a page and the number it reads come from one snapshot; a copy is used only
-- when its number is the page's. The numbers come from a sequence, so they are never handed out twice, even if the
-- row is deleted (it comes back with the next change; until then the number reads as 0).
create sequence tag_generation_numbers;

create table tag_generation (
    only_row boolean primary key default true check (only_row),
    n        bigint not null
);
insert into tag_generation (n) values (nextval('tag_generation_numbers'));

create function tags_new_generation() returns trigger language plpgsql as $$
begin
    insert into tag_generation (only_row, n) values (true, nextval('tag_generation_numbers'))
    on conflict (only_row) do update set n = excluded.n;
    return null;
end $$;

create trigger tags_new_generation after insert or update or delete on tags
    for each statement execute function tags_new_generation();
create trigger tags_new_generation_on_truncate after truncate on tags
    for each statement execute function tags_new_generation();
