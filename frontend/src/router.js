import { createRouter, createWebHistory } from 'vue-router';
import InboxPage from './pages/InboxPage.vue';

// Django answers every non-API path of a workspace host with index.html, so history mode works.
export const routes = [
  { path: '/', name: 'inbox', component: InboxPage },
  { path: '/chats/:id(\\d+)', name: 'chat', component: InboxPage, props: true },
  { path: '/sessions', name: 'sessions', component: () => import('./pages/SessionsPage.vue') },
  { path: '/automation', name: 'automation', component: () => import('./pages/AutomationPage.vue') },
  { path: '/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
];

export function createAppRouter(history = createWebHistory('/')) {
  return createRouter({ history, routes });
}
