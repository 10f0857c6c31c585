import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createAppRouter, installAuthLostRedirect } from './router'
import { i18n } from './utils/i18n'
// Styles of Vant's function APIs (components get theirs through the auto-import resolver).
import 'vant/es/toast/style'
import './styles/index.css'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()

app.use(pinia)
app.use(i18n)
app.use(router)
installAuthLostRedirect(router)
app.mount('#app')
