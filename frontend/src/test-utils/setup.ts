import { enableAutoUnmount } from '@vue/test-utils'
import { closeToast } from 'vant'
import { afterEach } from 'vitest'
import { ELDER_MODE_CLASS } from '@/composables/use-elder-mode'

enableAutoUnmount(afterEach)

// jsdom has no scrolling; the router's scrollBehavior calls it on every navigation.
window.scrollTo = () => undefined

afterEach(() => {
  closeToast(true) // the next toast mounts afresh in the cleaned body
  localStorage.clear()
  document.documentElement.classList.remove(ELDER_MODE_CLASS)
  document.body.innerHTML = ''
})
