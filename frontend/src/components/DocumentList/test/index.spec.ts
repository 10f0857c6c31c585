import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { i18n } from '@/utils/i18n'
import DocumentList, { type ListedDocument } from '../index.vue'

const SHA = 'a3f1c9d2e4b5a6978812345678901234567890abcdefabcdefabcdefabcdef12'
const DOCS: ListedDocument[] = [
  {
    key: 'change_application',
    title: '《客户账户信息变更申请书》',
    sha256: SHA,
    signed_at: '2026-11-25T01:10:00Z',
    download_url: '/api/cases/ZJ1/documents/change_application.pdf',
  },
]

function mountList(props: Partial<InstanceType<typeof DocumentList>['$props']> = {}) {
  return mount(DocumentList, {
    props: { documents: DOCS, variant: 'step', testid: 'signed', ...props },
    attrs: { 'data-testid': 'signed-documents' },
    global: { plugins: [i18n] },
  })
}

describe('DocumentList', () => {
  it('should show each document with its time in Beijing, the digest and 查看 opening the PDF', () => {
    const wrapper = mountList()
    const row = wrapper.get('[data-testid="signed-doc-change_application"]')
    expect(row.text()).toContain('《客户账户信息变更申请书》')
    expect(row.text()).toContain('签署时间：2026年11月25日 09:10')
    expect(wrapper.get('[data-testid="signed-hash"]').text()).toBe(SHA.slice(0, 12))
    const view = wrapper.get('[data-testid="signed-view-change_application"]')
    expect(view.text()).toBe('查看')
    expect(view.attributes('href')).toBe('/api/cases/ZJ1/documents/change_application.pdf')
    expect(view.attributes('target')).toBe('_blank')
  })

  it('should put the whole digest in the title attribute and show more of it on 我的办理记录', () => {
    const wrapper = mountList({ variant: 'record', testid: 'record' })
    expect(wrapper.get('[data-testid="record-hash"]').text()).toBe(SHA.slice(0, 16))
    expect(wrapper.find(`[title="${SHA}"]`).exists()).toBe(true)
    expect(wrapper.get('.document-list').classes()).toContain('document-list--record')
  })

  it('should pass the test id to the group, and show the empty row only when asked', () => {
    expect(mountList({ documents: [] }).get('[data-testid="signed-documents"]').text()).toBe('')
    const empty = mountList({ documents: [], emptyText: '暂无已签署协议', title: '已签署协议' })
    expect(empty.text()).toContain('已签署协议')
    expect(empty.get('[data-testid="signed-documents"]').text()).toBe('暂无已签署协议')
  })
})
