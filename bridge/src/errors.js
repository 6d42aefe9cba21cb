// Typed errors: every error the API answers with is one of these, so the error handler in app.js
// maps them to the one error shape {"error": {"code", "message", "fields"?}} and tests assert codes.

export class BridgeError extends Error {
  constructor(code, message, { statusCode = 400, fields, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'BridgeError';
    this.code = code;
    this.statusCode = statusCode;
    if (fields) this.fields = fields;
  }

  toBody() {
    const error = { code: this.code, message: this.message };
    if (this.fields) error.fields = this.fields;
    return { error };
  }
}

export const ErrorCode = Object.freeze({
  UNAUTHORIZED: 'unauthorized',
  INVALID_REQUEST: 'invalid_request',
  NOT_FOUND: 'not_found',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  SESSION_NOT_FOUND: 'session_not_found',
  SESSION_EXISTS: 'session_exists',
  SESSION_NOT_CONNECTED: 'session_not_connected',
  INVALID_SESSION_STATE: 'invalid_session_state',
  NOT_SUPPORTED_BY_ENGINE: 'not_supported_by_engine',
  MEDIA_FETCH_FAILED: 'media_fetch_failed',
  MEDIA_TOO_LARGE: 'media_too_large',
  MEDIA_NOT_FOUND: 'media_not_found',
  MESSAGE_NOT_FOUND: 'message_not_found',
  SEND_FAILED: 'send_failed',
  SEND_IN_PROGRESS: 'send_in_progress',
  SEND_OUTCOME_UNKNOWN: 'send_outcome_unknown',
  CLIENT_ID_CONFLICT: 'client_id_conflict',
  ENGINE_ERROR: 'engine_error',
  DEAD_LETTER_NOT_FOUND: 'dead_letter_not_found',
  STALE_EPOCH: 'stale_epoch',
  EDIT_WINDOW_PASSED: 'edit_window_passed',
  MESSAGE_NOT_EDITABLE: 'message_not_editable',
  REVOKE_WINDOW_PASSED: 'revoke_window_passed',
  MESSAGE_NOT_REVOCABLE: 'message_not_revocable',
  METRICS_DISABLED: 'metrics_disabled',
  INTERNAL: 'internal_error',
});

export const unauthorized = (message = 'missing or wrong bearer token') =>
  new BridgeError(ErrorCode.UNAUTHORIZED, message, { statusCode: 401 });

export const invalidRequest = (message, fields) =>
  new BridgeError(ErrorCode.INVALID_REQUEST, message, { statusCode: 400, fields });

export const sessionNotFound = (id) =>
  new BridgeError(ErrorCode.SESSION_NOT_FOUND, `session ${id} not found`, { statusCode: 404 });

export const sessionExists = (id, engine) =>
  new BridgeError(ErrorCode.SESSION_EXISTS, `session ${id} exists with engine ${engine}`, { statusCode: 409 });

export const sessionNotConnected = (id, status) =>
  new BridgeError(ErrorCode.SESSION_NOT_CONNECTED, `session ${id} is ${status}, not connected`, { statusCode: 409 });

export const invalidSessionState = (message) =>
  new BridgeError(ErrorCode.INVALID_SESSION_STATE, message, { statusCode: 409 });

/** What an engine cannot do (WAHA's NotImplementedByEngineError): always a 422. */
export class NotSupportedByEngine extends BridgeError {
  constructor(engine, operation) {
    super(ErrorCode.NOT_SUPPORTED_BY_ENGINE, `engine ${engine} does not support ${operation}`, { statusCode: 422 });
    this.name = 'NotSupportedByEngine';
  }
}

export const mediaFetchFailed = (message, cause) =>
  new BridgeError(ErrorCode.MEDIA_FETCH_FAILED, message, { statusCode: 422, cause });

export const mediaTooLarge = (limit) =>
  new BridgeError(ErrorCode.MEDIA_TOO_LARGE, `media larger than ${limit} bytes`, { statusCode: 413 });

export const mediaNotFound = (id) =>
  new BridgeError(ErrorCode.MEDIA_NOT_FOUND, `media ${id} not found`, { statusCode: 404 });

export const messageNotFound = (id) =>
  new BridgeError(ErrorCode.MESSAGE_NOT_FOUND, `message ${id} not found`, { statusCode: 404 });

/**
 * The engine refused or failed a send. `maybeSent` says whether the message may have left anyway
 * (the engine call failed after it started talking to WhatsApp): then the idempotency record is kept
 * as "unknown" and a repeat answers send_outcome_unknown instead of sending twice.
 */
export class SendFailed extends BridgeError {
  constructor(message, { maybeSent = false, cause } = {}) {
    super(ErrorCode.SEND_FAILED, message, { statusCode: 502, cause });
    this.name = 'SendFailed';
    this.maybeSent = maybeSent;
  }
}

export const sendInProgress = (clientId) =>
  new BridgeError(ErrorCode.SEND_IN_PROGRESS, `send ${clientId} is in progress`, { statusCode: 409 });

export const sendOutcomeUnknown = (clientId, reason) =>
  new BridgeError(
    ErrorCode.SEND_OUTCOME_UNKNOWN,
    `send ${clientId} was interrupted and may or may not have been sent (${reason}); it is never sent twice`,
    { statusCode: 409 },
  );

export const clientIdConflict = (clientId) =>
  new BridgeError(ErrorCode.CLIENT_ID_CONFLICT, `client_id ${clientId} was used with a different payload`, { statusCode: 409 });

export const deadLetterNotFound = (id) =>
  new BridgeError(ErrorCode.DEAD_LETTER_NOT_FOUND, `no dead letter ${id}`, { statusCode: 404 });

export const engineError = (message, cause) =>
  new BridgeError(ErrorCode.ENGINE_ERROR, message, { statusCode: 502, cause });

export const staleEpoch = (id, epoch, current) =>
  new BridgeError(ErrorCode.STALE_EPOCH, `session ${id} is at epoch ${current} on this node; a command for epoch ${epoch} is stale`, { statusCode: 409 });

/** An agent action WhatsApp does not allow on this message (edit after 15 minutes, revoke someone else's...). */
export const messageActionRefused = (code, message) => new BridgeError(code, message, { statusCode: 422 });
