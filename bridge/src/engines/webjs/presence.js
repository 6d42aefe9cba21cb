// Best effort: whatsapp-web.js emits no typing or presence events, so we listen inside the
// WhatsApp Web page. The page's internal modules (WAWebPresenceCollection) are not a public API
// and change between WhatsApp Web versions: when they are missing, nothing is reported and the
// rest of the engine is unaffected. WhatsApp only reports presence for chats we subscribed to;
// the engine subscribes to a chat when a message from it arrives.
export const PRESENCE_LISTENER = () => {
  if (window.blazzPresenceInstalled) return true;
  const mod = window.require && window.require('WAWebPresenceCollection');
  const collection = mod && (mod.PresenceCollection || mod.default);
  if (!collection || typeof collection.on !== 'function') return false;
  const report = (model) => {
    try {
      const id = model.id && (model.id._serialized || String(model.id));
      const chatstate = model.chatstate && model.chatstate.type;
      window.blazzOnPresence({ id, isOnline: model.isOnline, chatstate, t: model.chatstate && model.chatstate.t });
    } catch (e) { /* best effort */ }
  };
  const watch = (model) => {
    if (!model || model.__blazz) return;
    model.__blazz = true;
    model.on && model.on('change:isOnline', () => report(model));
    model.chatstate && model.chatstate.on && model.chatstate.on('change:type', () => report(model));
  };
  collection.on('add', watch);
  (collection.getModelsArray ? collection.getModelsArray() : collection.models || []).forEach(watch);
  window.blazzSubscribePresence = async (id) => {
    try {
      const widFactory = window.require('WAWebWidFactory');
      const wid = widFactory.createWid(id);
      const presence = collection.get(wid) || (await collection.find(wid));
      if (presence) {
        watch(presence);
        if (presence.subscribe) await presence.subscribe();
      }
    } catch (e) { /* best effort */ }
  };
  window.blazzPresenceInstalled = true;
  return true;
};
