import { enableAutoUnmount } from '@vue/test-utils'
import { closeToast } from 'vant'
import { afterAll, afterEach } from 'vitest'
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

// Vant's NavBar measures itself 100, 200 and 300 ms after mounting (use-placeholder →
// use-height). Let those timers run out while this file's jsdom window still exists; after
// the environment's teardown they throw "window is not defined" as an unhandled error.
const VANT_MEASURE_TIMERS_MS = 350
afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, VANT_MEASURE_TIMERS_MS)))
