import { type Ref, readonly, ref } from 'vue'
import { type RouteLocationRaw, useRouter } from 'vue-router'
import { stepPath } from '@/router/steps'
import { useCaseStore } from '@/stores/case'

/** Where to go after an action: a case step's number (its page), or any route. */
export type StepTarget = number | RouteLocationRaw

type MaybePromise<T> = T | Promise<T>

export interface StepActionOptions<Args extends unknown[], R> {
  /**
   * The step whose page this is. When the open case is already past it (the customer came
   * back), `run` opens the step the case is on instead of calling again.
   */
  step?: number
  /** With `step`: skip the call only when this holds too (e.g. nothing was changed). */
  skipIf?: (...args: Args) => boolean
  /** What else must hold to start (a form that is complete, a case in the store); false: do nothing. */
  when?: () => boolean
  /** After success, still busy: what to do with the answer; a returned target is opened (`replace`). */
  then?: (result: R, ...args: Args) => MaybePromise<StepTarget | null | undefined | void>
  /**
   * A refusal or failure, still busy. The request layer has already toasted an API error with
   * the server's message (unless the call asked it to be silent): handle here only what this
   * page does besides. Without it the error ends here.
   */
  onError?: (error: unknown, ...args: Args) => MaybePromise<void>
}

export interface StepAction<Args extends unknown[]> {
  /** True from the call until `then` / `onError` have finished (bind it to the button's `loading`). */
  busy: Readonly<Ref<boolean>>
  /** Runs the action once unless it is busy or `when` says no; rejects only when `onError` throws. */
  run: (...args: Args) => Promise<void>
}

/**
 * The pattern of a step page's button: ignore taps while busy, go on directly when the case is
 * already past this step, call the server, then open the step the answer names (or do what the
 * page does with it), and leave error handling to the toast unless the page adds its own.
 *
 *     const { busy: confirming, run: onConfirm } = useStepAction(() => idcard.confirmIdentityRead(), {
 *       step: IDENTITY_STEP,
 *       then: (answer) => answer.current_step,
 *     })
 */
export function useStepAction<Args extends unknown[], R>(
  action: (...args: Args) => Promise<R>,
  options: StepActionOptions<Args, R> = {},
): StepAction<Args> {
  const router = useRouter()
  const cases = useCaseStore()
  const busy = ref(false)

  async function go(target: StepTarget | null | undefined | void): Promise<void> {
    if (target === null || target === undefined) return
    await router.replace(typeof target === 'number' ? stepPath(target) : target)
  }

  async function run(...args: Args): Promise<void> {
    if (busy.value) return
    if (options.when && !options.when()) return
    const current = cases.current
    if (options.step !== undefined && current && current.current_step > options.step) {
      if (!options.skipIf || options.skipIf(...args)) {
        await go(current.current_step)
        return
      }
    }
    busy.value = true
    try {
      const result = await action(...args)
      await go(options.then ? await options.then(result, ...args) : undefined)
    } catch (error) {
      await options.onError?.(error, ...args)
    } finally {
      busy.value = false
    }
  }

  return { busy: readonly(busy), run }
}
