// Shared by the pages: where the API is, the typed client, and small DOM helpers.
import { createApi, whole, type ArticleCard } from "../api/client";

/** The API's base URL: ?api=… on the page, else the one remembered from last time, else the local default. */
export function apiBase(): string {
  const fromQuery = new URLSearchParams(location.search).get("api");
  if (fromQuery) localStorage.setItem("headlessnews-api", fromQuery);
  return fromQuery ?? localStorage.getItem("headlessnews-api") ?? "http://127.0.0.1:5080";
}

export const api = createApi(apiBase());

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function articleHref(slug: string) {
  return `article.html?slug=${encodeURIComponent(slug)}`;
}

export function tagHref(slug: string) {
  return `tag.html?slug=${encodeURIComponent(slug)}`;
}

export function formatDate(iso: string | null | undefined) {
  return iso ? new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" }) : "";
}

export function card(article: ArticleCard) {
  return el("li", { className: "card" },
    el("a", { href: articleHref(article.slug), className: "card-title" }, article.title),
    el("p", { className: "card-summary" }, article.summary ?? ""),
    el("p", { className: "card-meta" }, `${formatDate(article.publishedAt)} · ${article.tags.map((t) => t.name).join(", ")}`));
}

export function showError(target: HTMLElement, message: string) {
  target.replaceChildren(el("p", { className: "error", role: "alert" }, message));
}

/** A list with "Load more": fetches pages by cursor and appends them, never showing an article twice. */
export async function pagedList(list: HTMLElement, button: HTMLButtonElement, tag: string | undefined) {
  let cursor: string | undefined;
  const shown = new Set<string>();
  async function more() {
    button.disabled = true;
    const { data, error } = await api.GET("/api/v1/articles", { params: { query: { tag: tag ? [tag] : undefined, limit: 6, cursor } } });
    if (error || !data) {
      showError(list, "The articles could not be loaded.");
      return;
    }
    for (const item of whole(data).items) {
      if (shown.has(item.id)) continue;
      shown.add(item.id);
      list.append(card(item));
    }
    cursor = data.nextCursor ?? undefined;
    button.hidden = !cursor;
    button.disabled = false;
  }
  button.addEventListener("click", more);
  await more();
}
