import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as metaApi from '@/api/meta'
import { apiError, createHarness, makeCase, makeMeta, makeSession } from '@/test-utils'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  createCase: vi.fn(),
  cancelCurrentCase: vi.fn(),
  getCurrentCase: vi.fn(),
}))

function signedOut() {
  vi.mocked(authApi.getSession).mockRejectedValue(apiError(401, 'NOT_SIGNED_IN', '请先完成账户验证'))
}

function signedInAtStep(step: number | null) {
  const current = step === null ? null : makeCase({ current_step: step })
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: current }))
}

async function landOn(path: string): Promise<string> {
  const { router } = createHarness()
  await router.push(path)
  return router.currentRoute.value.fullPath
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
})

describe('router guard', () => {
  it('should let anyone open the service list and the login page', async () => {
    signedOut()
    expect(await landOn('/')).toBe('/')
    expect(await landOn('/login')).toBe('/login')
    expect(authApi.getSession).not.toHaveBeenCalled()
  })

  it.each(['/face', '/idcard', '/identity', '/update', '/agreements', '/sign', '/signed', '/status', '/resume'])(
    'should send a visitor without a session from %s to /login',
    async (path) => {
      signedOut()
      expect(await landOn(path)).toBe('/login')
    },
  )

  it('should redirect a step ahead of the case to its current step', async () => {
    signedInAtStep(4)
    expect(await landOn('/sign')).toBe('/idcard')
    expect(await landOn('/status')).toBe('/idcard')
  })

  it('should open the current step and the steps before it', async () => {
    signedInAtStep(6)
    expect(await landOn('/update')).toBe('/update')
    expect(await landOn('/face')).toBe('/face')
  })

  it('should send a signed-in customer without a case to the resume screen', async () => {
    signedInAtStep(null)
    expect(await landOn('/face')).toBe('/resume')
  })

  it('should open the status page without an open case (a decided case is shown there)', async () => {
    signedInAtStep(null)
    expect(await landOn('/status')).toBe('/status')
  })

  it('should ask the server for the session once, then use the store', async () => {
    signedInAtStep(3)
    const { router } = createHarness()
    await router.push('/face')
    await router.push('/resume')
    await router.push('/idcard')
    expect(router.currentRoute.value.path).toBe('/face')
    expect(authApi.getSession).toHaveBeenCalledTimes(1)
    expect(authApi.getSession).toHaveBeenCalledWith({ silent: true })
    expect(metaApi.getMeta).toHaveBeenCalledTimes(1)
  })

  it('should send unknown paths to the service list', async () => {
    signedOut()
    expect(await landOn('/nowhere')).toBe('/')
  })
})
