// The generated TypeScript client walking the main flows against a running API. Run by the .NET test suite
// (Clients/TypeScriptClientTests) after it generates src/api/schema.d.ts from openapi.yaml and type-checks
// this file: an API change that breaks the client fails either the type check or one of these steps.
//   HN_BASE_URL=http://127.0.0.1:5080 HN_EDITOR_KEY=... node client-flows/dist/flows.mjs
import { createApi, whole } from "../src/api/client";

declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const baseUrl = process.env.HN_BASE_URL ?? "http://127.0.0.1:5080";
const editorKey = process.env.HN_EDITOR_KEY ?? "";
const run = process.env.HN_RUN ?? String(Date.now());

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function main() {
  const editor = createApi(baseUrl, editorKey);
  const reader = createApi(baseUrl);

  // A tag, then three articles carrying it, each created, edited with If-Match and published.
  const tagSlug = `ts-client-${run}`;
  const tag = await editor.POST("/api/v1/manage/tags", { body: { slug: tagSlug, name: "TS client", kind: "topic" } });
  check(tag.response.status === 201 && tag.data?.slug === tagSlug, `create tag: ${tag.response.status}`);

  const slugs: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const slug = `ts-client-${run}-${i}`;
    const created = await editor.POST("/api/v1/manage/articles", {
      body: { slug, title: `Typed client story ${i}`, summary: "Written by the generated client.", bodyMarkdown: "## Part one\n\nHello.", tags: [tagSlug] },
    });
    check(created.response.status === 201 && created.data, `create article: ${created.response.status}`);
    const etag = created.response.headers.get("ETag");
    check(etag, "create returns an ETag");

    const stale = await editor.PUT("/api/v1/manage/articles/{id}", {
      params: { path: { id: created.data.id }, header: { "If-Match": '"999"' } },
      body: { slug, title: "Never saved", tags: [tagSlug] },
    });
    check(stale.response.status === 412, `stale If-Match is 412, got ${stale.response.status}`);

    const updated = await editor.PUT("/api/v1/manage/articles/{id}", {
      params: { path: { id: created.data.id }, header: { "If-Match": etag } },
      body: { slug, title: `Typed client story ${i} (edited)`, summary: "Edited by the generated client.", bodyMarkdown: "## Part one\n\nHello again.", tags: [tagSlug] },
    });
    check(updated.response.status === 200 && updated.data?.title.endsWith("(edited)"), `update: ${updated.response.status}`);

    const published = await editor.POST("/api/v1/manage/articles/{id}/publish", {
      params: { path: { id: created.data.id }, header: { "If-Match": updated.response.headers.get("ETag")! } },
    });
    check(published.response.status === 200 && published.data?.status === "published", `publish: ${published.response.status}`);
    slugs.push(slug);
  }

  // The list filtered by the tag, one per page, following nextCursor.
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.GET("/api/v1/articles", { params: { query: { tag: [tagSlug], limit: 1, cursor } } });
    check(page.response.status === 200 && page.data, `list: ${page.response.status}`);
    seen.push(...whole(page.data).items.map((card) => card.slug));
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor);
  check(JSON.stringify(seen) === JSON.stringify([...slugs].reverse()), `paged list: ${seen.join(", ")}`);

  // An article with its related cards, and the tags.
  const article = await reader.GET("/api/v1/articles/{slug}", { params: { path: { slug: slugs[0] } } });
  check(article.response.status === 200 && article.data, `article: ${article.response.status}`);
  const page1 = whole(article.data);
  check(page1.related.length === 2 && page1.related.every((card) => card.kind === "computed"), "two computed related cards");
  check(page1.outline[0]?.text === "Part one", "outline");

  // fields= trims the answer to the members named; the types leave every member optional for it.
  const trimmed = await reader.GET("/api/v1/articles/{slug}", { params: { path: { slug: slugs[0] }, query: { fields: "slug,title" } } });
  check(trimmed.data?.slug === slugs[0] && trimmed.data.bodyHtml === undefined, "fields= keeps only the members named");
  const tags = await reader.GET("/api/v1/tags/{slug}", { params: { path: { slug: tagSlug } } });
  check(tags.data?.articleCount === 3, `tag count: ${tags.data?.articleCount}`);

  // Errors are problem details.
  const missing = await reader.GET("/api/v1/articles/{slug}", { params: { path: { slug: "no-such-article" } } });
  check(missing.response.status === 404 && missing.error, "404 is a problem");

  console.log(JSON.stringify({ ok: true, articles: slugs.length, pages: seen.length }));
}

main().catch((error) => {
  console.error(String(error?.stack ?? error));
  process.exit(1);
});
