using Dapper;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Auth;

/// <summary>
/// The readers this instance has seen lately, by sign-in identity (issuer and subject) with the name, email and staff mark
/// their token carried. A token that says what the entry says costs no database round trip: front ends send the token on
/// every public read, and those reads must not each write to (or even ask) the primary. The reader row is written only
/// when something changed: first sight, another name, email or staff mark, or once the entry is an hour old (the
/// "last seen" touch, at most hourly per instance). Nothing here decides bans: a ban must hold at once on every instance,
/// so every reader operation asks the primary (<see cref="ReaderStanding"/>).
/// </summary>
internal sealed class KnownReaders : IDisposable
{
    /// <summary>How long an entry lives; the next token after it touches last_seen_at (when the row is older than this).</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromHours(1);

    // Bounded: a flood of distinct valid tokens (only the site's sign-in can mint them) evicts, never grows without end.
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private long _upserts;

    /// <summary>Reader upserts this instance ran (diagnostics and tests): tokens it could not answer from memory.</summary>
    public long Upserts => Interlocked.Read(ref _upserts);

    public sealed record Identity(string Issuer, string Subject, string Name, string? Email, bool Staff);

    private sealed record Entry(Guid Id, Identity Identity);

    // The first valid token makes the reader; later ones keep the name, email and staff mark as the site says now. The
    // row is updated only when one of those changed or it was last touched over an hour ago; otherwise it is only read.
    private const string Upsert = """
        with up as (
            insert into readers (issuer, subject, display_name, email, staff)
            values (@Issuer, @Subject, @Name, @Email, @Staff)
            on conflict (issuer, subject) do update
            set display_name = excluded.display_name, email = excluded.email, staff = excluded.staff, last_seen_at = now()
            where (readers.display_name, readers.email, readers.staff) is distinct from (excluded.display_name, excluded.email, excluded.staff)
               or readers.last_seen_at < now() - interval '1 hour'
            returning id
        )
        select id from up
        union all
        select id from readers where issuer = @Issuer and subject = @Subject and not exists (select 1 from up)
        """;

    /// <summary>The reader's id: from memory when the token says what was last written, else from the primary.</summary>
    public async ValueTask<Guid> ResolveAsync(NpgsqlDataSource primary, Identity identity, CancellationToken ct)
    {
        var key = (identity.Issuer, identity.Subject);
        if (_entries.TryGetValue(key, out Entry? known) && known!.Identity == identity)
            return known.Id;
        Interlocked.Increment(ref _upserts);
        await using var connection = primary.CreateConnection();
        // A first sight racing another request's for the same reader can find nothing: the insert waits for the other
        // to commit and then updates nothing, and the fallback select still reads the snapshot from before that commit.
        // Asked again, the statement sees the committed row.
        var id = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(Upsert, identity, cancellationToken: ct))
                 ?? await connection.QuerySingleAsync<Guid>(new CommandDefinition(Upsert, identity, cancellationToken: ct));
        _entries.Set(key, new Entry(id, identity), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TouchEvery });
        return id;
    }

    /// <summary>Forgets an identity whose reader row is gone (erased): its next token makes a new reader.</summary>
    public void Forget(Identity identity) => _entries.Remove((identity.Issuer, identity.Subject));

    public void Dispose() => _entries.Dispose();
}
