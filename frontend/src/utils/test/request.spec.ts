import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as metaApi from '@/api/meta'
import { createHarness, makeCase, makeMeta, makeSession, toastText } from '@/test-utils'
import { ApiError } from '../api-error'
import { request, type SilentOption } from '../request'

vi.mock('@/api/meta')
vi.mock('@/api/auth', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/auth')>()),
  getSession: vi.fn(),
}))

const originalAdapter = request.defaults.adapter

/** Makes the next request fail as the server (or the network) would. */
function failWith(status: number | null, data?: unknown, code?: string) {
  request.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    const response =
      status === null
        ? undefined
        : ({ status, statusText: '', data, headers: {}, config } as AxiosResponse)
    throw new AxiosError('failed', code ?? (status === null ? 'ERR_NETWORK' : 'ERR_BAD_REQUEST'), config, {}, response)
  }
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

function body(code: string, message: string, detail: Record<string, unknown> | null = null) {
  return { code, message, retryable: true, fields: null, detail }
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
})

afterEach(() => {
  request.defaults.adapter = originalAdapter
})

describe('API client', () => {
  it('should use the /api base, the session cookie and Django\'s CSRF names', () => {
    expect(request.defaults.baseURL).toBe('/api')
    expect(request.defaults.withCredentials).toBe(true)
    expect(request.defaults.xsrfCookieName).toBe('csrftoken')
    expect(request.defaults.xsrfHeaderName).toBe('X-CSRFToken')
  })

  it.each([
    ['SMS_CODE_INVALID', 400, '验证码不正确，还可尝试4次'],
    ['LOGIN_LOCKED', 423, '账户已锁定，请30分钟后再试'],
    ['CASE_STEP_OUT_OF_ORDER', 409, '请按顺序办理'],
    ['RATE_LIMITED', 429, '操作过于频繁，请稍后再试'],
  ])('should toast the message of %s and reject with its code', async (code, status, message) => {
    failWith(status, body(code, message, { attempts_left: 4 }))
    const error = await caught(request.post('/auth/sms/verify', {}))
    expect(toastText()).toBe(message)
    expect(error.code).toBe(code)
    expect(error.status).toBe(status)
    expect(error.detailNumber('attempts_left')).toBe(4)
  })

  it.each(['NOT_SIGNED_IN', 'SESSION_EXPIRED'])(
    'should toast and go back to /login on %s',
    async (code) => {
      vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase() }))
      const { router } = createHarness()
      await router.push('/face')
      expect(router.currentRoute.value.path).toBe('/face')

      failWith(401, body(code, '您长时间未操作，为保障账户安全已退出，请重新验证'))
      await caught(request.post('/cases', {}))
      await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/login'))
      expect(toastText()).toBe('您长时间未操作，为保障账户安全已退出，请重新验证')
    },
  )

  it('should say the network failed when no answer came back', async () => {
    failWith(null)
    const error = await caught(request.get('/meta'))
    expect(error.code).toBe('NETWORK_ERROR')
    expect(error.status).toBe(0)
    expect(toastText()).toBe('网络连接异常，请检查网络后重试')
  })

  it('should say the request timed out', async () => {
    failWith(null, undefined, 'ECONNABORTED')
    const error = await caught(request.get('/meta'))
    expect(error.code).toBe('TIMEOUT')
    expect(toastText()).toBe('请求超时，请稍后重试')
  })

  it('should show a readable message for a gateway page without the error shape', async () => {
    failWith(502, '<html>Bad Gateway</html>')
    const error = await caught(request.get('/meta'))
    expect(error.code).toBe('HTTP_ERROR')
    expect(toastText()).toBe('服务暂时不可用，请稍后重试')
  })

  it.each<[string, SilentOption]>([
    ['true', true],
    ['a predicate that matches', (e) => e.code === 'NO_ACTIVE_CASE'],
  ])('should not toast a silent request (%s)', async (_label, silent) => {
    failWith(404, body('NO_ACTIVE_CASE', '没有进行中的申请'))
    const error = await caught(request.get('/cases/current', { silent }))
    expect(error.code).toBe('NO_ACTIVE_CASE')
    expect(toastText()).toBe('')
  })
})
