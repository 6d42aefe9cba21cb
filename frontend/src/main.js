import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './router.js';
import { createRealtime, REALTIME_KEY } from './realtime/index.js';
import { useChatsStore } from './stores/chats.js';
import { useMessagesStore } from './stores/messages/index.js';
import { useSessionsStore } from './stores/sessions.js';
import { useRealtimeStore } from './stores/connection.js';
import { useMutesStore } from './stores/mutes.js';
import { useTeamStore } from './stores/team.js';
import { exposeTestHooks } from './lib/testHooks.js';
import { i18n, currentLocale, loadLocale } from './i18n/index.js';
import { useViewersStore } from './stores/viewers.js';
import { useScheduledStore } from './stores/scheduled.js';
import './styles/main.css';
import './styles/team.css';
import './styles/emoji.css';
import { addEmojiFont } from './lib/emojiFont.js';
import './styles/collab.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
document.documentElement.lang = currentLocale();
app.use(createAppRouter());

const realtime = createRealtime({
  stores: {
    chats: useChatsStore(pinia),
    messages: useMessagesStore(pinia),
    sessions: useSessionsStore(pinia),
    connection: useRealtimeStore(pinia),
    mutes: useMutesStore(pinia),
    team: useTeamStore(pinia),
    viewers: useViewersStore(pinia),
    scheduled: useScheduledStore(pinia),
  },
});
app.provide(REALTIME_KEY, realtime);
realtime.start();
// Tests and benches look at the stores through this (never the components); off in production
// unless asked for (lib/testHooks.js).
exposeTestHooks(window, { realtime, pinia });

addEmojiFont(document);
// The first paint is in the agent's language: its copy is fetched before the app mounts.
loadLocale(currentLocale()).catch(() => {}).then(() => app.mount('#app'));
