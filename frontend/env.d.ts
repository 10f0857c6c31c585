/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the customer API; `/api` when unset. */
  readonly VITE_APP_API_BASE_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
