// The conversation under an article: readers' thoughts with their replies, "load more", a form for a signed-in
// reader, reports, and the reader's own comments that wait for a moderator. Reading needs nothing; writing needs a
// reader token from the site's sign-in. This reference front end has no sign-in of its own, so it asks a development
// API for one (POST /dev/reader-token, Development only); a real site hands the page its own token instead.
import type { components } from "../api/schema";
import { api, apiBase, el, formatDate } from "./common";

type Comment = components["schemas"]["Comment"];
type Reply = components["schemas"]["CommentReply"];
type Reader = { token: string; name: string };

const readerKey = "headlessnews-reader";

function signedIn(): Reader | null {
  try {
    const saved = JSON.parse(localStorage.getItem(readerKey) ?? "null") as Reader | null;
    return saved?.token ? saved : null;
  } catch {
    return null;
  }
}

// A label around its field.
function labelled(...children: (Node | string)[]) {
  const label = document.createElement("label");
  label.append(...children);
  return label;
}

// A form (HTMLFormElement's index signature is too much for el()'s types).
function formOf(props: { id?: string; className?: string }, ...children: (Node | string)[]) {
  const form = document.createElement("form");
  if (props.id) form.id = props.id;
  if (props.className) form.className = props.className;
  form.append(...children);
  return form;
}

const bearer = (reader: Reader) => ({ Authorization: `Bearer ${reader.token}` });

/** The message of a problem answer, for the reader: its first validation error, else its title. */
function problemText(error: unknown, fallback: string) {
  const problem = error as { title?: string; detail?: string; errors?: Record<string, string[]> } | undefined;
  const first = problem?.errors ? Object.values(problem.errors).flat()[0] : undefined;
  return first ?? problem?.detail ?? problem?.title ?? fallback;
}

export function conversation(slug: string, open: boolean, count: number): HTMLElement {
  const reader = signedIn();
  const section = el("section", { className: "comments", id: "comments" });
  const list = el("ol", { className: "thoughts", id: "thoughts" });
  const pending = el("ol", { className: "thoughts pending", id: "pending" });
  const more = el("button", { id: "more-comments", type: "button", hidden: true }, "Load more comments");
  const status = el("p", { className: "notice", id: "comment-status", role: "status" });
  const shown = new Set<string>();
  let cursor: string | undefined;

  section.append(el("h2", {}, count === 1 ? "1 thought" : `${count} thoughts`));
  section.append(el("p", { className: "prompt" }, "Share your thoughts on this article."));

  if (!open) {
    section.append(el("p", { className: "closed", id: "comments-closed" }, "This conversation is closed: you can read it, but no longer add to it."));
  } else if (reader) {
    section.append(writeForm(undefined), el("p", { className: "who" }, `Signed in as ${reader.name}. `,
      el("button", { type: "button", className: "link", id: "sign-out", onclick: () => { localStorage.removeItem(readerKey); location.reload(); } }, "Sign out")));
  } else {
    section.append(signInForm());
  }
  section.append(status, pending, list, more);

  function signInForm() {
    const name: HTMLInputElement = Object.assign(document.createElement("input"), { id: "reader-name", name: "name", required: true, maxLength: 100, placeholder: "Your name" });
    const form = formOf({ id: "sign-in", className: "sign-in" },
      el("p", {}, "Sign in to join the conversation."),
      labelled("Name ", name), " ",
      el("button", { type: "submit" }, "Sign in"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // The development sign-in: a stand-in for the site's own, which would set the token the same way.
      const answer = await fetch(`${apiBase()}/dev/reader-token`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: name.value, subject: `dev-${crypto.randomUUID()}` }),
      }).catch(() => undefined);
      if (!answer?.ok) {
        status.textContent = "This API has no development sign-in: on a real site, its own sign-in signs you in.";
        return;
      }
      const { token } = await answer.json() as { token: string };
      localStorage.setItem(readerKey, JSON.stringify({ token, name: name.value }));
      location.reload();
    });
    return form;
  }

  /** The form for a new thought, or (with a parent) a reply to one. */
  function writeForm(parent: Comment | undefined) {
    const body: HTMLTextAreaElement = Object.assign(document.createElement("textarea"), { name: "body", required: true, rows: parent ? 2 : 4, maxLength: 2000,
      placeholder: parent ? `Reply to ${parent.author?.displayName ?? "this thought"}` : "What do you make of it?" });
    const form = formOf({ className: parent ? "write reply-form" : "write", id: parent ? "" : "write" },
      labelled(el("span", { className: "label" }, parent ? "Your reply" : "Your thoughts"), body),
      el("button", { type: "submit" }, parent ? "Post reply" : "Post"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button")!;
      button.disabled = true;
      const { data, error, response } = await api.POST("/api/v1/articles/{slug}/comments", {
        params: { path: { slug } }, headers: bearer(signedIn()!), body: { body: body.value, parentId: parent?.id },
      });
      button.disabled = false;
      if (error || !data) {
        status.textContent = response.status === 401 ? "Your sign-in has expired: sign out and in again." : problemText(error, "Your comment could not be posted.");
        return;
      }
      body.value = "";
      if (data.status === "pending") {
        pending.prepend(item(data, true));
        status.textContent = "Thank you: a moderator will read it before it appears.";
      } else if (parent) {
        document.getElementById(`replies-${parent.id}`)?.append(item(data, false));
        form.remove();
        status.textContent = "Your reply is up.";
      } else {
        list.prepend(item(data, false));
        shown.add(data.id);
        status.textContent = "Your thoughts are up.";
      }
    });
    return form;
  }

  function reportForm(comment: Comment | Reply, holder: HTMLElement) {
    const reason: HTMLSelectElement = Object.assign(document.createElement("select"), { name: "reason" });
    reason.append(...[["spam", "Spam"], ["abuse", "Abusive"], ["off-topic", "Off topic"], ["other", "Something else"]].map(([value, text]) => el("option", { value }, text)));
    const form = formOf({ className: "report-form" }, labelled("Why? ", reason), " ", el("button", { type: "submit" }, "Send report"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { error, response } = await api.POST("/api/v1/comments/{id}/reports", {
        params: { path: { id: comment.id } }, headers: bearer(signedIn()!),
        body: { reason: reason.value as "spam" | "abuse" | "off-topic" | "other" },
      });
      form.replaceWith(el("p", { className: "reported" }, error
        ? response.status === 409 ? "You have already reported this." : problemText(error, "The report could not be sent.")
        : "Reported: thank you, a moderator will look at it."));
    });
    holder.append(form);
  }

  function item(comment: Comment | Reply, held: boolean): HTMLElement {
    const author = comment.author;
    const node = el("li", { className: "thought", id: `comment-${comment.id}` },
      el("p", { className: "byline" },
        el("strong", {}, author?.displayName ?? "Removed"),
        author?.staff ? el("span", { className: "badge" }, "Staff") : "",
        comment.featured ? el("span", { className: "badge featured" }, "Featured") : "",
        ` · ${formatDate(comment.createdAt)}`, comment.editedAt ? " · edited" : "",
        held ? el("span", { className: "badge held" }, "Awaiting moderation") : ""));
    const text = el("div", { className: "text" });
    // bodyHtml is built by the API from escaped plain text (paragraphs, line breaks, nofollow links): safe as is.
    text.innerHTML = comment.status === "deleted" ? "<p><em>This comment was removed.</em></p>" : comment.bodyHtml;
    node.append(text);
    if (held || comment.status !== "approved") return node;

    const actions = el("p", { className: "actions" });
    const forms = el("div");
    if (reader && open && !comment.parentId) {
      actions.append(el("button", { type: "button", className: "link reply", onclick: () => {
        if (!forms.querySelector(".reply-form")) forms.append(writeForm(comment as Comment));
      } }, "Reply"), " ");
    }
    if (reader) {
      actions.append(el("button", { type: "button", className: "link report", onclick: () => {
        if (!forms.querySelector(".report-form")) reportForm(comment, forms);
      } }, "Report"));
    }
    node.append(actions, forms);

    if (!comment.parentId) {
      const top = comment as Comment;
      const replies = el("ol", { className: "replies", id: `replies-${top.id}` }, ...(top.replies ?? []).map((r) => item(r, false)));
      node.append(replies);
      if (top.replyCount > (top.replies ?? []).length) {
        const all = el("button", { type: "button", className: "link all-replies" }, `Show all ${top.replyCount} replies`);
        all.addEventListener("click", async () => {
          all.disabled = true;
          const { data } = await api.GET("/api/v1/comments/{id}/replies", { params: { path: { id: top.id }, query: { limit: 100 } } });
          if (data) {
            replies.replaceChildren(...data.items.map((r) => item(r as Reply, false)));
            all.remove();
          } else all.disabled = false;
        });
        node.append(all);
      }
    }
    return node;
  }

  async function loadMore() {
    more.disabled = true;
    // Lists may be cached for a few seconds; a signed-in reader (who may just have written, or been approved) asks
    // the API again, cheaply, with the ETag the browser kept.
    const { data, error } = await api.GET("/api/v1/articles/{slug}/comments", {
      params: { path: { slug }, query: { limit: 10, cursor } }, cache: reader ? "no-cache" : "default",
    });
    if (error || !data) {
      status.textContent = "The conversation could not be loaded.";
      return;
    }
    for (const comment of data.items) {
      if (shown.has(comment.id)) continue;
      shown.add(comment.id);
      list.append(item(comment, false));
    }
    cursor = data.nextCursor ?? undefined;
    more.hidden = !cursor;
    more.disabled = false;
  }

  /** The reader's own comments under this article that wait for a moderator: only they see them. */
  async function loadPending() {
    if (!reader) return;
    const { data } = await api.GET("/api/v1/me/comments", { params: { query: { limit: 100 } }, headers: bearer(reader) });
    for (const mine of data?.items ?? []) {
      if (mine.articleSlug !== slug || mine.status !== "pending") continue;
      pending.append(item({ ...mine, author: { id: "", displayName: reader.name, staff: false }, replyCount: 0, replies: [] } as Comment, true));
    }
  }

  more.addEventListener("click", loadMore);
  section.dataset.loaded = "false";
  Promise.all([loadMore(), loadPending()]).finally(() => { section.dataset.loaded = "true"; });
  return section;
}
