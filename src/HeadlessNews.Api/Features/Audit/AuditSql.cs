namespace HeadlessNews.Api.Features.Audit;

internal static class AuditSql
{
    public const string Insert = """
        insert into audit_log (key_id, key_name, role, action, method, path, resource_type, resource_id, client_address)
        values (@KeyId, @KeyName, @Role, @Action, @Method, @Path, @ResourceType, @ResourceId, @ClientAddress)
        returning id
        """;

    public const string Complete = """
        update audit_log set status_code = @StatusCode, resource_id = coalesce(resource_id, @ResourceId) where id = @Id
        """;

    public const string Page = """
        select id, at, key_id, key_name, role, action, method, path, resource_type, resource_id, status_code, client_address
        from audit_log
        where (@keyId::text is null or key_id = @keyId)
          and (@action::text is null or action = @action)
          and (@resourceType::text is null or resource_type = @resourceType)
          and (@resourceId::text is null or resource_id = @resourceId)
          and (@since::timestamptz is null or at >= @since)
          and (@until::timestamptz is null or at < @until)
          and (@before::bigint is null or id < @before)
        order by id desc
        limit @limit
        """;
}
