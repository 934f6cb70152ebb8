// The typed HeadlessNews client: openapi-fetch over the types openapi-typescript generates from openapi.yaml
// (src/api/schema.d.ts, made by `npm run generate`; never edited by hand).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

/**
 * fields= can trim any member of an article or card, so the document marks none of them required. Without fields=
 * every member is there; these pages never send it, and whole() tells the type checker so.
 */
export type Whole<T> = T extends (infer U)[] ? Whole<U>[] : T extends object ? { [K in keyof T]-?: Whole<T[K]> } : T;
export const whole = <T>(value: T) => value as Whole<T>;

export type Article = Whole<components["schemas"]["ArticlePage"]>;
export type ArticleCard = Whole<components["schemas"]["ArticleCard"]>;
export type Tag = components["schemas"]["Tag"];

export function createApi(baseUrl: string, key?: string) {
  return createClient<paths>({
    baseUrl,
    headers: key ? { Authorization: `Bearer ${key}` } : undefined,
  });
}

export type Api = ReturnType<typeof createApi>;
