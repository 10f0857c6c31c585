/**
 * The request and response shapes of the API, from the server's OpenAPI schema.
 *
 * `schema.d.ts` is generated (`npm run gen:api`, openapi-typescript over `openapi.json`, which
 * is exported from the Python app); never edit it by hand. The modules beside this one give
 * those shapes the names the H5 uses and add only what the schema cannot say:
 *
 * - a string the server documents as free text but the client switches on (a case's `state`,
 *   a face action, an agreement key) is narrowed to the union of the values it handles;
 * - a `dict[str, Any]` on the server (OCR fields, a task's `result`) gets its known shape.
 *
 * Both are written with {@link Narrow}, so every other field, and every field the server adds
 * later, still comes from the schema.
 */
import type { components } from './schema'

/** Every named schema of the API (`components.schemas`). */
export type Schemas = components['schemas']

/** `T` with the fields of `R` replaced by `R`'s (narrower) types. */
export type Narrow<T, R extends { [K in keyof R]: K extends keyof T ? unknown : never }> = Omit<T, keyof R> & R
