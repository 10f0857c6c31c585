import type { Directive } from 'vue'

type InputAttrs = Record<string, string | undefined>

function apply(el: HTMLElement, attrs: InputAttrs): void {
  const control = el.matches('input, textarea') ? el : el.querySelector('input, textarea')
  if (!control) return
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) control.removeAttribute(name)
    else control.setAttribute(name, value)
  }
}

/**
 * Puts attributes on the `<input>` inside a component such as `van-field`, whose own
 * attributes land on its outer element: `v-input-attrs="{ 'data-testid': 'sms-code' }"`.
 * Tests (and screen readers, through `aria-label`) then reach the control itself.
 */
export const vInputAttrs: Directive<HTMLElement, InputAttrs> = {
  mounted(el, binding) {
    apply(el, binding.value)
  },
  updated(el, binding) {
    apply(el, binding.value)
  },
}
