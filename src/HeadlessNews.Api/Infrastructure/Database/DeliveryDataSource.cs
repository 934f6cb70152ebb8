using HeadlessNews.Api.Infrastructure.Cluster;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// Where delivery reads go. Two pools per server: one for the hot reads whose plans do not depend on their
/// parameters (a slug looked up by a unique index, keyset walks down an index, related cards, a search box's first
/// page, whose statement takes the shape its words need from PostgreSQL's statistics: SearchStatistics), whose
/// statements are prepared automatically and always run on the generic plan (planning the related-cards or search
/// query costs more than running it); and one for reads PostgreSQL plans each time (every other search: excluded
/// words, phrases, OR, filters, later pages; the next scheduled publish time). With
/// ConnectionStrings:HeadlessNewsReplica set, both pairs exist
/// and <see cref="ReplicaState"/> picks the standby while it is up, close enough behind and past every write this
/// process knows of; otherwise the primary. Management reads and every write use the primary pool directly.
/// </summary>
internal sealed class DeliveryDataSource(
    NpgsqlDataSource primaryHot, NpgsqlDataSource primarySearch, NpgsqlDataSource? replicaHot, NpgsqlDataSource? replicaSearch, ReplicaState replica)
    : IAsyncDisposable
{
    /// <summary>The pool for hot delivery reads, on the standby when it may answer.</summary>
    public NpgsqlDataSource Source => replicaHot is not null && replica.UseReplica ? replicaHot : primaryHot;

    /// <summary>The pool for delivery reads planned each time, on the standby when it may answer.</summary>
    public NpgsqlDataSource Search => replicaSearch is not null && replica.UseReplica ? replicaSearch : primarySearch;

    /// <summary>The standby's hot pool, when one is configured (its monitor asks it how far it has replayed).</summary>
    public NpgsqlDataSource? Replica => replicaHot;

    public bool HasReplica => replicaHot is not null;

    public static void Configure(NpgsqlConnectionStringBuilder connection)
    {
        if (connection.MaxAutoPrepare == 0)
            connection.MaxAutoPrepare = 64;
        // No JIT: a generic plan does not know its page size and guesses a tenth of the table, so a list's estimated
        // cost passed jit_above_cost and every execution of it compiled its expressions (14 ms for a 1 ms page).
        // Random page reads priced as what they are for a hot read, a page in memory (PostgreSQL's default of 4 is for
        // spinning disks): these statements are written for their indexes, and a generic plan cannot see what a
        // sequential scan would really cost. A small archive just imported (2,000 articles), whose full-text indexes
        // had no statistics of their own yet (VACUUM keeps them), had search's newest body slice scan the copy whole,
        // decompressing every body vector to test it: 10-11 ms a search, 130-160 req/s, against 1,293 through the
        // index (the bench words, 32 connections). The 100,000-article archive's search plan is the same either way.
        connection.Options = $"{connection.Options} -c plan_cache_mode=force_generic_plan -c jit=off -c random_page_cost=1.1".Trim();
        // Delivery reads leave nothing in the session (no SET, LISTEN, temporary table or advisory lock), so the reset
        // Npgsql sends when a connection comes back to the pool (RESET ALL, CLOSE ALL, UNLISTEN * and more, run in
        // front of the next request's first statement) would buy nothing; it cost about 0.1 ms of the server's time per
        // request, a fifth of an article page's.
        connection.NoResetOnClose = true;
    }

    /// <summary>Drops idle connections everywhere: after an outage they may all be dead.</summary>
    public void ClearAll()
    {
        primaryHot.Clear();
        replicaHot?.Clear();
        replicaSearch?.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await primaryHot.DisposeAsync();
        if (replicaHot is not null)
            await replicaHot.DisposeAsync();
        if (replicaSearch is not null)
            await replicaSearch.DisposeAsync();
    }
}
