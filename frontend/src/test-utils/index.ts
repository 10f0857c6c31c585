/** Helpers for the Vitest specs: API fixtures and a mount with the app's plugins. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, type Router } from 'vue-router'
import type { SessionOut } from '@/api/auth'
import type { CaseOut } from '@/api/cases'
import type { MetaOut } from '@/api/meta'
import { createAppRouter, installAuthLostRedirect } from '@/router'
import { ApiError, type ApiErrorBody } from '@/utils/api-error'
import { i18n } from '@/utils/i18n'

const STEP_TITLES = ['选择业务', '账户验证', '人脸识别', '上传身份证', '身份信息确认', '证件更新信息确认', '阅读协议', '签署协议', '签署完成', '提交完成']
const STEP_KEYS = ['select', 'verify', 'face', 'idcard', 'identity', 'update', 'read', 'sign', 'signed', 'status']

export function makeMeta(overrides: Partial<MetaOut> = {}): MetaOut {
  return {
    service_open: true,
    ignore_business_hours: false,
    business_hours: { open: '08:30', close: '15:30' },
    next_open: null,
    demo: false,
    steps: STEP_KEYS.map((key, i) => ({ number: i + 1, key, title: STEP_TITLES[i]! })),
    ...overrides,
  }
}

export function makeCase(overrides: Partial<CaseOut> = {}): CaseOut {
  return {
    id: '6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
    reference: 'ZJ202611250001',
    state: 'started',
    state_label: '待人脸识别',
    current_step: 3,
    step_key: 'face',
    created_at: '2026-11-25T09:00:00+08:00',
    expires_at: '2026-12-02T09:00:00+08:00',
    ...overrides,
  }
}

export function makeSession(overrides: Partial<SessionOut> = {}): SessionOut {
  return {
    customer: {
      name_masked: '张*',
      fund_account: '80001234',
      trading_account: '80001234',
      id_number_masked: '110101********1234',
      id_valid_from: '2006-05-01',
      id_valid_to: '2026-05-01',
      id_long_term: false,
    },
    case: null,
    token: null,
    idle_timeout: 900,
    ...overrides,
  }
}

/** An error as the API client rejects with it (after the interceptor). */
export function apiError(status: number, code: string, message: string, extra: Partial<ApiErrorBody> = {}): ApiError {
  return new ApiError(status, { code, message, retryable: true, fields: null, detail: null, ...extra })
}

export interface Harness {
  pinia: Pinia
  router: Router
}

/** A fresh Pinia and a memory-history router with the app's routes and guard. */
export function createHarness(): Harness {
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createAppRouter(createMemoryHistory())
  installAuthLostRedirect(router)
  return { pinia, router }
}

/** Mounts a component with the app's plugins after navigating to `path`. */
export async function mountAt(component: Component, path: string, harness = createHarness()) {
  await harness.router.push(path)
  await harness.router.isReady()
  const wrapper = mount(component, {
    attachTo: document.body,
    global: { plugins: [harness.pinia, harness.router, i18n] },
  })
  await flushPromises()
  return { wrapper, ...harness }
}

/** The text of the toast Vant shows, if any. */
export function toastText(): string {
  return Array.from(document.querySelectorAll('.van-toast'))
    .map((el) => el.textContent?.trim() ?? '')
    .join(' ')
}
