using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// Transactions PostgreSQL aborts to resolve a conflict between writers (a deadlock, a serialization failure)
/// did nothing and can simply run again. A few tries, a short random pause between them so the writers fall out
/// of step; if they still conflict the exception goes on and the request is answered 503 with Retry-After.
/// </summary>
internal static class Retrying
{
    private const int Attempts = 4;

    public static bool IsConflict(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    public static async Task<T> OnConflictAsync<T>(Func<Task<T>> transaction)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await transaction();
            }
            catch (Exception e) when (IsConflict(e) && attempt < Attempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt));
            }
        }
    }
}
