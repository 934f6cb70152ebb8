namespace HeadlessNews.Tests.Features.Changes;

/// <summary>
/// The transition table as docs/partners.md states it (section "What partners are told, and when"), written out by hand
/// rather than computed from the API's code, so that the tests generated from it can disagree with the API. A test
/// checks that docs/partners.md carries exactly these lines.
/// </summary>
public static class TransitionTable
{
    public const string Markdown = """
        | operation | state before | state after | webhook event | change-feed entry |
        |---|---|---|---|---|
        | create | absent | draft | — | — |
        | update | draft | draft | — | — |
        | update | scheduled | scheduled | — | — |
        | update | public | public | article.updated | upsert |
        | update | archived | archived | — | — |
        | update | scheduled, time come | public | article.published, article.updated | upsert |
        | publish now | draft | public | article.published | upsert |
        | publish now | scheduled | public | article.published | upsert |
        | publish now | public | public | article.updated | upsert |
        | publish now | archived | public | article.published | upsert |
        | schedule | draft | scheduled | — | — |
        | reschedule | scheduled | scheduled | — | — |
        | schedule | public | scheduled | article.unpublished | delete |
        | schedule | archived | scheduled | — | — |
        | unpublish | draft | draft | — | — |
        | unpublish | scheduled | draft | — | — |
        | unpublish | public | draft | article.unpublished | delete |
        | unpublish | archived | draft | — | — |
        | archive | draft | archived | — | — |
        | archive | scheduled | archived | — | — |
        | archive | public | archived | article.archived | delete |
        | archive | archived | archived | — | — |
        | delete | draft | absent | — | — |
        | delete | scheduled | absent | — | — |
        | delete | public | absent | article.deleted | delete |
        | delete | archived | absent | — | — |
        | related links | draft | draft | — | — |
        | related links | scheduled | scheduled | — | — |
        | related links | public | public | article.updated | upsert |
        | related links | archived | archived | — | — |
        | correction | draft | refused (422) | — | — |
        | correction | scheduled | refused (422) | — | — |
        | correction | public | public | article.updated | upsert |
        | correction | archived | refused (422) | — | — |
        | revision restore | draft | draft | — | — |
        | revision restore | scheduled | scheduled | — | — |
        | revision restore | public | public | article.updated | upsert |
        | revision restore | archived | archived | — | — |
        | import line | absent | draft | — | — |
        | import line | absent | scheduled | — | — |
        | import line | absent | public | article.published | upsert |
        | import line | absent | archived | — | — |
        | import line | draft | draft | — | — |
        | import line | draft | scheduled | — | — |
        | import line | draft | public | article.published | upsert |
        | import line | scheduled | scheduled | — | — |
        | import line | scheduled | public | article.published | upsert |
        | import line | public | public | article.updated | upsert |
        | import line | public | scheduled | article.unpublished | delete |
        | import line | public | draft | article.unpublished | delete |
        | import line | public | archived | article.archived | delete |
        | import line | archived | archived | — | — |
        | import line | archived | public | article.published | upsert |
        | the scheduler reaches the time | scheduled, time come | public | article.published | upsert |
        | any write | absent | refused (404) | — | — |
        """;

    public sealed record Cell(string Operation, string Before, string After, string[] Events, string? Feed)
    {
        public override string ToString() => $"{Operation} | {Before} → {After}";
    }

    public static IEnumerable<Cell> Cells() =>
        Markdown.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(2)
            .Select(line => line.Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => new Cell(c[0], c[1], c[2],
                c[3] == "—" ? [] : c[3].Split(", "),
                c[4] == "—" ? null : c[4]));
}
