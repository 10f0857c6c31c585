import type { RouteRecordRaw } from 'vue-router'
import HomePage from '@/pages/home/index.vue'
import type { GuideKey } from '@/composables/use-guide'
import { STEPS, type StepDef } from './steps'

declare module 'vue-router' {
  interface RouteMeta {
    /** Step number (1–10) for step pages. */
    step?: number
    /** i18n key of the nav bar title (every route has one). */
    titleKey?: string
    /** i18n key of the page's own name in the browser tab, when it differs from the nav bar's. */
    pageTitleKey?: string
    /** After sign-in, come back here (a page reached from the service list, not a case step). */
    returnAfterLogin?: boolean
    /** Show `< 返回` in the nav bar. */
    back?: boolean
    /** Needs a signed-in customer. */
    requiresAuth?: boolean
    /** The page's 操作指南 (a link on the right of the nav bar). */
    guide?: GuideKey
  }
}

const LoginPage = () => import('@/pages/login/index.vue')
const ResumePage = () => import('@/pages/resume/index.vue')
const FacePage = () => import('@/pages/face/index.vue')
const IdCardPage = () => import('@/pages/idcard/index.vue')
const IdentityPage = () => import('@/pages/identity/index.vue')
const UpdatePage = () => import('@/pages/update/index.vue')
const AgreementsPage = () => import('@/pages/agreements/index.vue')
const SignPage = () => import('@/pages/sign/index.vue')
const SignedPage = () => import('@/pages/signed/index.vue')
const StatusPage = () => import('@/pages/status/index.vue')
const RecordsPage = () => import('@/pages/records/index.vue')
const RecordDetailPage = () => import('@/pages/records/detail.vue')

const caseStepPages: Record<string, RouteRecordRaw['component']> = {
  face: FacePage,
  idcard: IdCardPage,
  identity: IdentityPage,
  update: UpdatePage,
  agreements: AgreementsPage,
  sign: SignPage,
  signed: SignedPage,
  status: StatusPage,
}

/** Steps whose nav bar carries 操作指南 (as in the broker's guide). */
const caseStepGuides: Partial<Record<string, GuideKey>> = {
  idcard: 'idcard',
  update: 'update',
  sign: 'sign',
}

function caseStepRoute(step: StepDef): RouteRecordRaw {
  const guide = caseStepGuides[step.name]
  return {
    path: step.path,
    name: step.name,
    component: caseStepPages[step.name]!,
    meta: {
      step: step.number,
      titleKey: `nav.${step.key}`,
      pageTitleKey: `steps.${step.key}`,
      back: true,
      requiresAuth: true,
      ...(guide ? { guide } : {}),
    },
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomePage, meta: { step: 1, titleKey: 'nav.home' } },
  {
    path: '/login',
    name: 'login',
    component: LoginPage,
    meta: { step: 2, titleKey: 'nav.login', pageTitleKey: 'steps.verify', back: true },
  },
  {
    path: '/resume',
    name: 'resume',
    component: ResumePage,
    meta: { titleKey: 'nav.resume', pageTitleKey: 'pageTitles.resume', back: true, requiresAuth: true },
  },
  {
    path: '/records',
    name: 'records',
    component: RecordsPage,
    meta: { titleKey: 'nav.records', back: true, requiresAuth: true, returnAfterLogin: true },
  },
  {
    path: '/records/:reference',
    name: 'record',
    component: RecordDetailPage,
    meta: { titleKey: 'nav.record', back: true, requiresAuth: true, returnAfterLogin: true },
  },
  ...STEPS.filter((s) => s.name in caseStepPages).map(caseStepRoute),
  { path: '/:pathMatch(.*)*', redirect: '/' },
]
