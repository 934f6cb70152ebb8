// The typed HeadlessNews client: openapi-fetch over the types openapi-typescript generates from openapi.yaml
// (src/api/schema.d.ts, made by `npm run generate`; never edited by hand).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Article = components["schemas"]["ArticlePage"];
export type ArticleCard = components["schemas"]["ArticleCard"];
export type Tag = components["schemas"]["Tag"];

export function createApi(baseUrl: string, key?: string) {
  return createClient<paths>({
    baseUrl,
    headers: key ? { Authorization: `Bearer ${key}` } : undefined,
  });
}

export type Api = ReturnType<typeof createApi>;
