import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { STEPS } from '@/router/steps'
import { useCaseStore } from '@/stores/case'
import { apiError, makeCase } from '@/test-utils'
import { type StepAction, type StepActionOptions, useStepAction } from '../use-step-action'

/** A deferred answer, so a spec can look at the action while it is running. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Mounts a component that owns one step action; the case (if any) is at `currentStep`. */
async function setup<Args extends unknown[], R>(
  action: (...args: Args) => Promise<R>,
  options: StepActionOptions<Args, R> = {},
  { currentStep, path = '/identity' }: { currentStep?: number; path?: string } = {},
) {
  const pinia = createPinia()
  setActivePinia(pinia)
  // The step routes without the app's guard: this is about the action, not about access.
  const router = createRouter({
    history: createMemoryHistory(),
    routes: STEPS.map((s) => ({ path: s.path, name: s.name, component: { render: () => null } })),
  })
  if (currentStep !== undefined) useCaseStore().setCurrent(makeCase({ current_step: currentStep }))
  await router.push(path)
  await router.isReady()
  let step!: StepAction<Args>
  mount(
    defineComponent({
      setup() {
        step = useStepAction(action, options)
        return () => h('div')
      },
    }),
    { global: { plugins: [pinia, router] } },
  )
  return { step, router }
}

describe('useStepAction', () => {
  it('should be busy while the call runs and open the step the answer names', async () => {
    const answer = deferred<{ current_step: number }>()
    const { step, router } = await setup(() => answer.promise, { then: (a) => a.current_step }, { currentStep: 5 })

    const running = step.run()
    expect(step.busy.value).toBe(true)
    answer.resolve({ current_step: 6 })
    await running

    expect(step.busy.value).toBe(false)
    expect(router.currentRoute.value.path).toBe('/update')
  })

  it('should ignore taps while busy', async () => {
    const answer = deferred<null>()
    const action = vi.fn(() => answer.promise)
    const { step } = await setup(action)

    const first = step.run()
    await step.run()
    await step.run()
    answer.resolve(null)
    await first

    expect(action).toHaveBeenCalledTimes(1)
    await step.run()
    expect(action).toHaveBeenCalledTimes(2)
  })

  it('should not call when the case is already past the page step, and open where the case is', async () => {
    const action = vi.fn(async () => ({ current_step: 6 }))
    const { step, router } = await setup(action, { step: 5, then: (a) => a.current_step }, { currentStep: 8 })

    await step.run()

    expect(action).not.toHaveBeenCalled()
    expect(step.busy.value).toBe(false)
    expect(router.currentRoute.value.path).toBe('/sign')
  })

  it('should call on the page step itself', async () => {
    const action = vi.fn(async () => ({ current_step: 6 }))
    const { step } = await setup(action, { step: 5, then: (a) => a.current_step }, { currentStep: 5 })

    await step.run()

    expect(action).toHaveBeenCalledTimes(1)
  })

  it('should call again past the page step when skipIf says the input changed', async () => {
    const action = vi.fn(async (input: { address: string }) => ({ current_step: input.address ? 7 : 6 }))
    const { step } = await setup(
      action,
      { step: 6, skipIf: (input) => input.address === '旧地址', then: (a) => a.current_step },
      { currentStep: 7 },
    )

    await step.run({ address: '旧地址' })
    expect(action).not.toHaveBeenCalled()

    await step.run({ address: '新地址' })
    expect(action).toHaveBeenCalledWith({ address: '新地址' })
  })

  it('should do nothing when `when` says no', async () => {
    const action = vi.fn(async () => null)
    let ready = false
    const { step } = await setup(action, { when: () => ready })

    await step.run()
    expect(action).not.toHaveBeenCalled()

    ready = true
    await step.run()
    expect(action).toHaveBeenCalledTimes(1)
  })

  it('should stay on the page when `then` names no target', async () => {
    const seen: string[] = []
    const { step, router } = await setup(async (word: string) => word.toUpperCase(), {
      then: (result, word) => {
        seen.push(`${word}→${result}`)
      },
    })

    await step.run('ok')

    expect(seen).toEqual(['ok→OK'])
    expect(router.currentRoute.value.path).toBe('/identity')
  })

  it('should open a route `then` returns', async () => {
    const { step, router } = await setup(async () => null, { then: () => ({ name: 'home' }) })

    await step.run()

    expect(router.currentRoute.value.path).toBe('/')
  })

  it('should hand a refusal to onError while still busy, and end busy after it', async () => {
    const refusal = apiError(422, 'UPDATE_NOT_NEWER', '新证件的有效期应晚于原证件')
    let busyInHandler: boolean | undefined
    const handled: unknown[] = []
    const { step, router } = await setup(
      async () => {
        throw refusal
      },
      {
        then: () => 7,
        onError: async (error) => {
          busyInHandler = step.busy.value
          handled.push(error)
        },
      },
    )

    await expect(step.run()).resolves.toBeUndefined()

    expect(handled).toEqual([refusal])
    expect(busyInHandler).toBe(true)
    expect(step.busy.value).toBe(false)
    expect(router.currentRoute.value.path).toBe('/identity')
  })

  it('should swallow an error without onError (the request layer toasted it)', async () => {
    const { step } = await setup(async () => {
      throw apiError(409, 'CASE_STEP_OUT_OF_ORDER', '请按顺序完成办理步骤')
    })

    await expect(step.run()).resolves.toBeUndefined()
    expect(step.busy.value).toBe(false)
  })

  it('should pass a failure of `then` to onError', async () => {
    const failure = new Error('store update failed')
    const onError = vi.fn()
    const { step } = await setup(async () => 1, {
      then: () => {
        throw failure
      },
      onError,
    })

    await step.run()
    await flushPromises()

    expect(onError).toHaveBeenCalledWith(failure)
    expect(step.busy.value).toBe(false)
  })
})
