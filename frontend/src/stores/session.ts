import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import {
  type CustomerOut,
  getSession,
  type PasswordSignInIn,
  type SessionOut,
  signInWithPassword,
  type SmsVerifyIn,
  verifySmsCode,
} from '@/api/auth'
import { AUTH_LOST_CODES, isApiError } from '@/utils/api-error'
import { useCaseStore } from './case'

/**
 * The signed-in customer. Kept in memory only: the session itself is the server's HttpOnly
 * cookie, and nothing personal is written to storage.
 */
export const useSessionStore = defineStore('session', () => {
  const customer = ref<CustomerOut | null>(null)
  /** True once the server told us whether there is a session. */
  const known = ref(false)
  let pending: Promise<void> | null = null

  const signedIn = computed(() => customer.value !== null)

  function apply(session: SessionOut): void {
    customer.value = session.customer
    useCaseStore().setCurrent(session.case)
    known.value = true
  }

  function clear(): void {
    customer.value = null
    useCaseStore().setCurrent(null)
    known.value = true
  }

  /** Asks the server once per page load whether a session exists (e.g. after a reload). */
  function ensureKnown(): Promise<void> {
    if (known.value) return Promise.resolve()
    pending ??= getSession({ silent: true })
      .then(apply)
      .catch((error: unknown) => {
        if (isApiError(error) && AUTH_LOST_CODES.has(error.code)) clear()
        // Otherwise (network): stay unknown, ask again on the next navigation.
      })
      .finally(() => {
        pending = null
      })
    return pending
  }

  async function signInWithSms(input: SmsVerifyIn): Promise<SessionOut> {
    const session = await verifySmsCode(input)
    apply(session)
    return session
  }

  async function signInWithTradingPassword(input: PasswordSignInIn): Promise<SessionOut> {
    const session = await signInWithPassword(input)
    apply(session)
    return session
  }

  return { customer, known, signedIn, apply, clear, ensureKnown, signInWithSms, signInWithTradingPassword }
})
