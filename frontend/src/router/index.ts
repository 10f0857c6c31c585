import {
  createRouter,
  createWebHistory,
  type NavigationGuardWithThis,
  type Router,
  type RouterHistory,
} from 'vue-router'
import { useCaseStore } from '@/stores/case'
import { useMetaStore } from '@/stores/meta'
import { useSessionStore } from '@/stores/session'
import { t } from '@/utils/i18n'
import { setAuthLostHandler } from '@/utils/request'
import { routes } from './routes'
import { FIRST_CASE_STEP, stepPath } from './steps'

/** Django serves the app at /h5/ and every /h5/<route>. */
export const ROUTER_BASE = '/h5/'

/**
 * The one navigation guard: loads the service meta (and with it the CSRF cookie), sends
 * pages that need a session to /login, and keeps the customer on the case's current step:
 * a step ahead of `case.current_step` redirects to it (no skipping).
 */
export const guard: NavigationGuardWithThis<undefined> = async (to) => {
  const meta = useMetaStore()
  const session = useSessionStore()
  await meta.ensureLoaded()

  if (!to.meta.requiresAuth) return true
  await session.ensureKnown()
  if (!session.signedIn) return { name: 'login', replace: true }

  const step = to.meta.step
  if (step === undefined || step < FIRST_CASE_STEP) return true
  const current = useCaseStore().current
  // The status page also shows a case that is no longer open (已通过 / 未通过): it loads it.
  if (!current) return to.name === 'status' ? true : { name: 'resume', replace: true }
  if (step > current.current_step) return { path: stepPath(current.current_step), replace: true }
  return true
}

export function createAppRouter(history: RouterHistory = createWebHistory(ROUTER_BASE)): Router {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: () => ({ top: 0 }),
  })
  router.beforeEach(guard)
  router.afterEach((to) => {
    const title = to.meta.titleKey ? t(to.meta.titleKey) : t('app.name')
    if (typeof document !== 'undefined') document.title = title
  })
  return router
}

/** NOT_SIGNED_IN / SESSION_EXPIRED (already toasted): forget the session and go to /login. */
export function installAuthLostRedirect(router: Router): void {
  setAuthLostHandler(() => {
    useSessionStore().clear()
    if (router.currentRoute.value.name !== 'login') void router.replace({ name: 'login' })
  })
}
