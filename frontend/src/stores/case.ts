import { defineStore } from 'pinia'
import { ref } from 'vue'
import {
  ACTIVE_STATES,
  cancelCurrentCase,
  type CaseOut,
  type CaseState,
  type CaseStatusOut,
  createCase,
  getCurrentCase,
  getLatestCase,
  isCaseOut,
  redoCase,
} from '@/api/cases'
import { useIdempotencyKey } from '@/composables/use-idempotency-key'
import { isApiError } from '@/utils/api-error'

/** The customer's open renewal case (one at most), and the latest one with its decision. */
export const useCaseStore = defineStore('case', () => {
  const current = ref<CaseOut | null>(null)
  /** The most recent case in any state (`GET /api/cases/latest`), for the status page. */
  const latest = ref<CaseStatusOut | null>(null)
  const startKey = useIdempotencyKey()
  const cancelKey = useIdempotencyKey()
  const redoKey = useIdempotencyKey()

  function setCurrent(value: CaseOut | null): void {
    current.value = value
  }

  /** `POST /api/cases`. On CASE_ALREADY_ACTIVE the open case becomes current, and the error is rethrown. */
  async function start(): Promise<CaseOut> {
    try {
      const created = await startKey.run({}, (key) => createCase(key))
      current.value = created
      return created
    } catch (error) {
      if (isApiError(error, 'CASE_ALREADY_ACTIVE') && isCaseOut(error.detail?.case)) {
        current.value = error.detail.case
      }
      throw error
    }
  }

  /** `POST /api/cases/current/cancel`, then `POST /api/cases`. */
  async function restart(): Promise<CaseOut> {
    try {
      await cancelKey.run({}, (key) =>
        cancelCurrentCase(key, { silent: (e) => e.code === 'NO_ACTIVE_CASE' }),
      )
    } catch (error) {
      // Already gone (cancelled on another device, or expired): start anyway.
      if (!isApiError(error, 'NO_ACTIVE_CASE')) throw error
    }
    current.value = null
    return start()
  }

  /** `GET /api/cases/current`: the case as the server has it now (e.g. after a step moved it on). */
  async function refresh(): Promise<CaseOut> {
    const fresh = await getCurrentCase({ silent: true })
    current.value = fresh
    return fresh
  }

  /**
   * `GET /api/cases/latest`: the case and the back office's decision. A decided case is no
   * longer the open one, so `current` follows: the case while it is open, else none.
   */
  async function loadLatest(): Promise<CaseStatusOut> {
    const fresh = await getLatestCase({ silent: true })
    latest.value = fresh
    current.value = ACTIVE_STATES.has(fresh.state) ? fresh : null
    return fresh
  }

  /** 去补充: `POST /api/cases/current/redo`; the case is back at the first step to redo. */
  async function redo(): Promise<CaseOut> {
    const moved = await redoKey.run({}, (key) => redoCase(key))
    current.value = moved
    latest.value = null
    return moved
  }

  /**
   * After a step's result moved the case on (e.g. face passed → step 4): reload the case so
   * the guard lets the customer through; if the reload fails, take the step from the result.
   */
  async function advance(progress: { case_state: CaseState; current_step: number }): Promise<CaseOut | null> {
    try {
      return await refresh()
    } catch {
      if (current.value && progress.current_step > current.value.current_step) {
        current.value = { ...current.value, state: progress.case_state, current_step: progress.current_step }
      }
      return current.value
    }
  }

  return { current, latest, setCurrent, start, restart, refresh, loadLatest, redo, advance }
})
