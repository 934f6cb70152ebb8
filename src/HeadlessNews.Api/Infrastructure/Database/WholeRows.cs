using System.Data.Common;
using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// Rows read whole, asynchronously, then mapped by Dapper's row parser (names matched as everywhere else). Dapper's own
/// async QueryAsync reads with SequentialAccess, and Npgsql then reads a long column that straddles its buffer (an
/// article's body, a search hit's snippet words) with a blocking socket read on the request's thread.
/// </summary>
internal static class WholeRows
{
    public static async Task<List<T>> QueryWholeAsync<T>(this NpgsqlConnection connection, CommandDefinition command)
    {
        // Closed asynchronously, then disposed: Dapper's reader disposes its command only in Dispose, not DisposeAsync.
        using var reader = await connection.ExecuteReaderAsync(command);
        var rows = await reader.ReadWholeAsync<T>(command.CancellationToken);
        await reader.CloseAsync();
        return rows;
    }

    /// <summary>The rest of the reader's current result.</summary>
    public static async Task<List<T>> ReadWholeAsync<T>(this DbDataReader reader, CancellationToken ct)
    {
        var rows = new List<T>();
        var parse = reader.GetRowParser<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(parse(reader));
        return rows;
    }
}
