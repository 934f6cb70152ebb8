using HeadlessNews.Api.Infrastructure.Database;
using Npgsql;

namespace HeadlessNews.Api.Features.Audit;

/// <summary>
/// The audit trail's own small pool: a burst of writes that takes every connection of the main pool must not keep
/// the trail from recording them (entries written after the answer, from the main pool, used to be dropped).
/// </summary>
internal sealed class AuditDataSource(NpgsqlDataSource source) : OwnPool(source);
