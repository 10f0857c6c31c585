import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as metaApi from '@/api/meta'
import { apiError, makeCase, makeMeta, makeSession, mountAt, toastText } from '@/test-utils'
import RecordDetailPage from '../detail.vue'
import RecordsPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  listCaseRecords: vi.fn(),
  getCaseRecord: vi.fn(),
}))

const DOCS: casesApi.CaseDocument[] = [
  {
    key: 'change_application',
    title: '《客户账户信息变更申请书》',
    sha256: 'a'.repeat(64),
    signed_at: '2026-11-25T02:05:00Z',
    download_url: '/api/cases/ZJ20261125000001/documents/change_application.pdf',
    link_url: '/api/documents/token-1',
    link_expires_at: '2026-11-25T02:10:00Z',
  },
  {
    key: 'digital_certificate',
    title: '《数字证书服务协议》',
    sha256: 'b'.repeat(64),
    signed_at: '2026-11-25T02:05:00Z',
    download_url: '/api/cases/ZJ20261125000001/documents/digital_certificate.pdf',
    link_url: '/api/documents/token-2',
    link_expires_at: '2026-11-25T02:10:00Z',
  },
]

function record(overrides: Partial<casesApi.CaseRecordDetail> = {}): casesApi.CaseRecordDetail {
  return {
    ...makeCase({ reference: 'ZJ20261125000001', state: 'approved', state_label: '已通过', current_step: 10 }),
    submitted_at: '2026-11-25T02:06:00Z',
    closed_at: '2026-11-25T06:30:00Z',
    outcome: {
      reasons: [],
      note: '资料齐全',
      redo_steps: [],
      redo_step: null,
      decided_at: '2026-11-25T06:30:00Z',
      can_reapply: false,
    },
    documents: DOCS,
    decisions: [
      { kind: 'approve', label: '已通过', reasons: [], note: '资料齐全', decided_at: '2026-11-25T06:30:00Z' },
    ],
    ...overrides,
  }
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession())
})

describe('我的办理记录 (list)', () => {
  it('should list every case newest first with its state and signed documents', async () => {
    const older = record({
      reference: 'ZJ20260501000002',
      state: 'rejected',
      state_label: '未通过',
      documents: [],
    })
    vi.mocked(casesApi.listCaseRecords).mockResolvedValue([record(), older])
    const { wrapper } = await mountAt(RecordsPage, '/records')
    const items = wrapper.findAll('[data-testid="record-item"]')
    expect(items).toHaveLength(2)
    expect(items[0]!.text()).toContain('ZJ20261125000001')
    expect(items[0]!.text()).toContain('已通过')
    expect(items[0]!.text()).toContain('办理时间：2026年11月25日 14:30')
    expect(items[0]!.get('[data-testid="record-documents"]').text()).toBe('已签署协议 2 份')
    expect(items[0]!.find('.van-tag--success').text()).toBe('已通过')
    expect(items[1]!.find('.van-tag--danger').text()).toBe('未通过')
    expect(items[1]!.get('[data-testid="record-documents"]').text()).toBe('暂无已签署协议')
    expect(document.title).toBe('我的办理记录 - 证件更新')
  })

  it('should open the case on tap', async () => {
    vi.mocked(casesApi.listCaseRecords).mockResolvedValue([record()])
    vi.mocked(casesApi.getCaseRecord).mockResolvedValue(record())
    const { wrapper, router } = await mountAt(RecordsPage, '/records')
    await wrapper.get('[data-testid="record-ZJ20261125000001"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/records/ZJ20261125000001'))
  })

  it('should say when there is no case and offer to start one', async () => {
    vi.mocked(casesApi.listCaseRecords).mockResolvedValue([])
    const { wrapper, router } = await mountAt(RecordsPage, '/records')
    expect(wrapper.get('[data-testid="records-empty"]').text()).toContain('您还没有证件更新办理记录')
    await wrapper.get('[data-testid="records-start"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('resume'))
  })

  it('should offer to load again after a failure', async () => {
    vi.mocked(casesApi.listCaseRecords).mockRejectedValueOnce(apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    vi.mocked(casesApi.listCaseRecords).mockResolvedValueOnce([record()])
    const { wrapper } = await mountAt(RecordsPage, '/records')
    expect(wrapper.find('[data-testid="records-load-failed"]').exists()).toBe(true)
    await wrapper.get('[data-testid="records-reload"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('[data-testid="record-item"]')).toHaveLength(1))
  })
})

describe('办理记录详情', () => {
  it('should show the decision and both signed documents with their download links', async () => {
    vi.mocked(casesApi.getCaseRecord).mockResolvedValue(record())
    const { wrapper } = await mountAt(RecordDetailPage, '/records/ZJ20261125000001')
    expect(casesApi.getCaseRecord).toHaveBeenCalledWith('ZJ20261125000001', expect.anything())
    expect(wrapper.get('[data-testid="record-result"] .van-tag--success').text()).toBe('已通过')
    expect(wrapper.text()).toContain('证件信息已更新')
    expect(wrapper.get('[data-testid="record-decision"]').text()).toContain('已通过')
    expect(wrapper.get('[data-testid="record-note"]').text()).toBe('工作人员说明：资料齐全')
    for (const doc of DOCS) {
      const row = wrapper.get(`[data-testid="record-doc-${doc.key}"]`)
      expect(row.text()).toContain(doc.title)
      expect(row.text()).toContain(doc.sha256.slice(0, 16))
      const link = row.get(`[data-testid="record-view-${doc.key}"]`)
      expect(link.attributes('href')).toBe(doc.download_url)
      expect(link.attributes('target')).toBe('_blank')
      expect(link.attributes('rel')).toBe('noopener')
    }
    expect(wrapper.find('[data-testid="record-continue"]').exists()).toBe(false)
    expect(document.title).toBe('办理记录详情 - 证件更新')
  })

  it('should show every decision with its reasons, a return before the approval', async () => {
    vi.mocked(casesApi.getCaseRecord).mockResolvedValue(
      record({
        decisions: [
          {
            kind: 'return',
            label: '需补充材料',
            reasons: ['身份证照片不清晰或不完整', '其他原因'],
            note: '请在光线充足处重新拍摄',
            decided_at: '2026-11-25T03:00:00Z',
          },
          { kind: 'approve', label: '已通过', reasons: [], note: '', decided_at: '2026-11-25T06:30:00Z' },
        ],
      }),
    )
    const { wrapper } = await mountAt(RecordDetailPage, '/records/ZJ20261125000001')
    const decisions = wrapper.findAll('[data-testid="record-decision"]')
    expect(decisions).toHaveLength(2)
    expect(decisions[0]!.text()).toContain('需补充材料')
    expect(decisions[0]!.get('[data-testid="record-reasons"]').text()).toBe(
      '原因：身份证照片不清晰或不完整；其他原因',
    )
    expect(decisions[1]!.find('[data-testid="record-reasons"]').exists()).toBe(false)
  })

  it('should offer to continue an open case at its step', async () => {
    vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: makeCase({ current_step: 9 }) }))
    vi.mocked(casesApi.getCaseRecord).mockResolvedValue(
      record({ state: 'signed', state_label: '签署完成', current_step: 9, outcome: null, decisions: [] }),
    )
    const { wrapper, router } = await mountAt(RecordDetailPage, '/records/ZJ20261125000001')
    expect(wrapper.find('[data-testid="record-decisions"]').exists()).toBe(false)
    const button = wrapper.get('[data-testid="record-continue"]')
    expect(button.text()).toBe('继续办理')
    await button.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/signed'))
  })

  it('should say the record is not found (no toast) and lead back to the list', async () => {
    vi.mocked(casesApi.getCaseRecord).mockRejectedValue(
      apiError(404, 'CASE_NOT_FOUND', '未找到该办理记录，请返回我的办理记录重新选择'),
    )
    vi.mocked(casesApi.listCaseRecords).mockResolvedValue([])
    const { wrapper, router } = await mountAt(RecordDetailPage, '/records/ZJ20261125000009')
    expect(wrapper.get('[data-testid="record-not-found"]').text()).toContain('未找到该办理记录')
    const silent = vi.mocked(casesApi.getCaseRecord).mock.calls[0]![1]!.silent as (e: unknown) => boolean
    expect(silent(apiError(404, 'CASE_NOT_FOUND', ''))).toBe(true)
    expect(silent(apiError(0, 'NETWORK_ERROR', ''))).toBe(false)
    expect(toastText()).toBe('')
    await wrapper.get('[data-testid="record-back"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('records'))
  })
})
