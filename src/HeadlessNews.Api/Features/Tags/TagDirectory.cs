using System.Collections.Frozen;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using Npgsql;

namespace HeadlessNews.Api.Features.Tags;

/// <summary>
/// Every tag's slug, name and kind by id, as one state of the tags table (its tag_generation number, migration 0051),
/// so delivery pages carry only their cards' tag ids: joining tags for a page cost more than reading the page. A copy
/// is used only for a page that read the same number in its own snapshot; otherwise the copy is read again on the
/// page's connection (one reader at a time, the others wait for it). A tag written on another instance is therefore
/// shown from the next page on, with no message between instances to wait for.
/// </summary>
internal sealed class TagDirectory
{
    private sealed record Copy(long Generation, FrozenDictionary<Guid, TagRef> Tags);

    // One statement, so the number and the tags are of one snapshot (a row with no tag when there are none).
    private const string ReadAll = """
        select g.n as generation, t.id, t.slug, t.name, t.kind
        from (select coalesce((select n from tag_generation), 0) as n) g left join tags t on true
        """;

    private const string ReadSome = "select id, slug, name, kind from tags where id = any(@ids)";

    private volatile Copy _copy = new(-1, FrozenDictionary<Guid, TagRef>.Empty);
    private readonly SemaphoreSlim _reading = new(1, 1);

    /// <summary>
    /// The tags of each card, in the order of its ids, from the copy of the page's generation. An id the copy does
    /// not hold (the tags changed again between the page and reading the copy) is asked of the database by id.
    /// </summary>
    public async Task<IReadOnlyList<TagRef>[]> TagsOfAsync(
        NpgsqlConnection connection, long generation, IReadOnlyList<Guid[]?> tagIds, CancellationToken ct)
    {
        var tags = await CopyAsync(connection, generation, ct);
        var missing = tagIds.SelectMany(ids => ids ?? []).Where(id => !tags.ContainsKey(id)).Distinct().ToArray();
        if (missing.Length > 0)
        {
            var found = (await connection.QueryAsync<(Guid Id, string Slug, string Name, string Kind)>(
                new CommandDefinition(ReadSome, new { ids = missing }, cancellationToken: ct))).ToDictionary(t => t.Id, t => new TagRef(t.Slug, t.Name, t.Kind));
            tags = tags.Concat(found).ToFrozenDictionary();
        }
        // A tag deleted since the page was read is left out.
        return [.. tagIds.Select(ids => (IReadOnlyList<TagRef>)[.. (ids ?? []).Where(tags.ContainsKey).Select(id => tags[id])])];
    }

    private async Task<FrozenDictionary<Guid, TagRef>> CopyAsync(NpgsqlConnection connection, long generation, CancellationToken ct)
    {
        var copy = _copy;
        if (copy.Generation == generation)
            return copy.Tags;
        await _reading.WaitAsync(ct);
        try
        {
            copy = _copy;
            if (copy.Generation == generation)
                return copy.Tags;
            var rows = (await connection.QueryAsync<(long Generation, Guid? Id, string Slug, string Name, string Kind)>(
                new CommandDefinition(ReadAll, cancellationToken: ct))).AsList();
            var tags = rows.Where(t => t.Id is not null).ToFrozenDictionary(t => t.Id!.Value, t => new TagRef(t.Slug, t.Name, t.Kind));
            _copy = new Copy(rows[0].Generation, tags);
            return tags;
        }
        finally
        {
            _reading.Release();
        }
    }
}
