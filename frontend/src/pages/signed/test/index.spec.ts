import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as metaApi from '@/api/meta'
import * as signingApi from '@/api/signing'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import SignedPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/signing')

const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

function signed(): signingApi.SignedOut {
  return {
    documents: [
      {
        key: 'change_application',
        title: '《客户账户信息变更申请书》',
        sha256: HASH,
        signed_at: '2026-11-25T02:05:00Z',
        download_url: '/api/cases/current/documents/change_application.pdf',
      },
      {
        key: 'digital_certificate',
        title: '《数字证书协议》',
        sha256: 'f'.repeat(64),
        signed_at: '2026-11-25T10:05:00+08:00',
        download_url: '/api/cases/current/documents/digital_certificate.pdf',
      },
    ],
    case_state: 'signed',
  }
}

async function mountSigned() {
  vi.mocked(authApi.getSession).mockResolvedValue(
    makeSession({ case: makeCase({ state: 'signed', current_step: 9, step_key: 'signed' }) }),
  )
  return mountAt(SignedPage, '/signed')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(signingApi.getDocuments).mockResolvedValue(signed())
  vi.mocked(signingApi.submitCase).mockResolvedValue(
    makeCase({ state: 'submitted', state_label: '已提交，等待办理', current_step: 10, step_key: 'status' }),
  )
})

describe('signed step (签署完成)', () => {
  it('should show success and list the signed documents with time, short hash and a link', async () => {
    const { wrapper } = await mountSigned()
    expect(wrapper.get('[data-testid="signed-result"]').text()).toContain('签署完成')
    expect(wrapper.find('[data-testid="signed-result"] .van-icon-success').exists()).toBe(true)
    const doc = wrapper.get('[data-testid="signed-doc-change_application"]')
    expect(doc.text()).toContain('《客户账户信息变更申请书》')
    expect(doc.text()).toContain('签署时间：2026年11月25日 10:05')
    expect(doc.get('[data-testid="signed-hash"]').text()).toBe('e3b0c44298fc')
    const link = wrapper.get('[data-testid="signed-view-change_application"]')
    expect(link.text()).toBe('查看')
    expect(link.attributes('href')).toBe('/api/cases/current/documents/change_application.pdf')
    expect(link.attributes('target')).toBe('_blank')
    expect(wrapper.findAll('[data-testid^="signed-doc-"]')).toHaveLength(2)
  })

  it('should submit on 确定 and go to step 10', async () => {
    const { wrapper, router } = await mountSigned()
    await wrapper.get('[data-testid="signed-confirm"]').trigger('click')
    await flushPromises()
    expect(signingApi.submitCase).toHaveBeenCalledTimes(1)
    expect(vi.mocked(signingApi.submitCase).mock.calls[0]![0]).toMatch(/^[0-9a-f-]{36}$/)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/status'))
  })

  it('should stay when the submit is refused', async () => {
    vi.mocked(signingApi.submitCase).mockRejectedValueOnce(apiError(409, 'CASE_STEP_OUT_OF_ORDER', '请按顺序办理'))
    const { wrapper, router } = await mountSigned()
    await wrapper.get('[data-testid="signed-confirm"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/signed')
  })

  it('should offer a reload when the documents cannot be loaded', async () => {
    vi.mocked(signingApi.getDocuments).mockRejectedValueOnce(apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    const { wrapper } = await mountSigned()
    await wrapper.get('[data-testid="signed-reload"]').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid^="signed-doc-"]')).toHaveLength(2)
  })
})
