import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { apiError } from '@/test-utils'
import { isApiError } from '@/utils/api-error'
import { type PageLoad, type PageLoadOptions, usePageLoad } from '../use-page-load'

/** A deferred answer, so a spec can look at the page while it loads. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Mounts a component that owns one page load. */
function setup<S extends string = never>(fetch: () => Promise<unknown>, options: PageLoadOptions<S> = {}) {
  let page!: PageLoad<S>
  const wrapper = mount(
    defineComponent({
      setup() {
        page = usePageLoad(fetch, options)
        return () => h('div', { 'data-stage': page.stage.value })
      },
    }),
  )
  return { page, wrapper }
}

describe('usePageLoad', () => {
  it('should load on mount, show loading meanwhile, then be ready', async () => {
    const answer = deferred<string>()
    const fetch = vi.fn(() => answer.promise)
    const { page, wrapper } = setup(fetch)

    expect(fetch).toHaveBeenCalledOnce()
    expect(page.stage.value).toBe('loading')
    answer.resolve('ok')
    await flushPromises()
    expect(page.stage.value).toBe('ready')
    expect(wrapper.attributes('data-stage')).toBe('ready')
  })

  it('should show load-failed on an error and load again on retry', async () => {
    const fetch = vi.fn().mockRejectedValueOnce(apiError(500, 'INTERNAL_ERROR', '系统繁忙，请稍后重试')).mockResolvedValueOnce(undefined)
    const { page } = setup(fetch)
    await flushPromises()
    expect(page.stage.value).toBe('load-failed')

    const again = page.load()
    expect(page.stage.value).toBe('loading')
    await expect(again).resolves.toBe(true)
    expect(page.stage.value).toBe('ready')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('should resolve false on a failure, never reject', async () => {
    const { page } = setup(() => Promise.reject(new Error('network')), { immediate: false })
    await expect(page.load()).resolves.toBe(false)
    expect(page.stage.value).toBe('load-failed')
  })

  it("should map a failure to the page's own stage", async () => {
    const { page } = setup<'not-found'>(() => Promise.reject(apiError(404, 'CASE_NOT_FOUND', '未找到该办理记录')), {
      failed: (error) => (isApiError(error, 'CASE_NOT_FOUND') ? 'not-found' : 'load-failed'),
    })
    await flushPromises()
    expect(page.stage.value).toBe('not-found')
  })

  it('should open the stage given for a success', async () => {
    const { page } = setup<'notice'>(() => Promise.resolve(), { loaded: 'notice' })
    await flushPromises()
    expect(page.stage.value).toBe('notice')
  })

  it('should not load on mount when told not to, and start in the stage given', async () => {
    const fetch = vi.fn(() => Promise.resolve())
    const { page } = setup(fetch, { initial: 'ready', immediate: () => false })
    await flushPromises()
    expect(fetch).not.toHaveBeenCalled()
    expect(page.stage.value).toBe('ready')

    const { page: other } = setup(fetch, { immediate: false })
    await flushPromises()
    expect(fetch).not.toHaveBeenCalled()
    expect(other.stage.value).toBe('loading')
  })

  it("should let the page set its own stages, and a load's end set the next", async () => {
    const { page } = setup<'done'>(() => Promise.resolve(), { immediate: false })
    page.stage.value = 'done'
    expect(page.stage.value).toBe('done')
    await page.load()
    expect(page.stage.value).toBe('ready')
  })

  it('should let only the latest load set the stage', async () => {
    const first = deferred<void>()
    const second = deferred<void>()
    const fetch = vi.fn().mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise)
    const { page } = setup(fetch, { immediate: false })

    const a = page.load()
    const b = page.load()
    second.resolve()
    await b
    expect(page.stage.value).toBe('ready')
    first.reject(new Error('late'))
    await a
    expect(page.stage.value).toBe('ready') // the earlier load's late failure is ignored
  })
})
