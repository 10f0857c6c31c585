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
import { documentTitle } from './title'

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
  if (!session.signedIn) {
    // 我的办理记录 from the service list: back there after sign-in (login reads `redirect`).
    const query = to.meta.returnAfterLogin ? { redirect: to.fullPath } : undefined
    return { name: 'login', query, replace: true }
  }

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
    if (typeof document !== 'undefined') document.title = documentTitle(to, t)
  })
  return router
}

/**
 * Where the login page goes after sign-in when it was opened for a page that asked to come
 * back (`?redirect=`): only a route of the app that declares `returnAfterLogin`; anything
 * else (another site, a case step) is ignored and the case entry decides.
 */
export function loginReturnPath(router: Router, redirect: unknown): string | null {
  if (typeof redirect !== 'string' || !redirect.startsWith('/') || redirect.startsWith('//')) return null
  const target = router.resolve(redirect)
  return target.matched.length > 0 && target.meta.returnAfterLogin ? target.fullPath : null
}

/** NOT_SIGNED_IN / SESSION_EXPIRED (already toasted): forget the session and go to /login. */
export function installAuthLostRedirect(router: Router): void {
  setAuthLostHandler(() => {
    useSessionStore().clear()
    if (router.currentRoute.value.name !== 'login') void router.replace({ name: 'login' })
  })
}
