using System.Collections.Frozen;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using Npgsql;

namespace HeadlessNews.Api.Features.Tags;

/// <summary>
/// Every tag's slug, name and kind by id, as one state of the tags table (named by tag_generation, migration 0051),
/// so delivery pages carry only their cards' tag ids: joining tags for a page cost more than reading the page. A copy
/// is used only for a page that read the same state's name in its own snapshot; otherwise the copy is read again on
/// the page's connection (one reader at a time, the others wait for it). A tag written on another instance therefore
/// shows from the next page on, with no message between instances to wait for. The copy before the newest is kept
/// too, so pages from a snapshot just behind it (a standby a change behind the primary, a request that began before
/// the change) do not make every instance read the tags again and again.
/// </summary>
internal sealed class TagDirectory
{
    private sealed record Copy(Guid? Generation, FrozenDictionary<Guid, TagRef> Tags);

    private sealed record Copies(Copy Newest, Copy Before);

    // One statement, so the name and the tags are of one snapshot (one row with no tag when there are none).
    private const string ReadAll = """
        select g.id as generation, t.id, t.slug, t.name, t.kind
        from (select (select id from tag_generation) as id) g left join tags t on true
        """;

    private const string ReadSome = "select id, slug, name, kind from tags where id = any(@ids)";

    private static readonly Copy None = new(Guid.NewGuid(), FrozenDictionary<Guid, TagRef>.Empty);

    private volatile Copies _copies = new(None, None);
    private readonly SemaphoreSlim _reading = new(1, 1);

    /// <summary>
    /// The tags of each card, in the order of its ids, from the copy of the page's state. An id that copy does not
    /// hold (the tags changed again between the page and reading the copy) is asked of the database by id.
    /// </summary>
    public ValueTask<IReadOnlyList<TagRef>[]> TagsOfAsync(
        NpgsqlConnection connection, Guid? generation, IReadOnlyList<Guid[]?> tagIds, CancellationToken ct)
    {
        // Nearly every page: the copy of its state is held and knows every id, and nothing need wait. A card's list comes
        // out short of its ids exactly when the copy lacks one of them.
        if (Matching(generation) is { } held && Resolve(tagIds, held) is var resolved && Complete(resolved, tagIds))
            return ValueTask.FromResult(resolved);
        return new(ReadAndResolveAsync(connection, generation, tagIds, ct));
    }

    private async Task<IReadOnlyList<TagRef>[]> ReadAndResolveAsync(
        NpgsqlConnection connection, Guid? generation, IReadOnlyList<Guid[]?> tagIds, CancellationToken ct)
    {
        IReadOnlyDictionary<Guid, TagRef> tags = await CopyAsync(connection, generation, ct);
        var missing = tagIds.SelectMany(ids => ids ?? []).Where(id => !tags.ContainsKey(id)).ToHashSet();
        if (missing.Count > 0)
        {
            var found = await connection.QueryAsync<(Guid Id, string Slug, string Name, string Kind)>(
                new CommandDefinition(ReadSome, new { ids = missing.ToArray() }, cancellationToken: ct));
            tags = tags.Concat(found.Select(t => KeyValuePair.Create(t.Id, new TagRef(t.Slug, t.Name, t.Kind)))).ToDictionary();
        }
        return Resolve(tagIds, tags);
    }

    private static bool Complete(IReadOnlyList<TagRef>[] resolved, IReadOnlyList<Guid[]?> tagIds)
    {
        for (var i = 0; i < resolved.Length; i++)
            if (resolved[i].Count != (tagIds[i]?.Length ?? 0))
                return false;
        return true;
    }

    private static IReadOnlyList<TagRef>[] Resolve(IReadOnlyList<Guid[]?> tagIds, IReadOnlyDictionary<Guid, TagRef> tags)
    {
        var resolved = new IReadOnlyList<TagRef>[tagIds.Count];
        for (var i = 0; i < resolved.Length; i++)
            resolved[i] = Of(tagIds[i], tags);
        return resolved;
    }

    // A tag deleted since the page was read is left out.
    private static IReadOnlyList<TagRef> Of(Guid[]? ids, IReadOnlyDictionary<Guid, TagRef> tags)
    {
        var list = new List<TagRef>(ids?.Length ?? 0);
        foreach (var id in ids ?? [])
            if (tags.TryGetValue(id, out var tag))
                list.Add(tag);
        return list;
    }

    private async Task<FrozenDictionary<Guid, TagRef>> CopyAsync(NpgsqlConnection connection, Guid? generation, CancellationToken ct)
    {
        if (Matching(generation) is { } tags)
            return tags;
        await _reading.WaitAsync(ct);
        try
        {
            if (Matching(generation) is { } read)
                return read;
            var rows = (await connection.QueryAsync<(Guid? Generation, Guid? Id, string Slug, string Name, string Kind)>(
                new CommandDefinition(ReadAll, cancellationToken: ct))).AsList();
            var copy = new Copy(rows[0].Generation, rows.Where(t => t.Id is not null)
                .ToFrozenDictionary(t => t.Id!.Value, t => new TagRef(t.Slug, t.Name, t.Kind)));
            _copies = new Copies(copy, _copies.Newest);
            return copy.Tags;
        }
        finally
        {
            _reading.Release();
        }
    }

    private FrozenDictionary<Guid, TagRef>? Matching(Guid? generation)
    {
        var (newest, before) = _copies;
        return newest.Generation == generation ? newest.Tags : before.Generation == generation ? before.Tags : null;
    }
}
