-- Delivery lists and search name a card's tags by id and look their slug, name and kind up in a copy of the tags
-- table each instance keeps in memory (TagDirectory): joining tags for every page cost more than the page itself.
-- tag_generation names the state of the tags table a copy is of. Every statement that changes a tag row gives it a
-- new random name in the same transaction, so a page and the name it reads come from one snapshot, and a copy is used
-- only for pages that read its name. Random, not counted: a counter could hand a number out twice (a standby
-- promoted before it received the last change, a restore to an earlier time), and a copy would be taken for a state
-- it is not of. Statements that change no row (an import batch whose tags all exist) leave it alone, so instances
-- do not read their copies again for nothing. Deleted (by a test's reset, say), it reads as no name until the next
-- change writes it again.
create table tag_generation (
    only_row boolean primary key default true check (only_row),
    id       uuid not null
);
insert into tag_generation (id) values (gen_random_uuid());

create function tags_new_generation() returns trigger language plpgsql as $$
begin
    -- Each transition table is named only in the branch of its own event (PL/pgSQL plans a statement when it first
    -- runs it, and the other event's table does not exist).
    if tg_op = 'DELETE' then
        if not exists (select from old_rows) then
            return null;
        end if;
    elsif tg_op in ('INSERT', 'UPDATE') then
        if not exists (select from new_rows) then
            return null;
        end if;
    end if;
    insert into tag_generation (only_row, id) values (true, gen_random_uuid())
    on conflict (only_row) do update set id = excluded.id;
    return null;
end $$;

-- A trigger with transition tables serves one event, hence three, and truncate (which has none) a fourth.
create trigger tags_inserted after insert on tags referencing new table as new_rows
    for each statement execute function tags_new_generation();
create trigger tags_updated after update on tags referencing new table as new_rows
    for each statement execute function tags_new_generation();
create trigger tags_deleted after delete on tags referencing old table as old_rows
    for each statement execute function tags_new_generation();
create trigger tags_truncated after truncate on tags
    for each statement execute function tags_new_generation();
