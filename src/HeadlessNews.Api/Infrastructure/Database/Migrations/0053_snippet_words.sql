-- A search hit's snippet is made from the start of its text: the standfirst and the first 300 characters of the body.
-- ts_headline parsed and stemmed that text again for every hit of every search: 60-70 µs a hit, 1.4 ms of a 21-hit
-- page, a third of what PostgreSQL spent on a search. The text is the same every time, so it is parsed when it is
-- written: its tokens in order, each with the lexeme it has in the search vector (an empty string for a stop word,
-- null for what is not a word: spaces, punctuation, markup). Search returns them, and the API marks the tokens whose
-- lexeme the query asks for (SearchSnippet).
--
-- The tokens are the text parser's, in the article's text-search language; a hyphenated word and a URL come from the
-- parser whole and then in parts, and only the parts are kept, so the tokens put together are the text again.
-- A word's lexeme is found by its position in to_tsvector of the same text: each token the configuration maps to
-- dictionaries takes the next position (stop words too), which is how to_tsvector counts them, except a word of 2047
-- bytes or more, which it leaves out ("word is too long to be indexed"), and here is not a word. A configuration
-- whose dictionaries can all refuse a word (none of PostgreSQL's own) would put later lexemes on the wrong words:
-- the wrong words marked, nothing else.
create function snippet_words(config regconfig, document text, out tokens text[], out lexemes text[])
    language sql stable parallel safe
    as $$
    with setup as (
        select c.cfgparser as parser,
               array(select m.maptokentype from pg_ts_config_map m where m.mapcfg = config) as mapped,
               -- The default parser's (every built-in configuration's) url, numhword, asciihword and hword: asking
               -- ts_token_type for them cost 1.1 ms an article.
               case when c.cfgparser = 3722 then '{5,15,16,17}'::int[]
                    else array(select t.tokid from ts_token_type(c.cfgparser) t
                               where t.alias in ('asciihword', 'hword', 'numhword', 'url')) end as whole
        from pg_ts_config c where c.oid = config
    ),
    parsed as (
        select p.ord, p.tokid, p.token, p.tokid = any(s.mapped) and octet_length(p.token) < 2047 as word,
               p.tokid = any(s.whole) as whole
        from setup s, ts_parse(s.parser, document) with ordinality p(tokid, token, ord)
    ),
    positioned as (
        select p.*, sum(p.word::int) over (order by p.ord) as pos from parsed p
    ),
    found as (
        select f.pos, min(v.lexeme) as lexeme
        from unnest(to_tsvector(config, document)) v, unnest(v.positions) f(pos)
        group by f.pos
    )
    select coalesce(array_agg(p.token order by p.ord), '{}'),
           coalesce(array_agg(case when p.word then coalesce(f.lexeme, '') end order by p.ord), '{}')
    from positioned p
    left join found f on p.word and f.pos = p.pos
    where not p.whole
    $$;

-- A row while the article is published or scheduled, as article_search_heads (0050); deleting an article cascades.
-- The tokens and the lexemes are each stored joined by a unit separator (U+001F), a lexeme that is no word as a record
-- separator (U+001E): an article's text cannot hold control characters (TextRules), and reading 21 pairs of text
-- arrays was a fifth of the API's time on a search, where splitting two strings is next to nothing.
create table article_snippet_words (
    article_id uuid primary key references articles (id) on delete cascade,
    tokens     text not null,
    lexemes    text not null
);

create function article_snippet_words_follow() returns trigger language plpgsql as $$
begin
    if new.status in ('published', 'scheduled') then
        insert into article_snippet_words (article_id, tokens, lexemes)
        select new.id, array_to_string(w.tokens, E'\x1f'), array_to_string(w.lexemes, E'\x1f', E'\x1e')
        from snippet_words(new.search_language, coalesce(new.summary, '') || ' ' || left(new.body_markdown, 300)) w
        on conflict (article_id) do update set tokens = excluded.tokens, lexemes = excluded.lexemes;
    elsif tg_op = 'UPDATE' and old.status in ('published', 'scheduled') then
        delete from article_snippet_words where article_id = new.id;
    end if;
    return null;
end
$$;

create trigger articles_snippet_words
    after insert or update of summary, body_markdown, search_language, status on articles
    for each row execute function article_snippet_words_follow();

insert into article_snippet_words (article_id, tokens, lexemes)
select a.id, array_to_string(w.tokens, E'\x1f'), array_to_string(w.lexemes, E'\x1f', E'\x1e')
from articles a, snippet_words(a.search_language, coalesce(a.summary, '') || ' ' || left(a.body_markdown, 300)) w
where a.status in ('published', 'scheduled');
