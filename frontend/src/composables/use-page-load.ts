import { type Ref, onMounted, ref } from 'vue'

/** The stages of a page that loads what it shows: bind them to `PageState` (and `data-stage`). */
export type LoadStage = 'loading' | 'load-failed' | 'ready'

export interface PageLoadOptions<S extends string> {
  /** The stage to start in (default `loading`; e.g. `ready` when the store has the data already). */
  initial?: LoadStage | S
  /**
   * Whether to load when the page is mounted (default true). A function decides then; a page
   * with its own start (a case already past the step, data already in the store) passes false
   * and calls `load` itself.
   */
  immediate?: boolean | (() => boolean)
  /** The stage after a success (default `ready`; e.g. the first screen of a page with several). */
  loaded?: LoadStage | S
  /**
   * The stage after a failure (default `load-failed`, whose `PageState` offers 重新加载). The
   * request layer has already toasted an API error with the server's message (unless the call
   * asked it to be silent): map here only what this page shows besides (e.g. `not-found`).
   */
  failed?: (error: unknown) => LoadStage | S
}

export interface PageLoad<S extends string> {
  /** Where the page is; writable, for the page's own stages besides loading. */
  stage: Ref<LoadStage | S>
  /** Loads (again): `loading`, then `loaded` or `failed`. Bind it to `PageState`'s `retry`; true on success. */
  load: () => Promise<boolean>
}

/**
 * The pattern of a page that shows something from the server: load it when mounted, show a
 * loading state, on failure a state with 重新加载 (the error itself is toasted), and let the
 * customer load again. Only the latest load sets the stage (an earlier one that finishes later
 * is ignored).
 *
 *     const { stage, load } = usePageLoad(async () => {
 *       records.value = await listCaseRecords()
 *     })
 */
export function usePageLoad<S extends string = never>(
  fetch: () => Promise<unknown>,
  options: PageLoadOptions<S> = {},
): PageLoad<S> {
  const stage = ref(options.initial ?? 'loading') as Ref<LoadStage | S>
  let latest = 0

  async function load(): Promise<boolean> {
    const mine = ++latest
    stage.value = 'loading'
    try {
      await fetch()
      if (mine === latest) stage.value = options.loaded ?? 'ready'
      return true
    } catch (error) {
      if (mine === latest) stage.value = options.failed ? options.failed(error) : 'load-failed'
      return false
    }
  }

  onMounted(() => {
    const immediate = options.immediate ?? true
    if (typeof immediate === 'function' ? immediate() : immediate) void load()
  })

  return { stage, load }
}
