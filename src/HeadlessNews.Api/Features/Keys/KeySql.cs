namespace HeadlessNews.Api.Features.Keys;

internal static class KeySql
{
    public const string Insert = """
        insert into api_keys (name, role, key_hash, key_prefix, requests_per_minute)
        values (@Name, @Role, @Hash, @Prefix, @RequestsPerMinute)
        returning id, name, role, key_prefix, created_at, null::timestamptz as revoked_at, requests_per_minute
        """;

    public const string List = """
        select id, name, role, key_prefix, created_at, revoked_at, requests_per_minute
        from api_keys
        order by created_at desc, id desc
        """;

    public const string Revoke = "update api_keys set revoked_at = now() where id = @id and revoked_at is null";
}
