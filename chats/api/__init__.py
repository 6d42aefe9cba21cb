"""The inbox API (DRF views, thin: validate, call one service or selector, serialize):
contacts.py (chats, contacts, read), messages.py (thread, send, retry, react, search),
media.py (upload, download), export.py (a chat as json/csv/txt; the rendering is chats/export.py).
blazz/api_urls.py routes them."""
