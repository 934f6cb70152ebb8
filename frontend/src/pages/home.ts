// The home page: the latest articles, a tag filter, and "Load more" by cursor.
import { api, el, pagedList } from "./common";

const list = document.querySelector<HTMLElement>("#articles")!;
const button = document.querySelector<HTMLButtonElement>("#load-more")!;
const filter = document.querySelector<HTMLSelectElement>("#tag-filter")!;

const { data: tags } = await api.GET("/api/v1/tags", { params: { query: { limit: 100 } } });
for (const tag of tags?.items ?? [])
  if (tag.articleCount > 0) filter.append(el("option", { value: tag.slug }, `${tag.name} (${tag.articleCount})`));

async function show(tag: string | undefined) {
  list.replaceChildren();
  const fresh = button.cloneNode(true) as HTMLButtonElement;
  button.replaceWith(fresh);
  await pagedList(list, fresh, tag);
}

filter.addEventListener("change", () => show(filter.value || undefined));
await show(undefined);
document.body.dataset.ready = "true";
