"""The one shape of a session, for the REST API and the `session.status` event alike (its field
list is the catalogue's SessionPayload)."""

from functools import lru_cache

import segno
from rest_framework import serializers

from blazz.core.payloads import SessionPayload, fields_of
from sessions_wa.models import SessionStatus, WhatsAppSession


@lru_cache(maxsize=64)
def qr_svg(qr_raw: str) -> str:
    return segno.make(qr_raw, error="m").svg_inline(scale=4, border=2)


class SessionSerializer(serializers.ModelSerializer):
    qr = serializers.SerializerMethodField(help_text="PNG data URL while waiting for a scan.")
    qr_svg = serializers.SerializerMethodField(help_text="The same QR as inline SVG.")

    class Meta:
        model = WhatsAppSession
        fields = fields_of(SessionPayload)

    def get_qr(self, session) -> str | None:
        if session.status != SessionStatus.QR:
            return None
        if session.qr_data_url:
            return session.qr_data_url
        if session.qr_raw:
            return segno.make(session.qr_raw, error="m").png_data_uri(scale=4, border=2)
        return None

    def get_qr_svg(self, session) -> str | None:
        if session.status != SessionStatus.QR or not session.qr_raw:
            return None
        return qr_svg(session.qr_raw)


def session_data(session: WhatsAppSession) -> SessionPayload:
    return dict(SessionSerializer(session).data)
