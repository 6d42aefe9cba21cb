// The one HTTP client of the SPA: same-origin session cookie, CSRF header on unsafe methods,
// the API's one error shape turned into ApiError, and a trip to /login/ when the session is gone.
import { t, currentLocale } from '../i18n/index.js';

export const API_BASE = '/api/v1';
const CSRF_COOKIE = 'blazz_csrftoken';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the request never got an answer
   * @param {string} code the API's error code (branch on this, never on message)
   */
  constructor(status, code, message, fields = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** True when the request may never have reached the server (offline, connection reset). */
  get isNetwork() {
    return this.status === 0;
  }
}

export function readCookie(name, cookieString = typeof document === 'undefined' ? '' : document.cookie) {
  for (const part of cookieString.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return '';
}

export function csrfToken() {
  return readCookie(CSRF_COOKIE);
}

let redirecting = false;

/** Send the browser to the server-rendered login, coming back here afterwards. */
export function redirectToLogin() {
  if (redirecting || typeof window === 'undefined') return;
  redirecting = true;
  const next = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  window.location.assign(`/login/?next=${encodeURIComponent(next)}`);
}

/** Resolve a path ("/chats/") or a full `next` URL from a page into a same-origin URL. */
export function apiUrl(pathOrUrl) {
  if (/^https?:\/\//i.test(pathOrUrl)) {
    // Cursor URLs are absolute; keep only path+query so the request stays same-origin.
    const url = new URL(pathOrUrl);
    return `${url.pathname}${url.search}`;
  }
  if (pathOrUrl.startsWith('/api/')) return pathOrUrl;
  return `${API_BASE}${pathOrUrl}`;
}

async function parseError(response) {
  let code = `http_${response.status}`;
  let message = response.statusText || t('errors.requestFailed');
  let fields = {};
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
      fields = body.error.fields || {};
    }
  } catch {
    /* not JSON: keep the HTTP status as the code */
  }
  return new ApiError(response.status, code, message, fields);
}

/**
 * 401: the session is gone. 403: either the session is gone (DRF answers 403 to an anonymous
 * session request) or the member lacks a role for this one call; /me/ tells which.
 */
async function handleAuthFailure(error, path) {
  if (error.status === 401 || error.code === 'unauthorized') {
    redirectToLogin();
    return;
  }
  if (error.status === 403) {
    if (path.startsWith('/me/')) {
      redirectToLogin();
      return;
    }
    try {
      const me = await fetch(apiUrl('/me/'), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (me.status === 401 || me.status === 403) redirectToLogin();
    } catch {
      /* offline: nothing to decide */
    }
  }
}

/**
 * @param {string} method
 * @param {string} path "/chats/" (under /api/v1) or a full cursor URL
 * @param {{body?: any, query?: Record<string, any>, signal?: AbortSignal}} [opts]
 */
export async function request(method, path, { body, query, signal } = {}) {
  let url = apiUrl(path);
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, value);
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  // The API answers its error messages in the agent's language (Django's LocaleMiddleware).
  const headers = { Accept: 'application/json', 'Accept-Language': currentLocale() };
  const upper = method.toUpperCase();
  if (UNSAFE.has(upper)) headers['X-CSRFToken'] = csrfToken();
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method: upper, headers, body: payload, credentials: 'same-origin', signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', t('errors.network'));
  }
  if (!response.ok) {
    const error = await parseError(response);
    await handleAuthFailure(error, path);
    throw error;
  }
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body });
export const del = (path, opts) => request('DELETE', path, opts);

/**
 * Multipart upload with progress (fetch has no upload progress; XMLHttpRequest does).
 * @param {string} path
 * @param {File|Blob} file
 * @param {{filename?: string, onProgress?: (fraction: number) => void, signal?: AbortSignal}} [opts]
 */
export function upload(path, file, { filename, onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path));
    xhr.withCredentials = true;
    xhr.setRequestHeader('X-CSRFToken', csrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', currentLocale());
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
        return;
      }
      const err = body && body.error ? body.error : {};
      const error = new ApiError(xhr.status, err.code || `http_${xhr.status}`, err.message || 'Upload failed', err.fields || {});
      handleAuthFailure(error, path).finally(() => reject(error));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', t('errors.networkUpload')));
    xhr.onabort = () => reject(new DOMException('Upload aborted', 'AbortError'));
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, filename || file.name || 'file');
    xhr.send(form);
  });
}
