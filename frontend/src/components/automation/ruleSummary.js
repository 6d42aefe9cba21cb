// A rule in one line for the rules table: its trigger, its conditions and its actions, in the
// interface's language. Names come from the lists the panel loaded (an id left out shows as #id).
import { t } from '../../i18n/index.js';

const nameOf = (list, id, key = 'id') => {
  const found = (list || []).find((item) => (item[key] ?? item.id) === id);
  return found ? (found.name || found.email) : t('ruleSummary.unknown', { id });
};

function trigger(rule) {
  if (rule.trigger === 'first_message') return t('ruleSummary.firstMessage');
  if (rule.trigger === 'outside_hours') return t('ruleSummary.outsideHours');
  return t('ruleSummary.keyword', { match: t(`automation.matches.${rule.match_type}`), pattern: rule.pattern });
}

function conditions(rule, { labels }) {
  const or = t('ruleSummary.or');
  const parts = [];
  if (rule.condition_statuses?.length) {
    parts.push(t('ruleSummary.status', { statuses: rule.condition_statuses.map((s) => t(`team.status.${s}`)).join(or) }));
  }
  if (rule.condition_label_ids?.length) {
    parts.push(t('ruleSummary.labels', { labels: rule.condition_label_ids.map((id) => nameOf(labels, id)).join(or) }));
  }
  if (rule.condition_contact_is_new != null) parts.push(t(rule.condition_contact_is_new ? 'ruleSummary.isNew' : 'ruleSummary.notNew'));
  if (rule.condition_unassigned != null) parts.push(t(rule.condition_unassigned ? 'ruleSummary.unassigned' : 'ruleSummary.assigned'));
  return parts;
}

function actions(rule, { templates, members, labels }) {
  const parts = [];
  if (rule.reply_template_id) parts.push(t('ruleSummary.replyTemplate', { name: nameOf(templates, rule.reply_template_id) }));
  else if (rule.reply_text) {
    const text = rule.reply_text.length > 40 ? `${rule.reply_text.slice(0, 39)}…` : rule.reply_text;
    parts.push(t('ruleSummary.replyText', { text }));
  }
  if (rule.assign_to_id) parts.push(t('ruleSummary.assign', { name: nameOf(members, rule.assign_to_id, 'user_id') }));
  if (rule.add_label_ids?.length) {
    parts.push(t('ruleSummary.addLabels', { labels: rule.add_label_ids.map((id) => nameOf(labels, id)).join(', ') }));
  }
  if (rule.set_status) parts.push(t('ruleSummary.setStatus', { status: t(`team.status.${rule.set_status}`) }));
  if (rule.stop_here) parts.push(t('ruleSummary.stop'));
  return parts;
}

/** "When the text contains “harga” · only if the chat is Resolved · then reply “10rb”, stop". */
export function ruleSummary(rule, lists = {}) {
  const line = [t('ruleSummary.when', { trigger: trigger(rule) })];
  const only = conditions(rule, lists);
  if (only.length) line.push(t('ruleSummary.only', { conditions: only.join(', ') }));
  const then = actions(rule, lists);
  if (then.length) line.push(t('ruleSummary.then', { actions: then.join(', ') }));
  return line.join(' · ');
}
