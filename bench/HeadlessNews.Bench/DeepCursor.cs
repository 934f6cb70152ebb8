using HeadlessNews.Api.Infrastructure.Http;
using Npgsql;

namespace HeadlessNews.Bench;

/// <summary>Prints the cursor a client holds after walking <c>skip</c> rows of the newest-first list.</summary>
internal static class DeepCursor
{
    public static async Task<int> RunAsync(string connectionString, int skip)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "select published_at, id from visible_articles order by published_at desc, id desc offset $1 limit 1");
        command.Parameters.AddWithValue(skip - 1);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return 1;
        Console.WriteLine(Cursor.Encode(reader.GetDateTime(0), reader.GetGuid(1)));
        return 0;
    }
}
