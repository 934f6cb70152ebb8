// An article page, from one request: headline, standfirst, body with its sections, the AI disclosure with its
// sources, tags, notes, four related cards and the conversation (conversation.ts).
import { whole } from "../api/client";
import { api, articleHref, el, formatDate, showError, tagHref } from "./common";
import { conversation } from "./conversation";

const slug = new URLSearchParams(location.search).get("slug") ?? "";
const main = document.querySelector<HTMLElement>("main")!;
const { data, error } = await api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
const article = whole(data);

if (error || !article) {
  showError(main, "This article is not available.");
} else {
  document.title = `${article.title} · HeadlessNews`;
  const body = el("div", { className: "body" });
  // bodyHtml is sanitized by the API (no scripts, no event handlers): it may be inserted as is.
  body.innerHTML = article.bodyHtml;

  const parts: Node[] = [
    el("p", { className: "tags" }, ...article.tags.map((t) => el("a", { href: tagHref(t.slug), className: `tag tag-${t.kind}` }, t.name))),
    el("h1", { id: "headline" }, article.title),
    el("p", { className: "standfirst", id: "standfirst" }, article.summary ?? ""),
    el("p", { className: "meta" }, `${formatDate(article.publishedAt)} · ${article.readingTimeMinutes} min read`),
  ];
  if (article.heroImage)
    parts.push(el("figure", {}, el("img", { src: article.heroImage.url, alt: article.heroImage.alt ?? "" }),
      el("figcaption", {}, article.heroImage.credit ?? "")));
  if (article.aiGenerated || article.disclosure) {
    parts.push(el("aside", { className: "disclosure", id: "disclosure" },
      el("p", {}, article.disclosure ?? "This content is AI-generated."),
      el("ul", {}, ...article.sources.map((s) => el("li", {}, el("a", { href: s.url, rel: "noopener" }, s.title), s.publisher ? ` (${s.publisher})` : "")))));
  }
  if (article.outline.length > 0)
    parts.push(el("nav", { className: "outline" }, el("ol", {}, ...article.outline.map((h) => el("li", {}, el("a", { href: `#${h.anchor}` }, h.text))))));
  parts.push(body);
  if (article.corrections.length > 0)
    parts.push(el("section", { className: "corrections" }, ...article.corrections.map((c) =>
      el("p", {}, el("strong", {}, c.kind === "correction" ? "Correction: " : "Update: "), c.text))));
  parts.push(
    el("section", { className: "related", id: "related" }, el("h2", {}, "Related articles"),
      el("ul", {}, ...article.related.map((r) => el("li", { className: "card" },
        el("a", { href: articleHref(r.slug), className: "card-title" }, r.title), el("p", { className: "card-summary" }, r.summary ?? ""))))),
    conversation(article.slug, article.comments.open, article.comments.count));
  main.replaceChildren(el("article", {}, ...parts));
}
document.body.dataset.ready = "true";
