import { defineStore } from 'pinia'
import { ref } from 'vue'
import { cancelCurrentCase, type CaseOut, type CaseState, createCase, getCurrentCase, isCaseOut } from '@/api/cases'
import { useIdempotencyKey } from '@/composables/use-idempotency-key'
import { isApiError } from '@/utils/api-error'

/** The customer's open renewal case (one at most). */
export const useCaseStore = defineStore('case', () => {
  const current = ref<CaseOut | null>(null)
  const startKey = useIdempotencyKey()
  const cancelKey = useIdempotencyKey()

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

  return { current, setCurrent, start, restart, refresh, advance }
})
