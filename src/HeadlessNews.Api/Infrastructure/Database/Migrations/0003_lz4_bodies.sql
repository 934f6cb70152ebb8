-- Article bodies are the bulk of the data: lz4 compresses and decompresses them several times faster than
-- the default pglz, which shows in bulk imports and in reads of long articles. New values only; old ones
-- keep their compression until rewritten.
alter table articles
    alter column body_markdown set compression lz4,
    alter column body_html set compression lz4;
