-- snippet_words (0053) returned one row, not a set, so PostgreSQL could not inline it into the query that calls it: the
-- function's SQL was parsed and planned again at every call, that is for every article written (the trigger's cached
-- plan starts a fresh executor each time, and the function's plan lives no longer than that executor). That was 0.6-0.8
-- ms an article against 0.18 ms inlined (3,000 calls from PL/pgSQL on the 100,000-article archive), most of what 0053
-- added to an import. The same function, declared to return a table (one row, as before): a SQL function returning a
-- set, stable and not strict, is inlined into its caller's plan, and the trigger's plan is then kept. Its answers are
-- the same; its callers need no change.
drop function snippet_words(regconfig, text);

create function snippet_words(config regconfig, document text) returns table (tokens text[], lexemes text[])
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
