import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { i18n } from '@/utils/i18n'
import DecisionSummary from '../index.vue'

const REASONS = ['身份证照片不清晰或不完整', '地址与证件不一致']

function mountSummary(props: Partial<InstanceType<typeof DecisionSummary>['$props']>) {
  return mount(DecisionSummary, {
    props: { reasons: REASONS, note: '请在光线充足处重新拍摄', layout: 'groups', testid: 'status', ...props },
    global: { plugins: [i18n] },
  })
}

describe('DecisionSummary', () => {
  it('should show the reasons one per row and the note, under the titles given', () => {
    const wrapper = mountSummary({ reasonsTitle: '补充原因', noteTitle: '工作人员说明' })
    expect(wrapper.findAll('[data-testid="status-reason"]').map((r) => r.text())).toEqual(REASONS)
    expect(wrapper.get('[data-testid="status-note"]').text()).toBe('请在光线充足处重新拍摄')
    expect(wrapper.text()).toContain('补充原因')
    expect(wrapper.text()).toContain('工作人员说明')
  })

  it('should show them as two lines inside a decision row', () => {
    const wrapper = mountSummary({ layout: 'lines', testid: 'record' })
    expect(wrapper.get('[data-testid="record-reasons"]').text()).toBe('原因：身份证照片不清晰或不完整；地址与证件不一致')
    expect(wrapper.get('[data-testid="record-note"]').text()).toBe('工作人员说明：请在光线充足处重新拍摄')
    expect(wrapper.find('.van-cell-group').exists()).toBe(false)
  })

  it.each(['groups', 'lines'] as const)('should show nothing for what is empty (%s)', (layout) => {
    const wrapper = mountSummary({ layout, reasons: [], note: '' })
    expect(wrapper.text()).toBe('')
    const noteOnly = mountSummary({ layout, reasons: [] })
    expect(noteOnly.find('[data-testid="status-reasons"]').exists()).toBe(false)
    expect(noteOnly.text()).toContain('请在光线充足处重新拍摄')
  })
})
