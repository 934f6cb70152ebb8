using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FluentValidation;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Features.Revisions;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>
/// Imports NDJSON, one article per line. Every line is checked with the API's own rules before anything is
/// written; good lines are committed a batch at a time with set-based statements (the article, its tags, notes,
/// revision, event and change-feed entry together), so a bad line is reported by number and never leaves half an
/// article. Articles are matched by id, else by slug; one that is already exactly so is left alone, so importing
/// the same file twice changes nothing. Curated links are set last, when every article of the file exists.
/// </summary>
internal sealed class ArticleImporter(
    NpgsqlDataSource db,
    IValidator<ArticleWrite> articleValidator,
    IValidator<TagWrite> tagValidator,
    IValidator<CorrectionWrite> correctionValidator,
    IOptions<HeadlessNewsOptions> options,
    ArticleWriter writer,
    ILogger<ArticleImporter> logger)
{
    public const int BatchSize = 1000;
    private const int MaxReportedErrors = 1000;
    private static readonly string[] Statuses = ["draft", "scheduled", "published", "archived"];
    private static readonly JsonSerializerOptions LineOptions = Strict();

    private sealed record Parsed(int Line, ArticleRecord Record);

    /// <summary>The whole import's tally. Batches write in parallel and merge into it under its lock.</summary>
    private sealed class Run
    {
        public int Lines, Created, Updated, Unchanged, Failed;
        public readonly List<ImportError> Errors = [];
        public readonly HashSet<string> Slugs = [];
        public readonly HashSet<Guid> Ids = [];
        public readonly List<(int Line, Guid Id, IReadOnlyList<string> Related)> Links = [];
        public readonly Dictionary<int, string> Outcomes = [];
        // The articles committed batches wrote, by slug, so later batches need not look them up: each slug of the
        // file names one article for the whole run (a slug or id on two lines is refused).
        public readonly ConcurrentDictionary<string, Guid> Written = new(StringComparer.Ordinal);

        public void Fail(int line, string? field, string message)
        {
            lock (this)
            {
                Failed++;
                if (Errors.Count < MaxReportedErrors)
                    Errors.Add(new ImportError(line, field, message));
            }
        }

        public void Merge(Batch batch)
        {
            lock (this)
            {
                Created += batch.Created;
                Updated += batch.Updated;
                Unchanged += batch.Unchanged;
                Links.AddRange(batch.Links);
                foreach (var (line, outcome) in batch.Outcomes)
                    Outcomes[line] = outcome;
            }
            foreach (var (slug, id) in batch.Written)
                Written[slug] = id;
            foreach (var (line, field, message) in batch.Failures)
                Fail(line, field, message);
        }
    }

    /// <summary>What one batch did; merged into the run only once it has committed.</summary>
    private sealed class Batch
    {
        public int Created, Updated, Unchanged;
        public readonly List<(int Line, Guid Id, IReadOnlyList<string> Related)> Links = [];
        public readonly Dictionary<int, string> Outcomes = [];
        public readonly List<(string Slug, Guid Id)> Written = [];
        public readonly List<(int Line, string Field, string Message)> Failures = [];
    }

    // Two batches in flight: PostgreSQL indexes one (to_tsvector is most of the cost) while the other is prepared.
    private const int Parallelism = 2;

    public async Task<ImportSummary> ImportAsync(TextReader reader, Actor actor, IProgress<int>? progress, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Run run;
        // While it writes, the fill of every minute leaves search's copy of the newest articles alone (migration 0058):
        // it would copy articles that the import's next batches push past the copy's horizon again.
        await using (var importing = await db.OpenConnectionAsync(ct))
        {
            try
            {
                // Neither cancelled nor timed out half way (a minute's fill may hold it a second): a lock granted to a
                // request given up on would stay with the pooled session until its next reset.
                await importing.ExecuteAsync(new CommandDefinition("select pg_advisory_lock_shared(@key)", new { key = RecentBodies.ImportLockKey }, commandTimeout: 0));
                run = await WriteAllAsync(reader, actor, progress, ct);
            }
            finally
            {
                // Unlocking a lock not held only answers false.
                await UnlockAsync(importing);
                await writer.PurgeAsync(null);
            }
        }
        // What the batches wrote is committed: the copy is filled and the database vacuumed even if the client left.
        await FillSearchCopyAsync();
        if (run.Created + run.Updated >= BatchSize)
            await VacuumAsync(CancellationToken.None);
        return new ImportSummary(run.Lines, run.Created, run.Updated, run.Unchanged, run.Failed,
            run.Errors.OrderBy(e => e.Line).ToList(), Math.Round(started.Elapsed.TotalSeconds, 2));
    }

    // An unreachable database has ended the session, and the lock with it.
    private static async Task UnlockAsync(NpgsqlConnection importing)
    {
        try
        {
            await importing.ExecuteAsync("select pg_advisory_unlock_shared(@key)", new { key = RecentBodies.ImportLockKey });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// The articles the import created go into search's copy of the newest articles now, whether or not another import
    /// still runs or the client is still there: what the batches wrote is committed. Caches are purged again after, as a
    /// search answered meanwhile lacked them. Should it fail, a running API's fill of every minute catches up.
    /// </summary>
    private async Task FillSearchCopyAsync()
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await RecentBodies.PruneAsync(connection, CancellationToken.None);
            await RecentBodies.FillAsync(connection, CancellationToken.None, evenWhileImporting: true);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Filling search's copy of the newest articles after an import failed; a running API fills it within a minute");
        }
        // Chunks may have been added before a failure too.
        await writer.PurgeAsync(null);
    }

    private async Task<Run> WriteAllAsync(TextReader reader, Actor actor, IProgress<int>? progress, CancellationToken ct)
    {
        var run = new Run();
        var batch = new List<Parsed>(BatchSize);
        var writers = new List<Task>();
        var number = 0;
        async Task FlushAsync()
        {
            var full = batch;
            batch = new List<Parsed>(BatchSize);
            if (writers.Count == Parallelism)
            {
                var done = await Task.WhenAny(writers);
                writers.Remove(done);
                await done;
            }
            writers.Add(Task.Run(() => WriteBatchAsync(full, actor, run, ct), ct));
            progress?.Report(run.Lines);
        }

        async Task ReadAllAsync()
        {
            var lines = new ImportLines(reader);
            while (await lines.ReadAsync(ct) is { } line)
            {
                number++;
                if (line.Text is not { } text)
                {
                    run.Lines++;
                    run.Fail(number, null, $"The line is longer than {ImportLines.MaxChars:N0} characters; it was not read as an article.");
                    continue;
                }
                if (string.IsNullOrWhiteSpace(text))
                    continue;
                run.Lines++;
                if (Check(number, text, run) is { } parsed)
                    batch.Add(parsed);
                if (batch.Count == BatchSize)
                    await FlushAsync();
            }
            if (batch.Count > 0)
                await FlushAsync();
        }

        try
        {
            await ReadAllAsync();
        }
        catch
        {
            // A line that cannot be read, or a batch that failed: the batches already handed out finish first, as the
            // import's lock and its purge are for everything it wrote.
            foreach (var pending in writers)
            {
                try
                {
                    await pending;
                }
                catch (Exception)
                {
                }
            }
            throw;
        }
        await Task.WhenAll(writers);
        await SetRemainingLinksAsync(run, actor, ct);
        progress?.Report(run.Lines);
        return run;
    }

    /// <summary>
    /// After a bulk load, until autovacuum comes by, the GIN indexes of search have no statistics of their own (only
    /// VACUUM and CREATE INDEX write them), so the planner may scan a search table whole instead; and index-only reads
    /// (a card's tag ids) visit the heap until the visibility map is set. One pass over the database now does both.
    /// </summary>
    private async Task VacuumAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var vacuum = new NpgsqlCommand(TransferSql.Vacuum, connection) { CommandTimeout = 0 };
        await vacuum.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Parses and validates one line with the API's rules; null (and an error) when it is refused.</summary>
    private Parsed? Check(int line, string text, Run run)
    {
        ArticleRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<ArticleRecord>(text, LineOptions);
        }
        catch (JsonException e)
        {
            run.Fail(line, e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : null, "Not a valid article record: " + e.Message);
            return null;
        }
        if (record is null)
        {
            run.Fail(line, null, "The line is null, not an article record.");
            return null;
        }

        var errors = articleValidator.Validate(record.ToWrite()).Errors
            .Select(f => (Field: ValidationFilter.FieldName(f.PropertyName), f.ErrorMessage)).ToList();
        foreach (var (tag, i) in (record.Tags ?? []).Select((t, i) => (t, i)))
            errors.AddRange(tagValidator.Validate(new TagWrite(tag.Slug, tag.Name, tag.Kind)).Errors
                .Select(f => ($"tags[{i}].{ValidationFilter.FieldName(f.PropertyName)}", f.ErrorMessage)));
        foreach (var (note, i) in (record.Corrections ?? []).Select((n, i) => (n, i)))
            errors.AddRange(correctionValidator.Validate(new CorrectionWrite(note.Kind, note.Text)).Errors
                .Select(f => ($"corrections[{i}].{ValidationFilter.FieldName(f.PropertyName)}", f.ErrorMessage)));
        if (!Statuses.Contains(record.Status))
            errors.Add(("status", $"status must be one of: {string.Join(", ", Statuses)}."));
        else if (ArticleVisibility.Of(record.Status).IsOrWillBePublic() && record.PublishedAt is null)
            errors.Add(("publishedAt", "A published or scheduled article needs publishedAt."));
        else if (ArticleVisibility.Of(record.Status).IsOrWillBePublic()
                 && Publishability.Problems(record.AiGenerated, record.Disclosure, record.Sources?.Count ?? 0) is { Count: > 0 } unpublishable)
            errors.AddRange(unpublishable.SelectMany(p => p.Value.Select(m => (p.Key, m))));
        errors.AddRange(CommentProblems(record.Comments));
        if (record.Related is { } related && (related.Count > 20 || related.Any(r => !TextRules.IsSlug(r, 200) || r == record.Slug)))
            errors.Add(("related", "related must list at most 20 slugs of other articles."));
        if (!run.Slugs.Add(record.Slug))
            errors.Add(("slug", $"The slug '{record.Slug}' appears on an earlier line of this file."));
        if (record.Id is { } id && !run.Ids.Add(id))
            errors.Add(("id", $"The id '{id}' appears on an earlier line of this file."));

        if (errors.Count > 0)
        {
            run.Fail(line, errors[0].Field, string.Join(" ", errors.Select(e => e.Item2).Distinct()));
            return null;
        }
        return new Parsed(line, Normalize(record));
    }

    private static readonly string[] CommentStatuses = ["pending", "approved", "rejected", "deleted"];

    /// <summary>The rules comments are written under through the API, and replies one level deep under a comment of the same line.</summary>
    private static IEnumerable<(string Field, string Message)> CommentProblems(IReadOnlyList<CommentRecord>? comments)
    {
        var ids = new HashSet<Guid>();
        var topLevel = (comments ?? []).Where(c => c.ParentId is null).Select(c => c.Id).ToHashSet();
        foreach (var (c, i) in (comments ?? []).Select((c, i) => (c, i)))
        {
            var at = $"comments[{i}]";
            if (!ids.Add(c.Id))
                yield return ($"{at}.id", "A comment id appears twice.");
            if (!CommentStatuses.Contains(c.Status))
                yield return ($"{at}.status", "status must be pending, approved, rejected or deleted.");
            if (c.Body is null || c.Body.Length > 10_000 || !TextRules.IsCleanText(c.Body, multiline: true) || (c.Body.Length == 0) != (c.Status == "deleted"))
                yield return ($"{at}.body", "body must be clean text of at most 10,000 characters, empty exactly when the comment is a deleted placeholder.");
            if (c.ParentId is { } parent && !topLevel.Contains(parent))
                yield return ($"{at}.parentId", "parentId must name a top-level comment of the same article.");
            if (c.Author is { } a && (string.IsNullOrEmpty(a.Issuer) || a.Issuer.Length > 500 || string.IsNullOrEmpty(a.Subject) || a.Subject.Length > 255
                    || !TextRules.IsCleanText(a.Issuer, false) || !TextRules.IsCleanText(a.Subject, false) || a.DisplayName != Infrastructure.Auth.ReaderTokens.DisplayName(a.DisplayName)))
                yield return ($"{at}.author", "author needs an issuer, a subject and a display name of clean text (at most 100 characters).");
            foreach (var (reason, field) in new[] { (c.HeldReason, "heldReason"), (c.RejectReason, "rejectReason") })
                if (reason is not null && (reason.Length > 500 || !TextRules.IsCleanText(reason, multiline: true)))
                    yield return ($"{at}.{field}", $"{field} must be clean text of at most 500 characters.");
        }
    }

    // PostgreSQL keeps microseconds: compare and store times as it will give them back.
    private static ArticleRecord Normalize(ArticleRecord r) => r with
    {
        BodyMarkdown = r.BodyMarkdown ?? "",
        Tags = r.Tags ?? [],
        Sources = r.Sources ?? [],
        PublishedAt = Micro(r.PublishedAt),
        CreatedAt = Micro(r.CreatedAt),
        UpdatedAt = Micro(r.UpdatedAt),
        Corrections = r.Corrections?.Select(c => c with { CreatedAt = Micro(c.CreatedAt)!.Value }).ToList(),
        Comments = r.Comments?.Select(c => c with { CreatedAt = Micro(c.CreatedAt)!.Value, EditedAt = Micro(c.EditedAt) }).ToList(),
    };

    private static DateTime? Micro(DateTime? at) => at is { } t ? new DateTime(t.ToUniversalTime().Ticks / 10 * 10, DateTimeKind.Utc) : null;

    private sealed record ExistingRow(Guid Id, string Slug);

    private async Task WriteBatchAsync(List<Parsed> batch, Actor actor, Run run, CancellationToken ct)
    {
        try
        {
            run.Merge(await Retrying.OnConflictAsync(() => TryWriteBatchAsync(batch, actor, run, ct)));
        }
        catch (PostgresException e)
        {
            // Nothing of this batch was committed: every line in it is reported, none half-written.
            foreach (var p in batch)
                run.Fail(p.Line, null, $"The batch holding this line could not be written: {e.MessageText}");
            return;
        }
        // An archive loaded into an empty database is all newer than the search copy's horizon (0052) at first: move the
        // horizon on as it goes, so the copy filled at the end (0058) holds the newest articles only. The batch is
        // committed; a failed prune only leaves the copy longer.
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await RecentBodies.PruneAsync(connection, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
        }
    }

    /// <summary>One transaction for the batch; run again from the start if PostgreSQL aborts it for a conflict.</summary>
    private async Task<Batch> TryWriteBatchAsync(List<Parsed> batch, Actor actor, Run run, CancellationToken ct)
    {
        var result = new Batch();
        var language = options.Value.Search.Language;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(TransferSql.DeferSearchCopy, transaction: tx, cancellationToken: ct));
        var existing = (await connection.QueryAsync<ExistingRow>(new CommandDefinition(TransferSql.Existing, new
        {
            ids = batch.Where(p => p.Record.Id is not null).Select(p => p.Record.Id!.Value).ToArray(),
            slugs = batch.Select(p => p.Record.Slug).ToArray(),
        }, tx, cancellationToken: ct))).ToList();
        var byId = existing.ToDictionary(e => e.Id);
        var bySlug = existing.ToDictionary(e => e.Slug);
        // Locked, and any whose schedule came announced first, so each one's state before is what partners were told.
        var existingIds = existing.Select(e => e.Id).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(TransferSql.Lock, new { ids = existingIds }, tx, cancellationToken: ct));
        await ArticleWriter.PublishDueAsync(connection, tx, existingIds, options.Value.SiteUrl, ct);
        var current = await ArticleExporter.ReadByIdsAsync(connection, existingIds, ct);

        var inserts = new List<(Parsed P, Guid Id)>();
        var updates = new List<(Parsed P, Guid Id)>();
        foreach (var p in batch)
        {
            var record = p.Record;
            // By id when the file gives one, else by slug; a slug held by another article is a conflict either way.
            Guid? match = record.Id is { } id ? (byId.ContainsKey(id) ? id : null) : bySlug.TryGetValue(record.Slug, out var s) ? s.Id : null;
            if (bySlug.TryGetValue(record.Slug, out var holder) && holder.Id != match)
            {
                result.Failures.Add((p.Line, "slug", $"The slug '{record.Slug}' belongs to another article ({holder.Id})."));
                continue;
            }
            if (match is null)
                inserts.Add((p, record.Id ?? Guid.CreateVersion7()));
            else if (Same(current[match.Value], record))
            {
                result.Unchanged++;
                result.Outcomes[p.Line] = "unchanged";
            }
            else
                updates.Add((p, match.Value));
        }

        if (inserts.Count + updates.Count > 0)
        {
            // What the public saw of the public articles this batch changes: if a line hides one, partners hear of it
            // by this card, not by the line's (perhaps embargoed) new content.
            var wasPublic = updates.Where(u => ArticleVisibility.Of(current[u.Id].Status).IsPublic()).Select(u => u.Id).ToArray();
            var publicBefore = wasPublic.Length == 0 ? [] : (await ArticleMapping.LoadCardsAsync(connection,
                    ArticleSql.CardsByIds, new { ids = wasPublic }, options.Value.SiteUrl, ct))
                .ToDictionary(c => c.Card.Id, c => c.Card);
            // Markdown rendering and sanitizing is the CPU-heavy part on our side: spread it over the cores.
            var written = inserts.Concat(updates).AsParallel().AsOrdered()
                .Select(w => (w.P, w.Id, Body: ArticleBody.Render(w.P.Record.BodyMarkdown))).ToList();
            await UpsertTagsAsync(connection, tx, written.SelectMany(w => w.P.Record.Tags!), ct);
            if (inserts.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(TransferSql.InsertArticles,
                    Arrays(written[..inserts.Count], language), tx, cancellationToken: ct));
            if (updates.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(TransferSql.UpdateArticles,
                    Arrays(written[inserts.Count..], language), tx, cancellationToken: ct));
            await ArticleWrites.ReplaceTagsAsync(connection, tx, written.Select(w => (w.Id, (IReadOnlyList<string>)w.P.Record.Tags!.Select(t => t.Slug).ToList())).ToList(), ct);
            await AddCorrectionsAsync(connection, tx, written, ct);
            await ImportCommentsAsync(connection, tx, written, ct);
            await SetResolvableLinksAsync(connection, tx, written, current, run, result, ct);
            await RecordAsync(connection, tx, written, current, publicBefore, result.Links.Select(l => l.Id).ToHashSet(), actor, ct);
        }
        await tx.CommitAsync(ct);
        result.Created = inserts.Count;
        result.Updated = updates.Count;
        foreach (var (p, _) in inserts)
            result.Outcomes[p.Line] = "created";
        foreach (var (p, _) in updates)
            result.Outcomes[p.Line] = "updated";
        result.Written.AddRange(inserts.Concat(updates).Select(w => (w.P.Record.Slug, w.Id)));
        return result;
    }

    /// <summary>An article is unchanged when everything the file says about it is already so (its update time aside).</summary>
    private static bool Same(ArticleRecord stored, ArticleRecord incoming)
    {
        // "published" and "scheduled" with the same publish time are one state: the time decides which it is now.
        static string Status(string status) => status is "published" or "scheduled" ? "published" : status;
        var a = JsonSerializer.SerializeToNode(stored with { Id = null, UpdatedAt = null, Status = Status(stored.Status) }, JsonSerializerOptions.Web)!.AsObject();
        var b = JsonSerializer.SerializeToNode(incoming with { Id = null, UpdatedAt = null, Status = Status(incoming.Status) }, JsonSerializerOptions.Web)!.AsObject();
        foreach (var (field, value) in new (string, object?)[] { ("createdAt", incoming.CreatedAt), ("related", incoming.Related), ("corrections", incoming.Corrections), ("comments", incoming.Comments) })
        {
            if (value is null)
            {
                a.Remove(field);
                b.Remove(field);
            }
        }
        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>The lines' tags that do not exist yet are created, and announced as a tag created through the API would be.</summary>
    private static async Task UpsertTagsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<TagRef> tags, CancellationToken ct)
    {
        // In slug order, so two batches adding the same new tags wait for each other instead of deadlocking.
        var distinct = tags.DistinctBy(t => t.Slug).OrderBy(t => t.Slug, StringComparer.Ordinal).ToList();
        var created = (await connection.QueryAsync<Tag>(new CommandDefinition(TransferSql.UpsertTags, new
        {
            slugs = distinct.Select(t => t.Slug).ToArray(), names = distinct.Select(t => t.Name).ToArray(), kinds = distinct.Select(t => t.Kind).ToArray(),
        }, tx, cancellationToken: ct))).AsList();
        if (created.Count > 0)
            await ContentEvents.TagsWrittenAsync(connection, tx, EventTypes.TagCreated, created, ct);
    }

    private static object Arrays(List<(Parsed P, Guid Id, RenderedBody Body)> rows, string language)
    {
        var bodies = rows.Select(r => r.Body).ToArray();
        var records = rows.Select(r => r.P.Record).ToArray();
        return new
        {
            ids = rows.Select(r => r.Id).ToArray(),
            slugs = records.Select(r => r.Slug).ToArray(),
            titles = records.Select(r => r.Title).ToArray(),
            summaries = records.Select(r => r.Summary).ToArray(),
            bodies = records.Select(r => r.BodyMarkdown).ToArray(),
            htmls = bodies.Select(b => b.Html).ToArray(),
            outlines = bodies.Select(b => StoredJson.Write(b.Outline)).ToArray(),
            sources = records.Select(r => StoredJson.Write(r.Sources)).ToArray(),
            ais = records.Select(r => r.AiGenerated).ToArray(),
            disclosures = records.Select(r => r.Disclosure).ToArray(),
            heroes = records.Select(r => StoredJson.WriteOrNull(r.HeroImage)).ToArray(),
            canonicals = records.Select(r => r.CanonicalUrl).ToArray(),
            words = bodies.Select(b => b.WordCount).ToArray(),
            readings = bodies.Select(b => b.ReadingTimeMinutes).ToArray(),
            statuses = records.Select(r => r.Status).ToArray(),
            published = records.Select(r => r.PublishedAt).ToArray(),
            created = records.Select(r => r.CreatedAt).ToArray(),
            updated = records.Select(r => r.UpdatedAt).ToArray(),
            tagSlugs = records.Select(r => string.Join(' ', r.Tags!.Select(t => t.Slug))).ToArray(),
            language,
        };
    }

    /// <summary>
    /// The lines' comments and their authors: readers matched by sign-in identity (issuer and subject), comments added or
    /// updated by id. Counts follow by the comments trigger; no events: an import moves history, it is not news.
    /// </summary>
    private static async Task ImportCommentsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<(Parsed P, Guid Id, RenderedBody Body)> rows, CancellationToken ct)
    {
        var comments = rows.SelectMany(r => (r.P.Record.Comments ?? []).Select(c => (ArticleId: r.Id, Comment: c))).ToList();
        if (comments.Count == 0)
            return;
        // One row per reader, in one order, so two batches with the same readers wait for each other rather than deadlock.
        var authors = comments.Where(c => c.Comment.Author is not null).Select(c => c.Comment.Author!)
            .DistinctBy(a => (a.Issuer, a.Subject)).OrderBy(a => a.Issuer, StringComparer.Ordinal).ThenBy(a => a.Subject, StringComparer.Ordinal).ToList();
        var readerIds = new Dictionary<Guid, Guid>();
        if (authors.Count > 0)
        {
            var mapped = await connection.QueryAsync<(Guid Given, Guid Id)>(new CommandDefinition(TransferSql.UpsertReaders, new
            {
                ids = authors.Select(a => a.Id).ToArray(), issuers = authors.Select(a => a.Issuer).ToArray(), subjects = authors.Select(a => a.Subject).ToArray(),
                names = authors.Select(a => a.DisplayName).ToArray(), staffs = authors.Select(a => a.Staff).ToArray(),
            }, tx, cancellationToken: ct));
            foreach (var (given, id) in mapped)
                readerIds[given] = id;
        }
        await connection.ExecuteAsync(new CommandDefinition(TransferSql.UpsertComments, new
        {
            ids = comments.Select(c => c.Comment.Id).ToArray(),
            articleIds = comments.Select(c => c.ArticleId).ToArray(),
            parentIds = comments.Select(c => c.Comment.ParentId).ToArray(),
            readerIds = comments.Select(c => c.Comment.Author is { } a ? readerIds.GetValueOrDefault(a.Id) : (Guid?)null).ToArray(),
            bodies = comments.Select(c => c.Comment.Body).ToArray(),
            htmls = comments.Select(c => Conversation.CommentText.ToHtml(c.Comment.Body)).ToArray(),
            statuses = comments.Select(c => c.Comment.Status).ToArray(),
            featured = comments.Select(c => c.Comment.Featured).ToArray(),
            held = comments.Select(c => c.Comment.HeldReason).ToArray(),
            rejected = comments.Select(c => c.Comment.RejectReason).ToArray(),
            created = comments.Select(c => c.Comment.CreatedAt).ToArray(),
            edited = comments.Select(c => c.Comment.EditedAt).ToArray(),
        }, tx, cancellationToken: ct));
    }

    private static Task AddCorrectionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<(Parsed P, Guid Id, RenderedBody Body)> rows, CancellationToken ct)
    {
        var notes = rows.SelectMany(r => (r.P.Record.Corrections ?? []).Select(c => (r.Id, c))).ToList();
        if (notes.Count == 0)
            return Task.CompletedTask;
        return connection.ExecuteAsync(new CommandDefinition(TransferSql.AddCorrections, new
        {
            articleIds = notes.Select(n => n.Id).ToArray(), kinds = notes.Select(n => n.c.Kind).ToArray(),
            texts = notes.Select(n => n.c.Text).ToArray(), times = notes.Select(n => n.c.CreatedAt).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// Curated links of the written articles whose every target exists already (committed, or in this batch): set
    /// here, with the article. Links to articles further on in the file, or in a batch still in flight, wait for the
    /// pass at the end (<paramref name="result"/>.Links), which also records those articles' revisions.
    /// </summary>
    private static async Task SetResolvableLinksAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        List<(Parsed P, Guid Id, RenderedBody Body)> written, Dictionary<Guid, ArticleRecord> current, Run run, Batch result, CancellationToken ct)
    {
        var slugs = written.SelectMany(w => w.P.Record.Related ?? []);
        var ids = await IdsAsync(connection, tx, slugs, written.Select(w => (w.P.Record.Slug, w.Id)), run, ct);

        var set = new List<(Guid Id, IReadOnlyList<Guid> Related)>();
        foreach (var (p, id, _) in written)
        {
            if (p.Record.Related is not { } wanted)
                continue;
            if (wanted.All(ids.ContainsKey))
                set.Add((id, wanted.Select(s => ids[s]).ToList()));
            else
                result.Links.Add((p.Line, id, wanted));
        }
        if (set.Count > 0)
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, set, ct);
    }

    /// <summary>The ids of these slugs that exist: from this batch, from committed batches, else from the database.</summary>
    private static async Task<Dictionary<string, Guid>> IdsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<string> slugs,
        IEnumerable<(string Slug, Guid Id)> inBatch, Run run, CancellationToken ct)
    {
        var ids = inBatch.ToDictionary(w => w.Slug, w => w.Id, StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var slug in slugs)
        {
            if (run.Written.TryGetValue(slug, out var id))
                ids.TryAdd(slug, id);
            else if (!ids.ContainsKey(slug))
                unknown.Add(slug);
        }
        if (unknown.Count > 0)
            foreach (var (slug, id) in await connection.QueryAsync<(string Slug, Guid Id)>(new CommandDefinition(
                         TransferSql.IdsBySlug, new { slugs = unknown.Distinct().ToArray() }, tx, cancellationToken: ct)))
                ids[slug] = id;
        return ids;
    }

    private sealed class WrittenRow
    {
        public Guid Id { get; init; }
        public int Version { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public string Corrections { get; init; } = "[]";
    }

    /// <summary>
    /// Through the write path (<see cref="ArticleWriter.RecordAsync"/>): a revision for each written article whose
    /// links are complete (the others get theirs from the pass at the end, with their links), and the events and
    /// change-feed entries its visibility before and after call for. Only what the database decided (version,
    /// status, times, notes, tag names) is read back; the rest is the line itself.
    /// </summary>
    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<(Parsed P, Guid Id, RenderedBody Body)> written,
        Dictionary<Guid, ArticleRecord> current, Dictionary<Guid, ArticleCard> publicBefore, HashSet<Guid> linksPending, Actor actor, CancellationToken ct)
    {
        var siteUrl = options.Value.SiteUrl;
        var ids = written.Select(w => w.Id).ToArray();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{TransferSql.Written};\n{ArticleSql.TagsOfArticles}", new { ids }, tx, cancellationToken: ct));
        var stored = (await results.ReadAsync<WrittenRow>()).ToDictionary(r => r.Id);
        var tags = (await results.ReadAsync<TagRow>()).ToLookup(t => t.ArticleId);
        var changes = written.Select(w =>
        {
            var (r, row) = (w.P.Record, stored[w.Id]);
            var article = new Article
            {
                Id = w.Id, Slug = r.Slug, Title = r.Title, Summary = r.Summary, BodyMarkdown = r.BodyMarkdown!, BodyHtml = w.Body.Html,
                Outline = w.Body.Outline, Status = row.Status, PublishedAt = r.PublishedAt, CreatedAt = row.CreatedAt, UpdatedAt = row.UpdatedAt,
                Tags = tags.TagsOf(w.Id), Sources = r.Sources!, AiGenerated = r.AiGenerated, Disclosure = r.Disclosure, HeroImage = r.HeroImage,
                CanonicalUrl = ArticleMapping.CanonicalUrl(r.CanonicalUrl, r.Slug, siteUrl), WordCount = w.Body.WordCount,
                ReadingTimeMinutes = w.Body.ReadingTimeMinutes, Corrections = StoredJson.ReadList<CorrectionNote>(row.Corrections), Version = row.Version,
            };
            var before = current.TryGetValue(w.Id, out var was) ? ArticleVisibility.Of(was.Status) : Visibility.Absent;
            return new ArticleChange(before, ArticleVisibility.Of(row.Status), article, linksPending.Contains(w.Id) ? null : RevisionLog.Imported,
                publicBefore.GetValueOrDefault(w.Id));
        }).ToList();
        await ArticleWriter.RecordAsync(connection, tx, changes, actor, ct);
    }

    /// <summary>
    /// The curated links left for last, once every article of the file exists: a link to a slug that exists nowhere
    /// is reported, and that article's links are left as they were. Changed links are a change like any other (a new
    /// version); each of these articles then gets the one revision of its line, links included, from the stored
    /// article. Its events went out with its batch: links are not on the cards partners get.
    /// </summary>
    private async Task SetRemainingLinksAsync(Run run, Actor actor, CancellationToken ct)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct };
        await Parallel.ForEachAsync(run.Links.Chunk(BatchSize), parallel, async (chunk, token) =>
        {
            foreach (var (line, field, message) in await Retrying.OnConflictAsync(() => SetLinksAsync(chunk, actor, run, token)))
                run.Fail(line, field, message);
        });
    }

    /// <summary>One chunk of the end pass, in a transaction of its own; answers the lines whose links could not be set.</summary>
    private async Task<List<(int Line, string Field, string Message)>> SetLinksAsync(
        (int Line, Guid Id, IReadOnlyList<string> Related)[] chunk, Actor actor, Run run, CancellationToken token)
    {
        var failures = new List<(int Line, string Field, string Message)>();
        await using var connection = await db.OpenConnectionAsync(token);
        await using var tx = await connection.BeginTransactionAsync(token);
        var all = chunk.Select(c => c.Id).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(TransferSql.Lock, new { ids = all }, tx, cancellationToken: token));
        var ids = await IdsAsync(connection, tx, chunk.SelectMany(c => c.Related), [], run, token);
        var currentLinks = (await connection.QueryAsync<(Guid ArticleId, string Slug)>(new CommandDefinition(
            TransferSql.RelatedSlugs, new { ids = all }, tx, cancellationToken: token))).ToLookup(r => r.ArticleId, r => r.Slug);

        var changed = new List<(Guid Id, IReadOnlyList<Guid> Related)>();
        var existed = new List<Guid>();
        foreach (var (line, id, related) in chunk)
        {
            if (related.FirstOrDefault(s => !ids.ContainsKey(s)) is { } missing)
                failures.Add((line, "related", $"No article has the slug '{missing}'; this article's curated links were left as they were."));
            else if (!currentLinks[id].SequenceEqual(related))
            {
                changed.Add((id, related.Select(s => ids[s]).ToList()));
                // Every batch has merged its outcomes by now: reading them needs no lock.
                if (run.Outcomes[line] != "created")
                    existed.Add(id);
            }
        }
        if (changed.Count > 0)
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, changed, token);
        // An article that existed has changed again: a new version. One this import created gets its links as part of
        // its creation, and keeps its version: rewriting its row would cost as much as writing it (the search vector).
        if (existed.Count > 0)
            await ArticleWrites.TouchAsync(connection, tx, existed.ToArray(), token);
        // Deleted since its batch committed: nothing left to record.
        var articles = await ArticleMapping.LoadArticlesAsync(connection, ArticleSql.ForRevisionsByIds, new { ids = all }, options.Value.SiteUrl, token);
        await RevisionLog.RecordAsync(connection, tx, articles.Select(a => (a, RevisionLog.Imported)).ToList(), actor, token);
        await tx.CommitAsync(token);
        return failures;
    }

    private static JsonSerializerOptions Strict()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        HttpConventions.Configure(o);
        return o;
    }
}
