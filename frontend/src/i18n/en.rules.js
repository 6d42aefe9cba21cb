// English copy of the rules table's one-line summaries and the tester's chat (spread into en.js;
// id.rules.js has every key).
export default {
  ruleSummary: {
    heading: 'What it does',
    when: 'When {trigger}',
    keyword: 'the text {match} “{pattern}”',
    firstMessage: 'a new contact writes first',
    outsideHours: 'a message comes outside business hours',
    only: 'only if {conditions}',
    status: 'the chat is {statuses}',
    labels: 'it has {labels}',
    isNew: 'the contact is new',
    notNew: 'the contact is not new',
    unassigned: 'it is unassigned',
    assigned: 'it is assigned',
    replyTemplate: 'reply with template {name}',
    replyText: 'reply “{text}”',
    assign: 'assign to {name}',
    addLabels: 'add {labels}',
    setStatus: 'set it {status}',
    then: 'then {actions}',
    stop: 'stop',
    or: ' or ',
    unknown: '#{id}',
  },
  ruleTester: {
    chat: 'In chat',
    anyChat: 'Any chat (conditions not checked)',
  },
};
