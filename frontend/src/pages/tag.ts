// A tag page: the tag and its articles, with "Load more".
import { api, pagedList, showError } from "./common";

const slug = new URLSearchParams(location.search).get("slug") ?? "";
const heading = document.querySelector<HTMLElement>("#tag-name")!;
const list = document.querySelector<HTMLElement>("#articles")!;
const { data: tag, error } = await api.GET("/api/v1/tags/{slug}", { params: { path: { slug } } });
if (error || !tag) {
  showError(list, "There is no such tag.");
} else {
  heading.textContent = tag.name;
  document.title = `${tag.name} · HeadlessNews`;
  await pagedList(list, document.querySelector<HTMLButtonElement>("#load-more")!, slug);
}
document.body.dataset.ready = "true";
