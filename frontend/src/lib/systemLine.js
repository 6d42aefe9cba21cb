// A system line ("Ana assigned this to Budi") in the viewer's language: the server stores the
// facts (`system_data` {kind, by, to, status, until, reason}) beside an English `body`, which
// stays the fallback for lines written before the facts were kept.
import { t, d } from '../i18n/index.js';

export function systemLineText(message) {
  const data = message?.system_data;
  if (!data || !data.kind) return message?.body || '';
  const by = data.by || 'Blazz';
  switch (data.kind) {
    case 'assigned':
    case 'unassigned':
    case 'took':
    case 'auto_assigned':
      return t(`system.${data.kind}`, { by, to: data.to || '' });
    case 'reopened':
      return data.reason === 'snooze' || data.reason === 'customer' ? t(`system.reopened.${data.reason}`) : message.body;
    case 'status': {
      if (!['open', 'pending', 'resolved', 'snoozed'].includes(data.status)) return message.body;
      const until = data.until ? d(new Date(data.until), 'full') : '';
      return t(`system.status.${data.status}`, { by, until });
    }
    default:
      return message.body || '';
  }
}
